"""Results for the clinical rules engine: a meter's HI/LO, a reason a value is absent,
"soon" referrals, and measure codes that match what the stations measure.

Codes move to what is stored (LOINC's property, specimen and method):
- fasting 1558-6 and random 2339-0 (mass, serum/plasma) -> 14743-9, glucose in mmol/L
  in capillary blood by glucometer; a visit that used the fasting box gets a fasting-hours
  row marked "unconfirmed" (it was never asked), so its glucose is read on both sets of
  cut-offs;
- 2093-3 (mass, serum/plasma, held in mmol/L) -> 35200-5, cholesterol in blood, mg/dL;
- 8280-0 (waist at the umbilicus) -> 56115-9 (midway between rib and iliac crest, the
  WHO protocol the stations follow);
- referrals for a systolic or diastolic value name the blood pressure panel 85354-9.
"""

from __future__ import annotations

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


def at_most(field, limit, name):  # type: ignore[no-untyped-def]
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


MG_PER_MMOL_CHOLESTEROL = 38.67


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Observation = apps.get_model("exams", "Observation")
    Referral = apps.get_model("exams", "Referral")
    # The fasting box was never confirmed: such a visit gets a fasting-hours row saying so,
    # and its glucose is read on both the fasting and the random cut-offs (a disagreement
    # reads "needs a fasting glucose or HbA1c test", never "healthy").
    for o in Observation.objects.filter(code="1558-6").order_by("recorded_at"):
        if not Observation.objects.filter(encounter_id=o.encounter_id, code="87527-8").exists():
            Observation.objects.create(
                encounter_id=o.encounter_id,
                code="87527-8",
                purpose=o.purpose,
                value=None,
                unit="h",
                original_value="",
                classification="recorded",
                absent_reason="unconfirmed",
                recorded_by_id=o.recorded_by_id,
                recorded_at=o.recorded_at,
            )
    Observation.objects.filter(code__in=("1558-6", "2339-0")).update(code="14743-9")
    Observation.objects.filter(code="8280-0").update(code="56115-9")
    for o in Observation.objects.filter(code="2093-3"):
        o.code = "35200-5"
        if o.value is not None:
            o.value = round(o.value * MG_PER_MMOL_CHOLESTEROL, 1)
        o.unit = "mg/dL"
        o.save(update_fields=["code", "value", "unit"])
    for old, new in (
        ("1558-6", "14743-9"),
        ("2339-0", "14743-9"),
        ("8280-0", "56115-9"),
        ("2093-3", "35200-5"),
        ("8480-6", "85354-9"),
        ("8462-4", "85354-9"),
    ):
        Referral.objects.filter(measure_code=old).update(measure_code=new)


class Migration(migrations.Migration):
    dependencies = [("exams", "0004_text_limits")]

    operations = [
        migrations.AddField(
            model_name="observation",
            name="comparator",
            field=models.CharField(blank=True, default="", max_length=1),
        ),
        migrations.AddField(
            model_name="observation",
            name="absent_reason",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AlterField(
            model_name="referral",
            name="urgency",
            field=models.CharField(
                choices=[
                    ("urgent", "Urgent (today)"),
                    ("soon", "Soon (within a week)"),
                    ("routine", "Routine (within weeks)"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=models.CheckConstraint(
                condition=models.Q(comparator__in=["", ">", "<"]),
                name="observation_comparator_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=at_most("absent_reason", 16, "observation_absent_reason_length"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
