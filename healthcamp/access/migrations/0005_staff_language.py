"""Each staff member's pages in their own language (empty: the browser's)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("access", "0004_upgrade_existing_staff")]

    operations = [
        migrations.AddField(
            model_name="staffmember",
            name="language",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
    ]
