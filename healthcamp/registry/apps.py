from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "healthcamp.registry"
    label = "registry"
    verbose_name = "Registry"
