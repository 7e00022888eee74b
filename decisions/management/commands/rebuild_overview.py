from django.core.management.base import BaseCommand

from decisions.overview import tally_rebuild


class Command(BaseCommand):
    help = "Count the overview's tallies again from the decisions, after data was changed outside the app."

    def handle(self, *args, **options) -> None:
        tally_rebuild()
        self.stdout.write(self.style.SUCCESS("Counted the overview's tallies again."))
