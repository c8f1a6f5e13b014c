"""Text limits checked on every database, and preferred languages from the closed list.

SQLite ignores max_length, so values longer than the column were stored there; they
are cut to the limit first (names keep a "~id" suffix so they stay unique). A preferred
language that is not language[-Script][-REGION] of a language healthcamp offers (such
as "ug-x-anything") becomes its base language when offered, else "en".
"""

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


def _at_most(field, limit, name):
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


def cut_to_limits(apps, schema_editor):
    for model, field, limit in (("Programme", "name", 200), ("Site", "name", 200)):
        rows = apps.get_model("registry", model).objects
        over = rows.annotate(n=Length(field)).filter(n__gt=limit).values_list("pk", field)
        for pk, value in list(over):
            suffix = f"~{pk}"
            rows.filter(pk=pk).update(**{field: value[: limit - len(suffix)] + suffix})


def closed_languages(apps, schema_editor):
    from healthcamp.registry.validation import LANGUAGES, clean_language

    participants = apps.get_model("registry", "Participant").objects
    for pk, tag in list(participants.values_list("pk", "preferred_language")):
        try:
            wanted = clean_language(tag)
        except ValueError:
            base = tag.strip().replace("_", "-").partition("-")[0].lower()
            wanted = base if base in LANGUAGES else "en"
        if wanted != tag:
            participants.filter(pk=pk).update(preferred_language=wanted)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_portal"),
    ]

    operations = [
        migrations.RunPython(cut_to_limits, migrations.RunPython.noop),
        migrations.RunPython(closed_languages, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="participant",
            constraint=_at_most("preferred_language", 35, "participant_language_length"),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=_at_most("sex", 10, "participant_sex_length"),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=_at_most("card_code", 11, "participant_card_code_length"),
        ),
        migrations.AddConstraint(
            model_name="programme",
            constraint=_at_most("name", 200, "programme_name_length"),
        ),
        migrations.AddConstraint(
            model_name="site",
            constraint=_at_most("name", 200, "site_name_length"),
        ),
    ]
