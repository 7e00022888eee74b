"""Sign-in lock-out that a stranger cannot turn against a colleague.

django-axes counts failures per set of lock-out parameters and applies one limit to them all.
Here a username is locked only at the address its failures came from (AXES_FAILURE_LIMIT),
and an address as a whole, whatever usernames it tries, after the higher
LOGIN_ADDRESS_FAILURE_LIMIT: someone guessing from elsewhere never locks out the person.
"""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class PairThenAddressHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        # One attempt list per entry of settings.AXES_LOCKOUT_PARAMETERS: the pair, then the address.
        pair, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # The address's failures, in units of the pair's limit, so axes' one limit holds both.
        return max(pair, address * settings.AXES_FAILURE_LIMIT // settings.LOGIN_ADDRESS_FAILURE_LIMIT)


def client_address(request) -> str:
    """The address the sign-in came from. Behind PROXY_COUNT proxies that each append to
    X-Forwarded-For, the entry the outermost one wrote; whatever a client put before it is ignored."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote  # not through the proxies configured: the nearest peer is all we know
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
