from django.core.management.base import BaseCommand

from decisions import overview


class Command(BaseCommand):
    help = "Count the overview's tallies again from the decisions, after data was changed outside the app."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--in-worker", action="store_true", help="Queue it for a worker instead of waiting here.")

    def handle(self, *args, **options) -> None:
        if options["in_worker"]:
            overview.tally_rebuild_task.enqueue()
            self.stdout.write(self.style.SUCCESS("Queued: a worker will count the tallies again."))
            return
        overview.tally_rebuild()
        self.stdout.write(self.style.SUCCESS("Counted the overview's tallies again."))
