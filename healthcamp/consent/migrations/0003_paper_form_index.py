"""A keyed blind index of an imported paper form's reference (programme + reference), so
that importing the same registration form twice registers nobody new."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_sealed_paper_reference_and_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="form_index",
            field=models.BinaryField(blank=True, default=None, max_length=16, null=True),
        ),
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.UniqueConstraint(
                fields=("form_index",), name="one_consent_per_paper_form"
            ),
        ),
    ]
