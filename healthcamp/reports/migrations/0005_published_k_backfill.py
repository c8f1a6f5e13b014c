from django.db import migrations
from django.db.models import F


def published_as_k(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Policies from before published_k: treat k as already published (the safe side), so
    k cannot be lowered below what earlier reports may have used."""
    policy = apps.get_model("reports", "ReportPolicy")
    policy.objects.filter(published_k__lt=F("k")).update(published_k=F("k"))


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_latest_visit")]

    operations = [migrations.RunPython(published_as_k, migrations.RunPython.noop)]
