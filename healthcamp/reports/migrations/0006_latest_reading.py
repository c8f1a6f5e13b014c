from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def mark_latest_readings(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Facts written before the column: each person's latest visit with a blood pressure
    reading (by day, then start, then pk: the order facts.mark uses)."""
    fact = apps.get_model("reports", "VisitFact")
    latest = (
        fact.objects.filter(participant_id=OuterRef("participant_id"))
        .exclude(bp_class="")
        .order_by("-visit_date", "-encounter__started_at", "-pk")
        .values("encounter_id")[:1]
    )
    fact.objects.exclude(bp_class="").filter(encounter_id=Subquery(latest)).update(
        latest_reading=True
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_published_k_backfill")]

    operations = [
        migrations.AddField(
            model_name="visitfact",
            name="latest_reading",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_latest_readings, migrations.RunPython.noop),
    ]
