from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "healthcamp.access"
    label = "access"
    verbose_name = "Access layer"
