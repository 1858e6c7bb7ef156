from django.apps import AppConfig


class PrecinctConfig(AppConfig):
    name = "zhengyi.precinct"
    label = "precinct"
    verbose_name = "辖区"
