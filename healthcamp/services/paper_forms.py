"""The keyed index of a signed paper consent form, shared by the desk and the import.

Why a keyed index, and not the consent's sealed paper reference: that reference is
sealed with each participant's own data key, so finding a reference among those already
given would mean unwrapping every participant's key of the programme. A keyed HMAC, made
with the vault's index key as Participant.name_index is, is found with one indexed query
and reveals nothing without the key (a form reference points at a paper with the
person's name on it). It is stored on the consent the form gave (Consent.form_index);
when the person is erased it alone is kept (ErasedForm), so that importing an old file
again cannot register them again.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence

from django.utils.translation import gettext

from healthcamp.consent.models import Consent, ErasedForm
from healthcamp.services import identity
from healthcamp.vault import crypto


def form_index(*, programme_id: int, reference: str) -> bytes:
    """Programme + reference (case ignored), keyed."""
    message = "\x1f".join(("paper_form", str(programme_id), reference.casefold()))
    digest = hmac.new(identity.keyring().index_key, message.encode("utf-8"), hashlib.sha256)
    return digest.digest()[: crypto.INDEX_BYTES]


def index_for_consent(
    *, programme_id: int, participant_id: uuid.UUID, reference: str
) -> tuple[bytes | None, dict[str, str]]:
    """The index a new consent naming this form should hold, or a field error.

    None when there is no reference, or when this person's earlier consent already holds
    the form (a renewal on the same paper: the index stays with the first). A form that
    another person's consent holds is refused: one paper form is one person's consent.
    Called inside the consent's transaction, with the person held.
    """
    if not reference:
        return None, {}
    index = form_index(programme_id=programme_id, reference=reference)
    holder = Consent.objects.filter(form_index=index).values_list("participant_id", flat=True)
    owner = holder.first()
    if owner == participant_id:
        return None, {}
    if owner is not None:
        return None, {"paper_reference": _held_elsewhere(reference)}
    # The person of an erased form registers again on it: the form is theirs once more,
    # and an old file holding it now finds them instead of refusing the row.
    ErasedForm.objects.filter(form_index=index).delete()
    return index, {}


def indexes_for_new_people(
    *, programme_id: int, references: Sequence[str]
) -> tuple[list[bytes | None], dict[int, str]]:
    """index_for_consent for many people registered together (none of them holds a form
    yet): each reference's index (None where there is none), and an error by position for
    a form another consent holds or that two of them name. One query for the lot."""
    indexes = [
        form_index(programme_id=programme_id, reference=r) if r else None for r in references
    ]
    named = [i for i in indexes if i is not None]
    held = {
        bytes(i)
        for i in Consent.objects.filter(form_index__in=named).values_list("form_index", flat=True)
        if i is not None
    }
    errors: dict[int, str] = {}
    first: dict[bytes, int] = {}
    for position, (index, reference) in enumerate(zip(indexes, references, strict=True)):
        if index is None:
            continue
        if index in held or first.setdefault(index, position) != position:
            errors[position] = _held_elsewhere(reference)
    if not errors and named:
        ErasedForm.objects.filter(form_index__in=named).delete()  # theirs once more
    return indexes, errors


def _held_elsewhere(reference: str) -> str:
    return gettext(
        "Another participant's consent already names the paper form %(reference)s. "
        "Check the reference written on the form."
    ) % {"reference": reference}
