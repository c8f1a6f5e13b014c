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
        return None, {
            "paper_reference": gettext(
                "Another participant's consent already names the paper form %(reference)s. "
                "Check the reference written on the form."
            )
            % {"reference": reference}
        }
    # The person of an erased form registers again on it: the form is theirs once more,
    # and an old file holding it now finds them instead of refusing the row.
    ErasedForm.objects.filter(form_index=index).delete()
    return index, {}
