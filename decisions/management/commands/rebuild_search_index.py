from django.core.management.base import BaseCommand

from decisions import search
from decisions.management.progress import Progress
from decisions.models import Decision


class Command(BaseCommand):
    help = "Rebuild the full-text search documents of every decision."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--in-worker", action="store_true", help="Queue it for a worker instead of waiting here.")

    def handle(self, *args, **options) -> None:
        if options["in_worker"]:
            search.index_all_task.enqueue()
            self.stdout.write(self.style.SUCCESS("Queued: a worker will index every decision again."))
            return
        ids = list(Decision.objects.order_by("pk").values_list("pk", flat=True))
        progress = Progress(self.stdout, "Indexing decisions", len(ids))
        search.index_decisions(ids, advance=progress.advance)
        progress.done()
        self.stdout.write(self.style.SUCCESS(f"Indexed {len(ids)} decisions."))
