"""Consent pages: show the document, record each yes or no, withdraw, coordinate."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.roles import Purpose
from healthcamp.access.staff import Actor, staff_directory
from healthcamp.consent import records
from healthcamp.lib import code_words, languages
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.reports import services as reports
from healthcamp.services import consent, erasure, participants, programmes
from healthcamp.web.forms import Radios, show_errors
from healthcamp.web.views import has_document_in, staff_view

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# "Yes" and "No" in the document's language, shown beside the staff member's. Languages
# with a catalogue say it from there (pgettext "consent answer"); these are documents in
# languages healthcamp's pages do not speak yet.
YES_NO_WORDS = {
    "ar": ("نعم", "لا"),
    "ug": ("ھەئە", "ياق"),
    "es": ("Sí", "No"),
    "fr": ("Oui", "Non"),
    "sw": ("Ndiyo", "Hapana"),
    "pt": ("Sim", "Não"),
    "ru": ("Да", "Нет"),
    "tr": ("Evet", "Hayır"),
    "fa": ("بله", "نه"),
    "ur": ("ہاں", "نہیں"),
    "hi": ("हाँ", "नहीं"),
    "zh": ("是", "否"),
}


def _yes_no(language: str) -> list[tuple[str, str]]:
    staff = translation.get_language() or "en"
    yes, no = pgettext("consent answer", "Yes"), pgettext("consent answer", "No")
    if languages.is_shipped(language):
        with translation.override(languages.supported(language)):
            words = (pgettext("consent answer", "Yes"), pgettext("consent answer", "No"))
    else:
        words = YES_NO_WORDS.get(language.partition("-")[0], (yes, no))
    if words == (yes, no):
        return [("yes", yes), ("no", no)]
    # The staff member's word is marked with its language, so a screen reader reading the
    # person's language switches voice for it (WCAG 2.2 SC 3.1.2, language of parts).
    beside = '{} · <span lang="{}" dir="{}">{}</span>'
    direction = "rtl" if languages.is_rtl(staff) else "ltr"
    return [
        ("yes", format_html(beside, words[0], staff, direction, yes)),
        ("no", format_html(beside, words[1], staff, direction, no)),
    ]


METHODS = [
    ("on_screen", _("The participant confirmed on this screen")),
    ("witnessed_verbal", _("Spoken agreement, witnessed by a second staff member")),
    ("witnessed_mark", _("Mark or thumbprint on the paper form, witnessed")),
    ("paper", _("Signed paper form")),
]


class ConsentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How the participant confirmed"),
        choices=METHODS,
        widget=Radios,
        initial="on_screen",
    )
    witness_id = forms.TypedChoiceField(
        label=_("Witness"), coerce=int, required=False, empty_value=None
    )
    paper_reference = forms.CharField(
        label=_("Paper form reference"), required=False, max_length=64
    )

    def __init__(
        self,
        *args: Any,
        document: records.DocumentView,
        minor: bool,
        assent_asked: bool,
        witnesses: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.purpose_fields = []
        for purpose in document.purposes:
            name = f"purpose_{purpose.code}"
            self.fields[name] = forms.ChoiceField(
                label=purpose.description,
                choices=_yes_no(document.language),
                widget=Radios,
                error_messages={"required": _("Choose yes or no.")},
            )
            self.purpose_fields.append(name)
        witness = self.fields["witness_id"]
        assert isinstance(witness, forms.TypedChoiceField)  # noqa: S101
        witness.choices = [("", "—"), *witnesses]
        if minor:
            self.fields["guardian_name"] = forms.CharField(
                label=_("Guardian's name"), max_length=200
            )
            self.fields["guardian_relationship"] = forms.ChoiceField(
                label=_("Guardian is the participant's"),
                choices=list(code_words.GUARDIANS.items()),
            )
        if assent_asked:
            self.fields["assent"] = forms.ChoiceField(
                label=_("Does the young person agree themselves?"),
                choices=YES_NO,
                widget=Radios,
                error_messages={"required": _("Choose yes or no.")},
            )


def _witnesses(actor: Actor) -> list[tuple[int, str]]:
    return [
        (s.staff_id, f"{s.username} ({code_words.said(code_words.ROLES, s.role.value)})")
        for s in staff_directory()
        if s.staff_id is not None and s.staff_id != actor.staff_id
    ]


@require_http_methods(["GET", "POST"])
@staff_view
def record(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    person = participants.participant_read(
        actor=actor, purpose=Purpose.REGISTRATION, participant_id=participant_id
    )
    language = request.GET.get("lang") or person.preferred_language
    document = consent.document_for(programme_id=person.programme_id, language=language)
    if document is None:
        return render(
            request,
            "web/problem.html",
            {
                "message": gettext(
                    "This programme has no published consent document yet. "
                    "A coordinator publishes one first; nothing can be collected until then."
                )
            },
            status=409,
        )
    need = consent.minor_requirement_for(
        programme_id=person.programme_id, born=person.date_of_birth
    )
    published = consent.languages_of(programme_id=person.programme_id)
    # No document in the person's language: read one aloud with an interpreter (the page
    # says how), and the spoken agreement is witnessed.
    no_document_in = (
        "" if has_document_in(published, person.preferred_language) else (person.preferred_language)
    )
    form = ConsentForm(
        request.POST or None,
        document=document,
        minor=need.guardian,
        assent_asked=need.assent,
        witnesses=_witnesses(actor),
        initial={"method": "witnessed_verbal"} if no_document_in else None,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                consent.consent_record(
                    actor=actor,
                    participant_id=participant_id,
                    document_id=document.id,
                    decisions={
                        name.removeprefix("purpose_"): data[name] == "yes"
                        for name in form.purpose_fields
                    },
                    method=data["method"],
                    witness_id=data.get("witness_id"),
                    paper_reference=data.get("paper_reference", ""),
                    guardian=consent.Guardian(data["guardian_name"], data["guardian_relationship"])
                    if need.guardian
                    else None,
                    assent=(data["assent"] == "yes") if need.assent else None,
                )
            except InvalidInput as error:
                show_errors(form, error)
            else:
                messages.success(
                    request, gettext("Consent recorded: the answers are on the record below.")
                )
                return redirect("web:participant", participant_id=participant_id)
    return render(
        request,
        "web/consent.html",
        {
            "actor": actor,
            "p": person,
            "document": document,
            "form": form,
            "languages": published,
            "no_document_in": no_document_in,
            "purpose_fields": [form[name] for name in form.purpose_fields],
            "need": need,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_view
def withdraw(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    views = consent.consents_of(actor=actor, participant_id=participant_id)
    current = views[0] if views else None
    granted = (
        [d.purpose for d in current.decisions if current.status(d.purpose).value == "granted"]
        if current
        else []
    )
    errors: list[str] = []
    chosen: list[str] = []
    erase = False  # keeping what was collected is the default; erasing is chosen
    if request.method == "POST" and current is not None:
        chosen = request.POST.getlist("purposes")
        erase = request.POST.get("erase") == "yes"
        if request.POST.get("erase") not in ("yes", "no"):
            errors.append(gettext("Choose whether what was already collected is kept or erased."))
        elif not chosen:
            errors.append(gettext("Tick at least one purpose to withdraw."))
        else:
            try:
                consent.consent_withdraw(
                    actor=actor,
                    participant_id=participant_id,
                    consent_id=current.id,
                    purposes=None if "all" in chosen else chosen,
                    erase=erase,
                )
            except InvalidInput as error:
                errors.extend(error.errors.values())  # the words, not the field's name
            except Conflict as error:
                errors.append(str(error))
            else:
                messages.success(
                    request,
                    gettext("Consent withdrawn. Staff are refused these purposes from now on.")
                    if not erase
                    else gettext(
                        "Consent withdrawn, and what was collected for it erased. Staff are "
                        "refused these purposes from now on."
                    ),
                )
                return redirect("web:participant", participant_id=participant_id)
    return render(
        request,
        "web/withdraw.html",
        {
            "actor": actor,
            "participant_id": participant_id,
            "consent": current,
            "granted": granted,
            "errors": errors,
            # After an error the form shows what was chosen, not a blank form again.
            "chosen": chosen,
            "erase": erase,
        },
        status=422 if errors else 200,
    )


class DocumentForm(forms.Form):
    language = forms.CharField(label=_("Language (BCP 47 code, e.g. en, ar, ug)"), max_length=35)
    version = forms.IntegerField(label=_("Version"), min_value=1)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("What will be done, and why"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for purpose in CONSENT_PURPOSES:
            self.fields[f"describe_{purpose.value}"] = forms.CharField(
                # Made per request, so in the member's language.
                label=gettext(
                    "%(purpose)s: what is collected and why (leave empty if the programme "
                    "does not ask for it)"
                )
                % {"purpose": code_words.PURPOSES[purpose.value]},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


def _consent_summary(actor: Actor, programme_id: int) -> dict[str, Any]:
    """Each purpose's yes / no / withdrawn as the report publishes them: suppressed below
    k, counting only people who agree to statistics (the full tables are on the report)."""
    tables = reports.consent_summary(actor=actor, programme_id=programme_id)
    rows = []
    for table in tables:
        by_answer = {c.group.get("answer"): c for c in table.cells}
        rows.append(
            {
                "purpose": table.indicator.code.removeprefix("consent_"),
                "cells": [by_answer.get(a) for a in ("yes", "no", "withdrawn")],
            }
        )
    first = tables[0]
    return {"rows": rows, "k": first.k, "counted": first.counted}


@require_http_methods(["GET", "POST"])
@staff_view
def programme(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    """A coordinator's page: consent documents, publishing, and how people chose."""
    info = next((p for p in programmes.programmes(actor=actor) if p.id == programme_id), None)
    if info is None:
        raise NotFound(gettext("There is no programme %(id)s.") % {"id": programme_id})
    consent.documents_to_edit(actor=actor, programme_id=programme_id)  # coordinators only
    form = DocumentForm(request.POST if request.POST.get("action") == "create" else None)
    problems: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                consent.document_publish(
                    actor=actor,
                    programme_id=programme_id,
                    document_id=int(request.POST.get("document_id", "0")),
                )
                return redirect("web:programme", programme_id=programme_id)
            if form.is_valid():
                data = form.cleaned_data
                consent.document_create(
                    actor=actor,
                    programme_id=programme_id,
                    language=data["language"],
                    version=data["version"],
                    title=data["title"],
                    body=data["body"],
                    purposes=[
                        {"code": p.value, "description": data[f"describe_{p.value}"]}
                        for p in CONSENT_PURPOSES
                        if data[f"describe_{p.value}"].strip()
                    ],
                )
                return redirect("web:programme", programme_id=programme_id)
        except InvalidInput as error:
            problems.extend(error.errors.values())  # the words, not the field's name
        except (Conflict, ValueError) as error:
            problems.append(str(error))
    return render(
        request,
        "web/programme.html",
        {
            "actor": actor,
            "programme": info,
            "form": form,
            "problems": problems,
            "documents": consent.documents_to_edit(actor=actor, programme_id=programme_id),
            "consents": _consent_summary(actor, programme_id),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["POST"])
@staff_view
def erase(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    """A coordinator carries out the participant's request to be erased."""
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "web/problem.html",
            {
                "message": gettext(
                    "Tick the box confirming the participant asked to be erased; "
                    "nothing was erased."
                )
            },
            status=422,
        )
    done = erasure.participant_erase(actor=actor, participant_id=participant_id)
    return render(request, "web/erased.html", {"actor": actor, "erased": done})


@require_http_methods(["GET"])
@staff_view
def letter(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    """The results letter: HTML to look at, or a PDF (A4 or US Letter) to print or send."""
    from healthcamp.results import letter_page
    from healthcamp.services import exams

    visit = request.GET.get("visit")
    try:
        visit_id = uuid.UUID(visit) if visit else None
    except ValueError:
        raise InvalidInput({"visit": gettext("That is not a visit id.")}) from None
    data = exams.letter_data(actor=actor, participant_id=participant_id, visit_id=visit_id)
    fmt = "pdf" if request.GET.get("format") == "pdf" else "html"
    paper = "letter" if request.GET.get("paper") == "letter" else "a4"
    done = letter_page.render(
        data, fmt=fmt, paper=paper, portal_url=request.build_absolute_uri(reverse("web:portal"))
    )
    response = HttpResponse(done.body, content_type=done.content_type)
    if fmt == "pdf":
        response["Content-Disposition"] = f'inline; filename="{done.filename}"'
    return response
