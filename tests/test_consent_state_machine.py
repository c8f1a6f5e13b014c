"""Random interleavings of publish, grant, withdraw and access, checked against a model.

Invariants: an access is allowed exactly when the role's job includes it and, for a
consent purpose, the participant's current consent says yes at that moment; every
attempt leaves an audit entry; a withdrawn purpose never allows again until a new
consent is given.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from healthcamp.access.errors import AccessDenied, InvalidInput
from healthcamp.access.policy import needs_consent, permitted
from healthcamp.access.roles import STAFF_ROLES, Action, Purpose, Role
from healthcamp.access.staff import participant_actor, staff_add
from healthcamp.audit.selectors import entry_count
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.services import consent, participants, programmes
from healthcamp.services.portal import VISITOR
from tests.conftest import join_everyone

_run = itertools.count()
purpose_sets = st.sets(st.sampled_from(CONSENT_PURPOSES), min_size=1).map(sorted)


class ConsentMachine(RuleBasedStateMachine):
    people = Bundle("people")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        n = next(_run)
        self.staff = {
            role: staff_add(username=f"{role.value}-{n}", role=role.value, password="pw-123456-x")
            for role in STAFF_ROLES
        }
        coordinator = self.staff[Role.COORDINATOR].actor
        self.programme = programmes.programme_create(actor=coordinator, name=f"Camp {n}").id
        join_everyone(self.programme)
        self.version = 0
        self.document: consent.DocumentView | None = None
        self.model: dict[uuid.UUID, dict[str, str] | None] = {}
        self.consent_ids: dict[uuid.UUID, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize(target=people)
    def first_person(self) -> uuid.UUID:
        return self._register()

    def _register(self) -> uuid.UUID:
        record = participants.participant_register(
            actor=self.staff[Role.REGISTRAR].actor,
            programme_id=self.programme,
            given_name="Amani",
            family_name="Otieno " + "abcdefghij"[len(self.model) % 10],
            date_of_birth=date(1980, 1, 1),
            sex="female",
            preferred_language="sw",
        )
        self.model[record.id] = None
        return record.id

    @rule(target=people)
    def register(self) -> uuid.UUID:
        return self._register()

    @rule(purposes=purpose_sets)
    def publish(self, purposes: list[Purpose]) -> None:
        coordinator = self.staff[Role.COORDINATOR].actor
        self.version += 1
        draft = consent.document_create(
            actor=coordinator,
            programme_id=self.programme,
            language="en",
            version=self.version,
            title="Health check",
            body="What we do and why.",
            purposes=[{"code": p.value, "description": f"{p.value}: data"} for p in purposes],
        )
        self.document = consent.document_publish(
            actor=coordinator, programme_id=self.programme, document_id=draft.id
        )

    @precondition(lambda self: self.document is not None)
    @rule(person=people, answers=st.lists(st.booleans(), min_size=6, max_size=6))
    def grant(self, person: uuid.UUID, answers: list[bool]) -> None:
        assert self.document is not None
        decisions = {
            p.code: answer for p, answer in zip(self.document.purposes, answers, strict=False)
        }
        view = consent.consent_record(
            actor=self.staff[Role.REGISTRAR].actor,
            participant_id=person,
            document_id=self.document.id,
            decisions=decisions,
            method="on_screen",
        )
        self.consent_ids[person] = view.id
        self.model[person] = {p: "granted" if yes else "refused" for p, yes in decisions.items()}

    @rule(person=people, data=st.data(), everything=st.booleans())
    def withdraw(self, person: uuid.UUID, data: Any, everything: bool) -> None:
        state = self.model[person]
        granted = sorted(p for p, s in (state or {}).items() if s == "granted")
        if state is None or not granted:
            return
        chosen = None if everything else data.draw(st.sets(st.sampled_from(granted), min_size=1))
        actor = self.staff[data.draw(st.sampled_from([Role.REGISTRAR, Role.CLINICIAN, Role.LAB]))]
        consent.consent_withdraw(
            actor=actor.actor,
            participant_id=person,
            consent_id=self.consent_ids[person],
            purposes=None if chosen is None else sorted(chosen),
            erase=False,
        )
        for purpose in chosen or granted:
            state[purpose] = "withdrawn"

    @rule(person=people, role=st.sampled_from(Role), purpose=st.sampled_from(Purpose))
    def access(self, person: uuid.UUID, role: Role, purpose: Purpose) -> None:
        before = entry_count()
        state = self.model[person] or {}
        expected = permitted(role=role, action=Action.READ, purpose=purpose).allowed and (
            not needs_consent(purpose) or state.get(purpose.value) == "granted"
        )
        # A participant acts on their own record (the portal); staff on anyone's.
        actor = (
            participant_actor(person)
            if role is Role.PARTICIPANT
            else VISITOR
            if role is Role.VISITOR
            else self.staff[role].actor
        )
        try:
            participants.participant_read(actor=actor, purpose=purpose, participant_id=person)
            allowed = True
        except AccessDenied:
            allowed = False
        assert allowed == expected, (role, purpose, state)
        assert entry_count() == before + 1  # allowed and denied attempts alike

    @rule(person=people)
    def withdrawing_nothing_is_refused(self, person: uuid.UUID) -> None:
        if person not in self.consent_ids:
            return
        with pytest.raises(InvalidInput):
            consent.consent_withdraw(
                actor=self.staff[Role.REGISTRAR].actor,
                participant_id=person,
                consent_id=self.consent_ids[person],
                purposes=[],
                erase=False,
            )

    @invariant()
    def statuses_match_the_model(self) -> None:
        for person, state in self.model.items():
            statuses = dict.fromkeys(CONSENT_PURPOSES, "not_asked")
            views = consent.consents_of(
                actor=self.staff[Role.REGISTRAR].actor, participant_id=person
            )
            if views:
                statuses = {p: views[0].status(p.value).value for p in CONSENT_PURPOSES}
            expected = {p: (state or {}).get(p.value, "not_asked") for p in CONSENT_PURPOSES}
            assert statuses == expected


@pytest.mark.django_db
def test_consent_state_machine() -> None:
    run_state_machine_as_test(
        ConsentMachine, settings=settings(max_examples=15, stateful_step_count=25, deadline=None)
    )


@pytest.mark.slow
@pytest.mark.django_db
def test_consent_state_machine_long() -> None:
    run_state_machine_as_test(
        ConsentMachine, settings=settings(max_examples=300, stateful_step_count=50, deadline=None)
    )
