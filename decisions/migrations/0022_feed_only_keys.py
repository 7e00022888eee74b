from django.db import migrations


class Migration(migrations.Migration):
    """A read-only key was only ever a feed key; it now opens the feeds and no API route."""

    dependencies = [("decisions", "0021_transition_imported_from")]

    operations = [migrations.RenameField("apitoken", "read_only", "feed_only")]
