from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "healthcamp.consent"
    label = "consent"
    verbose_name = "Consent"
