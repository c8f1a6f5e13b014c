"""Text limits checked on every database (SQLite ignores max_length).

Values stored longer than their column on SQLite are cut to the limit first; clinic
names keep a "~id" suffix so they stay unique.
"""

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

LIMITS = {
    "Observation": {
        "code": 16,
        "purpose": 32,
        "code_value": 16,
        "unit": 16,
        "original_value": 32,
        "original_unit": 16,
        "classification": 40,
    },
    "Clinic": {"name": 200},
    "Referral": {"measure_code": 16, "classification": 40},
}


def _at_most(field, limit, name):
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


def cut_to_limits(apps, schema_editor):
    for model, limits in LIMITS.items():
        rows = apps.get_model("exams", model).objects
        for field, limit in limits.items():
            over = rows.annotate(n=Length(field)).filter(n__gt=limit).values_list("pk", field)
            for pk, value in list(over):
                suffix = f"~{pk}" if field == "name" else ""
                rows.filter(pk=pk).update(**{field: value[: limit - len(suffix)] + suffix})


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0003_portal"),
    ]

    operations = [
        migrations.RunPython(cut_to_limits, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="clinic",
            constraint=_at_most("name", 200, "clinic_name_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("code", 16, "observation_code_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("purpose", 32, "observation_purpose_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("code_value", 16, "observation_code_value_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("unit", 16, "observation_unit_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("original_value", 32, "observation_original_value_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("original_unit", 16, "observation_original_unit_length"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=_at_most("classification", 40, "observation_classification_length"),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=_at_most("measure_code", 16, "referral_measure_code_length"),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=_at_most("classification", 40, "referral_classification_length"),
        ),
    ]
