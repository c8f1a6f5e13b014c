"""The paper form reference is sealed with the participant's data key; text limits checked.

Each existing reference is sealed with its participant's data key (opened with the
vault keys, as the access layer does) before the clear-text column is dropped, so it
is erased with the person. SQLite ignored max_length: over-long document texts are cut
to the limit (a published document's pinned SHA-256 then shows the change).
"""

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


def _at_most(field, limit, name):
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


def seal_paper_references(apps, schema_editor):
    consents = apps.get_model("consent", "Consent").objects
    pending = list(consents.exclude(paper_reference="").select_related("participant"))
    if not pending:
        return
    from healthcamp.vault import crypto
    from healthcamp.vault.keys import VaultKeyError, load_keyring

    ring = load_keyring(create=False)
    for consent in pending:
        person = consent.participant
        kek = ring.kek_for(person.kek_id)
        if kek is None:
            raise VaultKeyError(
                f"Participant {person.id.hex} is sealed with vault key {person.kek_id}, which "
                "is not loaded: put the right vault key in place and migrate again."
            )
        data_key = kek.unwrap(bytes(person.wrapped_key), participant=person.id.hex)
        sealed = crypto.seal(
            data_key,
            participant=person.id.hex,
            field="paper_reference",
            value=consent.paper_reference.strip(),
        )
        consents.filter(pk=consent.pk).update(paper_reference_sealed=sealed)


def cut_to_limits(apps, schema_editor):
    for model, field, limit in (
        ("ConsentDocument", "title", 200),
        ("ConsentDocument", "body", 20_000),
        ("DocumentPurpose", "description", 2_000),
    ):
        rows = apps.get_model("consent", model).objects
        over = rows.annotate(n=Length(field)).filter(n__gt=limit).values_list("pk", field)
        for pk, value in list(over):
            rows.filter(pk=pk).update(**{field: value[:limit]})
    # Versions beyond a 32-bit integer (PostgreSQL's limit) could be stored on SQLite only.
    documents = apps.get_model("consent", "ConsentDocument").objects
    documents.filter(version__gt=2**31 - 1).update(version=2**31 - 1)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_initial"),
        ("registry", "0004_text_limits_and_languages"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="paper_reference_sealed",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.RunPython(seal_paper_references, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="consent",
            name="paper_reference",
        ),
        migrations.RunPython(cut_to_limits, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="consent",
            constraint=_at_most("method", 20, "consent_method_length"),
        ),
        migrations.AddConstraint(
            model_name="consentdocument",
            constraint=models.CheckConstraint(
                condition=models.Q(("version__gte", 1), ("version__lte", 2147483647)),
                name="document_version_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="consentdocument",
            constraint=_at_most("language", 35, "document_language_length"),
        ),
        migrations.AddConstraint(
            model_name="consentdocument",
            constraint=_at_most("title", 200, "document_title_length"),
        ),
        migrations.AddConstraint(
            model_name="consentdocument",
            constraint=_at_most("body", 20000, "document_body_length"),
        ),
        migrations.AddConstraint(
            model_name="documentpurpose",
            constraint=_at_most("description", 2000, "purpose_description_length"),
        ),
    ]
