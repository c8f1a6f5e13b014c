"""Staff and tokens made before programmes had members and tokens expired.

Before 0003 every staff member could act on every programme: each keeps that reach as
memberships (a coordinator then narrows it), so an upgrade locks no one out. Tokens
made before 0003 had no expiry: they get the default lifetime from now.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    staff = apps.get_model("access", "StaffMember")
    membership = apps.get_model("access", "ProgrammeMembership")
    programme = apps.get_model("registry", "Programme")
    token = apps.get_model("access", "ApiToken")
    programme_ids = list(programme.objects.values_list("pk", flat=True))
    for staff_id in staff.objects.values_list("pk", flat=True):
        for programme_id in programme_ids:
            membership.objects.get_or_create(staff_id=staff_id, programme_id=programme_id)
    days = getattr(settings, "API_TOKEN_DAYS", 90)
    if days:
        token.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(
            expires_at=timezone.now() + timedelta(days=days)
        )


class Migration(migrations.Migration):
    dependencies = [("access", "0003_programme_members_tokens_identity_reads")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
