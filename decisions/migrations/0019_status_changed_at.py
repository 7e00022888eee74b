"""When each decision took its current status, from its transitions where they say so."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Decision = apps.get_model("decisions", "Decision")
    Transition = apps.get_model("decisions", "Transition")
    latest = Transition.objects.filter(decision=OuterRef("pk"), to_status=OuterRef("status")).order_by("-at")
    Decision.objects.update(status_changed_at=Coalesce(Subquery(latest.values("at")[:1]), F("created_at")))


class Migration(migrations.Migration):
    dependencies = [("decisions", "0018_style_tally")]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="status_changed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["status", "status_changed_at"], name="decision_status_since"),
        ),
    ]
