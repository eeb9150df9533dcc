"""A short URL, and one row per visit of it."""

from django.core.validators import URLValidator
from django.db import models


class URL(models.Model):
    # Only web links: a redirect to ftp:// or javascript: is refused.
    full_url = models.URLField(
        max_length=2000,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    slug = models.SlugField(max_length=16, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        # Lists read the newest first: the index serves them in order.
        indexes = [models.Index(fields=["-created", "-id"])]

    def __str__(self) -> str:
        return f"{self.slug} → {self.full_url}"


class URLVisit(models.Model):
    url = models.ForeignKey(
        URL, on_delete=models.CASCADE, related_name="visits"
    )
    ip = models.GenericIPAddressField()
    user_agent = models.TextField(blank=True)
    time = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["-time", "-id"])]

    def __str__(self) -> str:
        return f"visit of {self.url.slug} from {self.ip}"
