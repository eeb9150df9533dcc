"""How short URLs and visits look as JSON, and what a POST may contain."""

import secrets

from django.core.validators import URLValidator
from rest_framework import serializers

from .models import URL, URLVisit

ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_slug(length: int = 7) -> str:
    """A random slug without look-alike characters (no 0/O, 1/l/I)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


class WebURLField(serializers.URLField):
    """A URL field for http and https links only.

    DRF's URLField checks with Django's URLValidator, which also takes
    ftp:// and ftps:// links, and a redirect to those is refused.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        web = URLValidator(
            schemes=["http", "https"],
            message=self.error_messages["invalid"],
        )
        others = [
            v for v in self.validators if not isinstance(v, URLValidator)
        ]
        self.validators = [*others, web]


class URLSerializer(serializers.ModelSerializer):
    full_url = WebURLField(max_length=2000)

    class Meta:
        model = URL
        fields = ["id", "full_url", "slug", "created"]
        read_only_fields = ["slug", "created"]

    def create(self, validated_data):
        slug = new_slug()
        while URL.objects.filter(slug=slug).exists():
            slug = new_slug()
        return URL.objects.create(slug=slug, **validated_data)


class URLVisitSerializer(serializers.ModelSerializer):
    # ModelSerializer turns the foreign key into a PrimaryKeyRelatedField
    # whose queryset is URL.objects.all(): the browsable API's HTML form
    # offers every URL in a <select>.
    class Meta:
        model = URLVisit
        fields = ["id", "url", "ip", "user_agent", "time"]
        read_only_fields = ["time"]
