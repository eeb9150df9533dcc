"""The app's configuration: a short label, for tables like links_url."""

from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "course.chapters.drf_browsable_api.links"
    label = "links"
    default_auto_field = "django.db.models.BigAutoField"
