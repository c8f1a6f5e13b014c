"""Forms for the staff pages; the access layer does the real checking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from healthcamp.access.errors import InvalidInput
from healthcamp.lib import code_words, languages
from healthcamp.registry import validation


def served_languages() -> list[tuple[str, str]]:
    """The languages offered at registration: those whose letters, portal and card exist
    (the API accepts more, validation.LANGUAGES). Each in its own words, and in the
    registrar's when they differ."""
    reader = translation.get_language() or "en"
    choices = []
    for code in languages.shipped():
        own, here = languages.own_name(code), languages.name(code, reader=reader)
        choices.append((code, own if own == here else f"{own} — {here}"))
    return choices


class DateInput(forms.DateInput):
    input_type = "date"


class Radios(forms.RadioSelect):
    """Radio buttons that each name their group's error (id `<field id>_error`, as
    _field.html and consent.html render it): focus lands on a button, and Django ties an
    error to a group's fieldset only, which a button's description does not include."""

    def create_option(
        self,
        name: str,
        value: Any,
        label: Any,
        selected: bool,
        index: int,
        subindex: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(
            name, value, label, selected, index, subindex=subindex, attrs=attrs
        )
        if attrs and attrs.get("aria-invalid") and attrs.get("id"):
            option["attrs"]["aria-describedby"] = f"{attrs['id']}_error"
        return option


class RegisterForm(forms.Form):
    programme_id = forms.TypedChoiceField(label=_("Programme"), coerce=int)
    given_name = forms.CharField(label=_("Given name"), max_length=validation.NAME_MAX)
    family_name = forms.CharField(label=_("Family name"), max_length=validation.NAME_MAX)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    sex = forms.ChoiceField(label=_("Sex"), choices=list(code_words.SEX.items()), widget=Radios)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=served_languages)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=validation.PHONE_MAX,
        help_text=_("Only if the participant wants to be contacted about results."),
    )

    def __init__(self, *args: object, programmes: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["programme_id"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = programmes
        if len(programmes) == 1:
            field.initial = programmes[0][0]


class CardSearchForm(forms.Form):
    card_code = forms.CharField(
        label=_("Card code"),
        max_length=40,
        help_text=_("Type the code on the card, or scan its QR code."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class NameSearchForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=validation.NAME_MAX)
    family_name = forms.CharField(label=_("Family name"), max_length=validation.NAME_MAX)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)


class PortalSignInForm(forms.Form):
    """Labels are in the sign-in template, in the participant's language."""

    card_code = forms.CharField(max_length=40)
    date_of_birth = forms.DateField(widget=DateInput)
    pin = forms.CharField(max_length=8, required=False, strip=True)


def show_errors(form: forms.Form, error: InvalidInput) -> None:
    """Put the access layer's field errors on the form; others above it."""
    for field, message in error.errors.items():
        name = field.replace(".", "_")  # guardian.name is the form's guardian_name
        form.add_error(name if name in form.fields else None, message)
