from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "healthcamp.web"
    label = "web"
    verbose_name = "Staff and participant pages"
