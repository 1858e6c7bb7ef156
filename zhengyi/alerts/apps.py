from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "zhengyi.alerts"
    label = "alerts"
    verbose_name = "接处警"
