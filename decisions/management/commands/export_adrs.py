from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from decisions.adr_files import export
from decisions.management.progress import Progress
from decisions.models import Decision


class Command(BaseCommand):
    help = "Write every decision as an ADR Markdown file, plus an index, into a folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The folder to write into (created if missing).")
        parser.add_argument("--format", choices=sorted(export.FORMATS), default="nygard")

    def handle(self, *args, **options) -> None:
        target = Path(options["path"])
        if target.exists() and not target.is_dir():
            raise CommandError(f"{target} exists and is not a folder.")
        decisions = export.for_export(Decision.objects.order_by("number"))
        progress = Progress(self.stdout, f"Exporting ({options['format']})", decisions.count())
        count = export.write_folder(
            target, decisions.iterator(chunk_size=500), options["format"], advance=progress.advance
        )
        progress.done()
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} decisions and index.md to {target}."))
