"""Forms for the staff pages; the access layer does the real checking."""

from __future__ import annotations

from django import forms

from healthcamp.access.errors import InvalidInput
from healthcamp.registry import validation
from healthcamp.registry.choices import Sex

# The closed list the access layer accepts (language[-Script][-REGION] of these).
COMMON_LANGUAGES = list(validation.LANGUAGES.items())


class DateInput(forms.DateInput):
    input_type = "date"


class RegisterForm(forms.Form):
    programme_id = forms.TypedChoiceField(label="Programme", coerce=int)
    given_name = forms.CharField(label="Given name", max_length=validation.NAME_MAX)
    family_name = forms.CharField(label="Family name", max_length=validation.NAME_MAX)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=forms.RadioSelect)
    preferred_language = forms.ChoiceField(label="Preferred language", choices=COMMON_LANGUAGES)
    phone = forms.CharField(
        label="Phone (optional)",
        required=False,
        max_length=validation.PHONE_MAX,
        help_text="Only if the participant wants to be contacted about results.",
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
        label="Card code",
        max_length=40,
        help_text="Type the code on the card, or scan its QR code.",
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
    given_name = forms.CharField(label="Given name", max_length=validation.NAME_MAX)
    family_name = forms.CharField(label="Family name", max_length=validation.NAME_MAX)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput)


class PortalSignInForm(forms.Form):
    """Labels come from the portal's words in the participant's language (template)."""

    card_code = forms.CharField(max_length=40)
    date_of_birth = forms.DateField(widget=DateInput)
    pin = forms.CharField(max_length=8, required=False, strip=True)


def show_errors(form: forms.Form, error: InvalidInput) -> None:
    """Put the access layer's field errors on the form; others above it."""
    for field, message in error.errors.items():
        name = field.replace(".", "_")  # guardian.name is the form's guardian_name
        form.add_error(name if name in form.fields else None, message)
