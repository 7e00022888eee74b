"""Tasks that talk to other servers try again later when the other side fails."""

import datetime

from django.utils import timezone

# Minutes before each new try: 1, 5, 30, then every 2 hours up to the last.
BACKOFF_MINUTES = [1, 5, 30, 120, 120]


def retry_later(task, attempt: int, *args) -> bool:
    """Queue `task(*args, attempt + 1)` after the backoff for `attempt`, or say it is time to give up.
    A backend that cannot wait (the tests' immediate one) runs it again at once."""
    if attempt >= len(BACKOFF_MINUTES):
        return False
    if task.get_backend().supports_defer:
        later = timezone.now() + datetime.timedelta(minutes=BACKOFF_MINUTES[attempt])
        task.using(run_after=later).enqueue(*args, attempt + 1)
    else:
        task.enqueue(*args, attempt + 1)
    return True
