"""``manage seed_urls COUNT [--visits N]``: add many short URLs quickly.

One INSERT per batch (bulk_create), all in one transaction, instead of one
INSERT and one commit per row (save).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models import Max

from course.chapters.drf_browsable_api.links.models import URL, URLVisit


class Command(BaseCommand):
    help = (
        "Add COUNT short URLs (and optionally N visits of the newest one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="how many URLs to add")
        parser.add_argument(
            "--visits",
            type=int,
            default=0,
            help="visits to record (default 0)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="rows per INSERT"
        )

    def handle(self, count, visits, batch_size, **options):
        if count < 0 or visits < 0:
            raise CommandError("COUNT and --visits must be 0 or more")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        try:
            with transaction.atomic():
                self.seed(count, visits, batch_size)
        except IntegrityError as error:
            raise CommandError(f"a seeded slug is taken: {error}") from None
        seconds = time.perf_counter() - started
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Added {count} URLs and {visits} visits"
                f" in {seconds:.2f} s; {URL.objects.count()} URLs in all."
            )

    def seed(self, count, visits, batch_size):
        # Ids only grow, so numbers past the largest id make new slugs.
        first = (URL.objects.aggregate(Max("id"))["id__max"] or 0) + 1
        URL.objects.bulk_create(
            (
                URL(
                    full_url=f"https://example.com/articles/{n}",
                    slug=f"s{n:x}",
                )
                for n in range(first, first + count)
            ),
            batch_size=batch_size,
        )
        if not visits:
            return
        target = URL.objects.order_by("-id").first()
        if target is None:
            raise CommandError("there is no URL to visit: add URLs first")
        URLVisit.objects.bulk_create(
            (
                URLVisit(
                    url=target,
                    ip=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                )
                for n in range(1, visits + 1)
            ),
            batch_size=batch_size,
        )
