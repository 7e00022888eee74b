from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from decisions import workflow
from decisions.adr_files import importer
from decisions.management.progress import Progress
from decisions.models import decision_code


class Command(BaseCommand):
    help = (
        "Import ADR Markdown files (Nygard/adr-tools, MADR 2-4, log4brains, EventCatalog) from a folder, "
        "searched recursively, or a zip. Importing the same collection again updates it in place."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="A folder of ADR files, or a .zip of one.")
        parser.add_argument(
            "--collection", help="Name kept with each imported file's path (default: the folder or zip name)."
        )
        parser.add_argument("--author", help="Username recorded as the author of new decisions.")
        parser.add_argument(
            "--skip-broken", action="store_true", help="Import the other files even when some cannot be read."
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        author = None
        if options["author"]:
            author = get_user_model().objects.filter(username=options["author"]).first()
            if author is None:
                raise CommandError(f"No user is called {options['author']}.")
        try:
            if path.is_file():
                with path.open("rb") as source:
                    files = importer.read_zip(source)
            else:
                files = importer.read_folder(path)
        except importer.CollectionError as error:
            raise CommandError(str(error)) from None
        collection = options["collection"] or importer.collection_name(str(path.resolve()))
        progress = Progress(self.stdout, f"Importing {collection}", len(files))
        report = workflow.adrs_import(
            files, collection=collection, by=author, skip_broken=options["skip_broken"], progress=progress
        )
        progress.done()
        self._print(report)
        if not report.committed:
            raise CommandError(
                f"Nothing was imported: {len(report.broken)} file(s) cannot be read. "
                "Fix them, or run again with --skip-broken to import the others."
            )

    def _print(self, report: importer.ImportReport) -> None:
        for result in report.results:
            line = f"{result.outcome:>9}  {result.path}"
            if result.number is not None:
                line += f"  -> {decision_code(result.number)}"
            if result.reason:
                line += f"  ({result.reason})"
            style = self.style.ERROR if result.outcome == "broken" else (lambda text: text)
            self.stdout.write(style(line))
            if result.read:
                read = "; ".join(
                    f"{name} {value}" + (f" ({where})" if where else "") for name, value, where in result.read
                )
                self.stdout.write(f"{'':>11}read: {read}")
            for warning in result.warnings:
                self.stdout.write(f"{'':>11}note: {warning}")
        self.stdout.write(self.style.SUCCESS(f"{report.collection}: {report.summary()}."))
