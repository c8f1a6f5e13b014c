from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "healthcamp.audit"
    label = "audit"
    verbose_name = "Audit log"
