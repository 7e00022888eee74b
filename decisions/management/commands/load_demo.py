from django.core.management.base import BaseCommand, CommandError

from decisions import demo
from decisions.models import Decision, Team


class Command(BaseCommand):
    help = "Fill an empty database with a demo organisation and the demo sign-ins (architect, reviewer, manager)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing, successfully, when the database already holds data."
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if demo.is_loaded():
            self.stdout.write("Demo data is already loaded; nothing changed.")
            return
        if Decision.objects.exists() or Team.objects.exists():
            if if_empty:
                self.stdout.write("The database already holds data; the demo was not loaded.")
                return
            raise CommandError("The database already holds data. load_demo only fills an empty database.")
        self.stdout.write("Loading the demo organisation...")
        demo.load_demo(log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Sign in as architect, reviewer or manager; the password for each is “{demo.DEMO_PASSWORD}”."
        )
