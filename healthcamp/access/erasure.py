"""Erasing what was collected for a purpose, when a participant withdraws and asks for it.

Each kind of data collected for a purpose registers one eraser here; withdrawal with
erase runs them inside the withdrawal's transaction. The registry holds no personal
data of its own; today no purpose-specific records exist yet (identity and consent
are kept for registration), so erasure finds nothing to delete until exam stations
register their observations' eraser.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from healthcamp.purposes import Purpose

Eraser = Callable[[uuid.UUID], int]
_ERASERS: dict[Purpose, list[Eraser]] = {}


def register(purpose: Purpose, eraser: Eraser) -> None:
    _ERASERS.setdefault(purpose, []).append(eraser)


def erase(*, participant_id: uuid.UUID, purpose: Purpose) -> int:
    """Delete the participant's records kept for this purpose; return how many went."""
    return sum(eraser(participant_id) for eraser in _ERASERS.get(purpose, ()))
