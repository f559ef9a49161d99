from django.apps import AppConfig


class MetroplanConfig(AppConfig):
    name = "metroplan"
    verbose_name = "metroplan"
