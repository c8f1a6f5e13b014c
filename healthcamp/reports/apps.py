from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "healthcamp.reports"
    label = "reports"
    verbose_name = "Programme reports"
