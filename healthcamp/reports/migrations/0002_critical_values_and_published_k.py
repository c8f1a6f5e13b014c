from django.db import migrations, models
from django.db.models import Exists, OuterRef


def critical_from_observations(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Visits recorded before the column: critical when a value was stored as critical.

    Live code (facts.facts_of) sets critical from the visit's whole decision, level
    "urgent"; re-deciding every old visit here would run today's rules in a migration.
    Observation.critical is that decision's finding for the value's measure when it was
    recorded, so the two agree except: a critical value later re-measured as not urgent
    in the same visit (live: not critical; here: critical), and an urgent context measure,
    which does not set the decision's level (here: critical). Both only over-count old
    visits, which the next change to the visit rewrites from its decision."""
    fact = apps.get_model("reports", "VisitFact")
    observation = apps.get_model("exams", "Observation")
    alarmed = observation.objects.filter(encounter_id=OuterRef("encounter_id"), critical=True)
    fact.objects.filter(Exists(alarmed)).update(critical=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("exams", "0006_referrals_follow_the_visit"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportpolicy",
            name="published_k",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="visitfact",
            name="critical",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(critical_from_observations, migrations.RunPython.noop),
    ]
