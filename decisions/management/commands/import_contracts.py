from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from decisions import workflow
from decisions.adr_files import importer
from decisions.contracts import reader
from decisions.contracts.report import ContractReport
from decisions.management.progress import Progress
from decisions.models import ContractImport


class Command(BaseCommand):
    help = (
        "Import message contracts: an AsyncAPI 2.x or 3.0 document (YAML or JSON), a folder of them with the "
        "files they refer to, an EventCatalog catalog folder, or a .zip of any of these. Importing the same "
        "source again replaces what it said before."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="A file, a folder or a .zip.")
        parser.add_argument("--source", help="What the facts come from (default: the file or folder name).")
        parser.add_argument("--by", help="Username recorded as the importer.")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No user is called {options['by']}.")
        try:
            if path.is_file() and path.suffix.lower() == ".zip":
                with path.open("rb") as source:
                    files = importer.read_zip(source, wanted=reader.is_contract_file)
            elif path.is_file():
                files = [(path.name, path.read_bytes())]
            else:
                files = [(name, data) for name, data in importer.read_folder(path) if reader.is_contract_file(name)]
        except importer.CollectionError as error:
            raise CommandError(str(error)) from None
        source = options["source"] or path.resolve().name
        progress = Progress(self.stdout, "Reading the contracts", len(files))
        try:
            report = workflow.contracts_import(
                files, source=source, via=ContractImport.Via.COMMAND, by=by, progress=progress
            )
        except reader.NothingToRead as error:
            raise CommandError(str(error)) from None
        progress.done()
        self._print(report)
        if not report.committed:
            raise CommandError(report.summary)

    def _print(self, report: ContractReport) -> None:
        for document in report.documents:
            counts = ", ".join(f"{value} {name}" for name, value in document["counts"].items())
            self.stdout.write(f"    read  {document['path']} ({document['format']}, {document['title']}): {counts}")
            for note in document["notes"]:
                self.stdout.write(f"{'':>10}note: {note}")
        for refused in report.refused:
            self.stdout.write(self.style.ERROR(f" refused  {refused['path']}"))
            for reason in refused["reasons"]:
                self.stdout.write(f"{'':>10}{reason}")
        for name, team in report.services_created:
            self.stdout.write(f" service  {name} (new, in {team})")
        for name in report.flows_created:
            self.stdout.write(f"    flow  {name} (new)")
        for message, flow in report.flows_linked:
            self.stdout.write(f"    flow  {flow} (linked to {message})")
        for name in report.flows_changed:
            self.stdout.write(f"    flow  {name} (changed)")
        for name in report.unsent:
            self.stdout.write(f" no flow  {name}: no service sends it")
        for item in report.drifts:
            line = f"   drift  {item['decision']} on {item['flow']}: {item['title']} ({item['evidence']})"
            self.stdout.write(self.style.WARNING(line))
        style = self.style.SUCCESS if report.committed else self.style.ERROR
        self.stdout.write(style(f"{report.source}: {report.summary}"))
