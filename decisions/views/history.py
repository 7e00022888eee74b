from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import access
from ..revisions import changed_labels, compare


def _pick(records: list, history_id: str | None, default):
    for record in records:
        if str(record.history_id) == history_id:
            return record
    return default


def decision_history(request: HttpRequest, number: int) -> HttpResponse:
    """Every revision of a decision, and the difference between any two of them."""
    decision = access.decision_for(request.user, number)
    records = list(decision.history.select_related("history_user").order_by("history_date", "history_id"))
    revisions = [
        {
            "record": record,
            "number": index + 1,
            "changed": changed_labels(records[index - 1] if index else None, record),
        }
        for index, record in enumerate(records)
    ]
    newest = records[-1] if records else None
    to_record = _pick(records, request.GET.get("to"), newest)
    default_from = records[records.index(to_record) - 1] if to_record and records.index(to_record) > 0 else None
    from_record = _pick(records, request.GET.get("from"), default_from)
    if from_record and to_record and from_record.history_date > to_record.history_date:
        from_record, to_record = to_record, from_record
    return render(
        request,
        "decisions/decision_history.html",
        {
            "decision": decision,
            "revisions": list(reversed(revisions)),
            "from_record": from_record,
            "to_record": to_record,
            "changes": compare(from_record, to_record) if to_record else [],
        },
    )
