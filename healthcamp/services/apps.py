from django.apps import AppConfig


class ServicesConfig(AppConfig):
    """No models of its own: the services register what must run on erasure."""

    name = "healthcamp.services"
    label = "services"
    verbose_name = "Services"

    def ready(self) -> None:
        # Registers the exam observations' erasers with the erasure module.
        from healthcamp.services import exams  # noqa: F401
