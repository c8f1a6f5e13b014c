from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "healthcamp.access"
    label = "access"
    verbose_name = "Access layer"

    def ready(self) -> None:
        # Registers the exam observations' erasers with the erasure module.
        from healthcamp.access import exams  # noqa: F401
