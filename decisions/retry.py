"""Tasks that talk to other servers try again later when the other side fails; tasks a dead
worker left half done go back to the queue."""

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

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


def resume_stalled(older_than: datetime.timedelta) -> int:
    """Give back to the queue the tasks a worker started more than `older_than` ago and never
    finished: its process died (SIGKILL, a lost machine) with the task in hand. Every task here
    is idempotent, so running one again is safe. How many were given back."""
    cutoff = timezone.now() - older_than
    stalled = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    return stalled.update(status=TaskResultStatus.READY, started_at=None)
