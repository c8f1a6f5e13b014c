from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "healthcamp.exams"
    label = "exams"
    verbose_name = "Exams"
