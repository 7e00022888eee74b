from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import factors


def factor_help(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "decisions/factor_help.html",
        {
            "factors": factors.FACTORS,
            "gate_question": factors.SYNC_GATE_QUESTION,
            "gate_hint": factors.SYNC_GATE_HINT,
            "strong_from": factors.STRONG_FROM,
            "logic_hints": factors.LOGIC_LOCATION_HINTS,
        },
    )
