import factory
from django.contrib.auth.models import Group, Permission, User
from django.test import TestCase

from decisions import roles, workflow
from decisions.models import Comment, Decision, Flow, Notification, Review, ReviewRequest, Service, Team, Transition


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("secret-password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            if not Group.objects.filter(name=extracted).exists():
                # Transactional tests flush the groups that the roles migration made.
                roles.sync_roles(Group, Permission)
            self.groups.add(Group.objects.get(name=extracted))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"service-{n}")
    team = factory.SubFactory(TeamFactory)


class FlowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Flow
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Flow {n}")
    producer = factory.SubFactory(ServiceFactory)
    owner_team = factory.SelfAttribute("producer.team")

    @factory.post_generation
    def consumers(self, create, extracted, **kwargs):
        """Through the workflow's door, which keeps the services' flow counts."""
        if create:
            workflow.flow_save(flow=self, consumers=extracted if extracted is not None else [ServiceFactory()])


class DecisionFactory(factory.django.DjangoModelFactory):
    """Decisions are written through the workflow's door, so the search index, flows' styles
    and the overview follow, as they do in the app."""

    class Meta:
        model = Decision

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return workflow.decision_create(decision=model_class(*args, **kwargs), by=None)

    title = factory.Sequence(lambda n: f"Decision {n}")
    context = "Some context."
    decision_text = "What we do."
    consequences = "What follows."


class AssessedDecisionFactory(DecisionFactory):
    """A decision on a flow with a full assessment that recommends Command, and chose it."""

    flow = factory.SubFactory(FlowFactory)
    caller_needs_result = False
    visibility, visibility_reason = 3, "Support debugs from one place."
    growth, growth_reason = 1, "Nobody else will react."
    coordination, coordination_reason = 2, "We could run it."
    coupling, coupling_reason = 2, "Neighbouring domain."
    style = "command"
    logic_location = "The sender orchestrates."
    status = "accepted"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    decision = factory.SubFactory(DecisionFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")


class ReviewRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewRequest

    decision = factory.SubFactory(DecisionFactory, status="proposed")
    reviewer = factory.SubFactory(UserFactory)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    decision = factory.SubFactory(DecisionFactory, status="proposed")
    reviewer = factory.SubFactory(UserFactory)
    verdict = Review.Verdict.APPROVE
    body = "Looks right."


class TransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transition

    decision = factory.SubFactory(DecisionFactory, status="proposed")
    from_status = "draft"
    to_status = "proposed"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    decision = factory.SubFactory(DecisionFactory)
    key = factory.Sequence(lambda n: f"event:{n}")
    text = "Something happened"


def accepted(**kwargs):
    """An accepted decision that went through the workflow and was committed, so its flow and the tallies know it."""
    author = UserFactory(role=roles.ARCHITECTS)
    reviewer = UserFactory(role=roles.REVIEWERS)
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = AssessedDecisionFactory(status="draft", author=author, **kwargs)
        workflow.decision_propose(decision=decision, by=author, reviewers=[reviewer])
        workflow.review_submit(decision=decision, by=reviewer, verdict="approved", body="")
        workflow.decision_transition(decision=decision, to="accepted", by=author)
    return decision
