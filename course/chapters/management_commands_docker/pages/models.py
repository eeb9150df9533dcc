from django.db import models


class Page(models.Model):
    """One page the crawler fetched: where, what the server answered, and when."""

    url = models.URLField(max_length=500, unique=True)
    status = models.PositiveSmallIntegerField(help_text="HTTP status of the last fetch")
    fetched_at = models.DateTimeField(db_index=True, help_text="when it was last fetched")

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return f"{self.url} ({self.status})"
