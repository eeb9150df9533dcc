"""``manage seed_urls COUNT [--visits N]``: add many short URLs quickly.

One INSERT per batch (bulk_create), all in one transaction, instead of one
INSERT and one commit per row (save).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
        with transaction.atomic():
            first = URL.objects.count()
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
            if visits:
                target = URL.objects.order_by("-id").first()
                if target is None:
                    raise CommandError(
                        "there is no URL to visit: add URLs first"
                    )
                URLVisit.objects.bulk_create(
                    URLVisit(
                        url=target, ip=f"10.0.{n // 250}.{n % 250 + 1}"
                    )
                    for n in range(visits)
                )
        seconds = time.perf_counter() - started
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Added {count} URLs and {visits} visits"
                f" in {seconds:.2f} s; {URL.objects.count()} URLs in all."
            )
