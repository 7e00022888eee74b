"""The API keeps its own OpenAPI contract: schemathesis drives every operation in-process,
with data that fits the schema and data that does not, then a stateful run that chains them.

Fixed seed and bounded examples, so it is repeatable and quick. One built-in check is replaced:
a value the schema allows may still break a rule no schema can say (a reason for each factor
picked, a flow that exists). The API answers those with a 422 of their own kind (BROKEN_RULE,
naming the field); schema-valid data refused for any other reason still fails.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from decisions import roles, tokens, workflow
from decisions.api import BROKEN_RULE, api
from tests.factories import AssessedDecisionFactory, CommentFactory, FlowFactory, UserFactory

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
SCHEMA.app = get_wsgi_application()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
TOKEN: dict[str, str] = {}  # the architect's key, while a test runs (the key fixture)


@SCHEMA.auth()
class ArchitectToken:
    """Every generated call is made with a real token, so the checks of authentication know it."""

    def get(self, case, context):
        return TOKEN["key"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


EXAMPLES = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def refused_only_by_a_rule(ctx, response, case) -> None:
    """Schema-valid data is accepted, or refused by a named rule the schema cannot say."""
    if not case.meta or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return positive_data_acceptance(ctx, response, case)
    body = response.json()
    assert body["detail"] == BROKEN_RULE and body.get("errors"), f"schema-valid data refused: {body}"
    return None


CHECKS = {"excluded_checks": [positive_data_acceptance], "additional_checks": [refused_only_by_a_rule]}


@pytest.fixture
def key(db):
    """A world to act on (drafts, a proposal, comments, flows) and an architect's token."""
    signals.request_started.disconnect(close_old_connections)  # as Django's test client does
    signals.request_finished.disconnect(close_old_connections)
    author = UserFactory(username="ada", role=roles.ARCHITECTS)
    reviewer = UserFactory(username="rui", role=roles.REVIEWERS)
    FlowFactory()
    AssessedDecisionFactory(author=author, status="draft")
    proposal = AssessedDecisionFactory(author=author, status="draft")
    workflow.decision_propose(decision=proposal, by=author, reviewers=[reviewer])
    CommentFactory(decision=proposal, author=author)
    _, TOKEN["key"] = tokens.token_issue(user=author, name="schemathesis")
    yield TOKEN["key"]
    TOKEN.clear()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_each_operation_keeps_the_contract(operation, mode, key):
    @seed(20261201)
    @EXAMPLES
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(**CHECKS)

    run()


def test_chained_calls_keep_the_contract(key):
    class Machine(SCHEMA.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, **CHECKS, transport_kwargs=kwargs)

    Machine.run(settings=settings(EXAMPLES, max_examples=30, stateful_step_count=6, derandomize=True))


def test_every_operation_documents_its_refusals():
    for operation in OPERATIONS:
        documented = set(operation.definition.raw["responses"])
        assert {"401", "422"} <= documented, operation.label
        if "{" in operation.path:
            assert "404" in documented, operation.label
