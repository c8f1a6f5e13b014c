from django.db import migrations, models
from django.db.models import Exists, OuterRef


def count_consenting(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Facts written before the column: counted while the kept answers grant programme
    statistics (as reports.facts.recount)."""
    fact = apps.get_model("reports", "VisitFact")
    current = apps.get_model("reports", "CurrentConsent")
    says_yes = current.objects.filter(
        participant_id=OuterRef("participant_id"), programme_statistics="yes"
    )
    fact.objects.filter(Exists(says_yes)).update(counted=True)


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_latest_reading")]

    operations = [
        migrations.AddField(
            model_name="visitfact",
            name="counted",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(count_consenting, migrations.RunPython.noop),
    ]
