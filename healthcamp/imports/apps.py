from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "healthcamp.imports"
    label = "imports"
    verbose_name = "Bulk imports"
