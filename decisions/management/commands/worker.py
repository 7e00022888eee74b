"""The background worker: django-tasks-db's db_worker, after giving back the tasks a worker that
died left unfinished (decisions.retry.resume_stalled)."""

import datetime

from django_tasks_db.management.commands import db_worker

from decisions.retry import resume_stalled


class Command(db_worker.Command):
    help = "Run queued tasks (imports, e-mails, webhooks, tallies) as they come, from the database queue."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--stalled-after", type=float, default=600,
            help="Seconds after which a task still running is taken to belong to a worker that died (600).",
        )  # fmt: skip

    def handle(self, *args, stalled_after: float, **options) -> None:
        resumed = resume_stalled(datetime.timedelta(seconds=stalled_after))
        if resumed:
            self.stdout.write(f"Gave back {resumed} task(s) a stopped worker had left running.")
        super().handle(*args, **options)
