"""Chapter 06's checks both ways: published and unusual right answers pass, plausible wrong ones are explained."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import time as datetime_time
from datetime import timedelta
from typing import Any

import pytest
from checking import incorrect
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from course.chapters.management_commands_docker.pages.models import Page
from course.chapters.management_commands_docker.questions import parse_exec, q1, q2, q3, q4
from course.checks import MISSING
from course.solutions import define as define_solution

QUESTIONS = [q1, q2, q3, q4]


def chapter_namespace() -> dict[str, Any]:
    """What the exercise notebook's setup cell imports, for the answers to use."""
    return {
        "__name__": "__main__",
        "json": json,
        "timedelta": timedelta,
        "BaseCommand": BaseCommand,
        "CommandError": CommandError,
        "timezone": timezone,
        "Page": Page,
    }


@pytest.mark.parametrize("question", QUESTIONS[:3], ids=lambda q: q.name)
def test_published_solution_passes(question: Any) -> None:
    namespace = define_solution(question, chapter_namespace())
    assert question.evaluate(namespace[question.answer_names[0]]).status == "correct"


@pytest.mark.docker
def test_published_docker_command_passes_when_run_in_a_real_container() -> None:
    namespace = define_solution(q4, chapter_namespace())
    assert q4.evaluate(namespace["cron_command"]).status == "correct"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_missing_answer_is_not_attempted(question: Any) -> None:
    assert question.evaluate(MISSING).status == "not_attempted"


def cleanup_command(cutoff_of, *, dry_deletes: bool = False, report: bool = True, use_print: bool = False) -> type:
    """A cleanup command whose cut-off is ``cutoff_of(days)``, with optional mistakes."""

    class Cleanup(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("--older-than", type=int, required=True)
            parser.add_argument("--dry-run", action="store_true")

        def handle(self, *args, older_than, dry_run, **options):
            old = Page.objects.filter(fetched_at__lt=cutoff_of(older_than))
            count = old.count()
            if not dry_run or dry_deletes:
                old.delete()
            text = f"{count} page(s)" if report else "done"
            print(text) if use_print else self.stdout.write(text)

    return Cleanup


def test_q1_rejects_a_dry_run_that_deletes() -> None:
    answer = cleanup_command(lambda days: timezone.now() - timedelta(days=days), dry_deletes=True)
    incorrect(q1.evaluate(answer), "--dry-run` deleted 4 page(s)", "change nothing")


@pytest.mark.parametrize("shift", [-1, 1], ids=["days-1", "days+1"])
def test_q1_rejects_an_off_by_one_cut_off(shift: int) -> None:
    answer = cleanup_command(lambda days: timezone.now() - timedelta(days=days + shift))
    expected = (
        "7 days less 2 minutes ago: not older than 7 days" if shift < 0 else "7 days and 2 minutes ago, which are"
    )
    incorrect(q1.evaluate(answer), expected)


def test_q1_rejects_cut_offs_rounded_to_calendar_days() -> None:
    answer = cleanup_command(lambda days: (timezone.now() - timedelta(days=days + 1)).replace(hour=23, minute=59))
    incorrect(q1.evaluate(answer), "kept the page(s) fetched 7 days and 2 minutes ago")
    midnight = cleanup_command(
        lambda days: timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days)
    )
    if timezone.now().time() >= datetime_time(0, 3):  # within two minutes of midnight it cannot tell
        assert q1.evaluate(midnight).status == "incorrect"


def test_q1_asks_for_the_count_and_for_self_stdout() -> None:
    cut = lambda days: timezone.now() - timedelta(days=days)  # noqa: E731
    incorrect(q1.evaluate(cleanup_command(cut, report=False)), "should say how many pages", "4 of the 7 are older")
    incorrect(q1.evaluate(cleanup_command(cut, use_print=True)), "print()", "self.stdout.write")


def test_q1_explains_an_option_without_a_type() -> None:
    class Untyped(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("--older-than")
            parser.add_argument("--dry-run", action="store_true")

        def handle(self, *args, older_than, dry_run, **options):
            Page.objects.filter(fetched_at__lt=timezone.now() - timedelta(days=older_than)).delete()

    incorrect(q1.evaluate(Untyped), "--older-than 7 crashed", "TypeError")


def test_q1_accepts_other_names_and_hours() -> None:
    class Cleanup(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("--older-than", dest="days", type=int, default=30)
            parser.add_argument("--dry-run", dest="pretend", action="store_true")

        def handle(self, *args, **options):
            cutoff = timezone.now() - timedelta(hours=24 * options["days"])
            doomed = Page.objects.exclude(fetched_at__gte=cutoff)
            self.stdout.write(self.style.NOTICE(f"pages older than {options['days']}d: {doomed.count()}"))
            if not options["pretend"]:
                doomed.delete()

    assert q1.evaluate(Cleanup).status == "correct"
    incorrect(q1.evaluate(Cleanup()), "the class itself, not an instance")
    incorrect(q1.evaluate(len), "subclasses BaseCommand")


def set_status(validate_first: bool = True, failure: str = "raise") -> type:
    """A setstatus command; ``failure`` is how it reports bad input (raise, print, exit, crash)."""

    class SetStatus(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("url")
            parser.add_argument("status")

        def fail(self, message):
            if failure == "raise":
                raise CommandError(message)
            if failure == "print":
                self.stderr.write(message)
                return
            if failure == "exit":
                self.stderr.write(message)
                sys.exit(1)
            raise ValueError(message)

        def handle(self, *args, url, status, **options):
            page = Page.objects.filter(url=url).first()
            if not validate_first and page is not None and status.isdigit():
                page.status = int(status)
                page.save()
            if not status.isdigit() or not 100 <= int(status) <= 599:
                return self.fail(f"bad status {status}")
            if page is None:
                return self.fail(f"no page {url}")
            page.status = int(status)
            page.save()

    return SetStatus


def test_q2_rejects_an_error_printed_with_exit_code_0() -> None:
    incorrect(q2.evaluate(set_status(failure="print")), "exited with 0", "no page https://example.org/nowhere")


def test_q2_rejects_a_traceback_and_sys_exit() -> None:
    incorrect(q2.evaluate(set_status(failure="crash")), "crashed with ValueError", "traceback")
    incorrect(q2.evaluate(set_status(failure="exit")), "sys.exit()", "call_command")


def test_q2_rejects_changing_the_table_before_failing() -> None:
    incorrect(q2.evaluate(set_status(validate_first=False)), "700", "changed the table")


def test_q2_rejects_a_message_that_does_not_name_the_value() -> None:
    class Vague(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("url")
            parser.add_argument("status", type=int)

        def handle(self, *args, url, status, **options):
            if not Page.objects.filter(url=url).update(status=status) or not 100 <= status <= 599:
                raise CommandError("invalid input")

    incorrect(q2.evaluate(Vague), "naming 'https://example.org/nowhere'", "'CommandError: invalid input'")


def test_q2_tries_both_ends_of_the_status_range_and_each_bad_value() -> None:
    class Narrow(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("url")
            parser.add_argument("status", type=int)

        def handle(self, *args, url, status, **options):
            if not 100 < status < 599:
                raise CommandError(f"{status} is not an HTTP status")
            if not Page.objects.filter(url=url).update(status=status):
                raise CommandError(f"no page {url}")

    incorrect(q2.evaluate(Narrow), "setstatus https://example.org/page-2 100` should work")

    class OtherValue(Narrow):
        def handle(self, *args, url, status, **options):
            if not 100 <= status <= 599:
                raise CommandError(f"cannot update {url}: invalid status")
            if not Page.objects.filter(url=url).update(status=status):
                raise CommandError(f"no page {url}")

    incorrect(q2.evaluate(OtherValue), "naming '700'")


def test_q2_accepts_argparse_doing_the_validation() -> None:
    def http_status(text: str) -> int:
        if not text.isdigit() or not 100 <= int(text) <= 599:
            raise argparse.ArgumentTypeError(f"{text!r} is not an HTTP status")
        return int(text)

    class SetStatus(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("url")
            parser.add_argument("status", type=http_status)

        def handle(self, *args, url, status, **options):
            try:
                page = Page.objects.get(url=url)
            except Page.DoesNotExist:
                raise CommandError(f"unknown page: {url}") from None
            page.status = status
            page.save(update_fields=["status"])

    assert q2.evaluate(SetStatus).status == "correct"


def report(render) -> type:
    """A pages command whose --json output is ``render(rows)``, coloured lines otherwise."""

    class PagesReport(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("--json", action="store_true")

        def handle(self, *args, **options):
            pages = list(Page.objects.order_by("-fetched_at"))
            if options["json"]:
                self.stdout.write(render(pages))
                return
            for page in pages:
                self.stdout.write(self.style.SUCCESS(page.url))

    return PagesReport


def row(page: Any, **changes: Any) -> dict[str, Any]:
    return {"url": page.url, "status": page.status, "fetched_at": page.fetched_at.isoformat()} | changes


def test_q3_rejects_a_friendly_line_instead_of_an_empty_list() -> None:
    answer = report(lambda pages: json.dumps([row(p) for p in pages]) if pages else "No pages yet.")
    incorrect(q3.evaluate(answer), "with 0 page(s)", "not valid JSON")


def test_q3_rejects_one_json_document_per_line() -> None:
    answer = report(lambda pages: "\n".join(json.dumps(row(p)) for p in pages) or "[]")
    incorrect(q3.evaluate(answer), "should print a JSON list", "got dict")
    several = report(
        lambda pages: (
            "\n".join(json.dumps(row(p)) for p in pages) if len(pages) > 1 else json.dumps([row(p) for p in pages])
        )
    )
    incorrect(q3.evaluate(several), "with 3 page(s)", "one JSON document per line is not one document")


def test_q3_rejects_wrong_types_order_and_times_without_offset() -> None:
    as_text = report(lambda pages: json.dumps([row(p, status=str(p.status)) for p in pages]))
    incorrect(q3.evaluate(as_text), "it is the number 200")
    oldest_first = report(lambda pages: json.dumps([row(p) for p in reversed(pages)]))
    incorrect(q3.evaluate(oldest_first), "newest page first")
    naive = report(lambda pages: json.dumps([row(p, fetched_at=f"{p.fetched_at:%Y-%m-%d %H:%M}") for p in pages]))
    incorrect(q3.evaluate(naive), "with no UTC offset")
    minutes = report(
        lambda pages: json.dumps([row(p, fetched_at=p.fetched_at.isoformat(timespec="minutes")) for p in pages])
    )
    assert q3.evaluate(minutes).status == "correct"


def test_q3_wants_colour_for_people_and_self_stdout() -> None:
    class Plain(report(lambda pages: json.dumps([row(p) for p in pages]))):
        def handle(self, *args, **options):
            if options["json"]:
                return super().handle(*args, **options)
            for page in Page.objects.all():
                self.stdout.write(page.url)

    incorrect(q3.evaluate(Plain), "colour it with self.style")

    class HardCoded(Plain):
        def handle(self, *args, **options):
            if options["json"]:
                return super().handle(*args, **options)
            for page in Page.objects.all():
                self.stdout.write(f"\x1b[32m{page.url}\x1b[0m")

    incorrect(q3.evaluate(HardCoded), "no colour codes", "self.style")

    class Printing(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("--json", action="store_true")

        def handle(self, *args, **options):
            print(json.dumps([row(p) for p in Page.objects.all()]))

    incorrect(q3.evaluate(Printing), "print()", "self.stdout.write")


def test_q3_accepts_django_json_encoder_and_other_styles() -> None:
    class PagesReport(BaseCommand):
        def add_arguments(self, parser):
            parser.add_argument("--json", action="store_true", dest="as_json")

        def handle(self, *args, as_json, **options):
            rows = list(Page.objects.order_by("-fetched_at").values("url", "status", "fetched_at"))
            if as_json:
                self.stdout.write(json.dumps(rows, cls=DjangoJSONEncoder, indent=2))
            else:
                self.stdout.write(self.style.MIGRATE_HEADING(f"{len(rows)} pages"))
                for item in rows:
                    self.stdout.write(f"  {item['url']} {self.style.HTTP_INFO(str(item['status']))}")

    assert q3.evaluate(PagesReport).status == "correct"


@pytest.mark.parametrize(
    ("command", "fragments"),
    [
        (
            "docker run --rm -i crawler python manage.py loaddata --format json -",
            ["`docker run` starts a new container"],
        ),
        ("docker compose exec -T web python manage.py loaddata --format json -", ["Compose command"]),
        ("docker exec -i crawler_web_1 python manage.py loaddata --format json -", ["'crawler_web_1'"]),
        ("docker exec -id crawler-web python manage.py loaddata --format json -", ["-d (--detach)"]),
        ("docker exec --privileged -i crawler-web python manage.py loaddata --format json -", ["--privileged"]),
        ("docker ps crawler-web", ["`exec`"]),
        ("kubectl exec -i crawler-web -- python manage.py loaddata -", ["start with `docker`"]),
        ("docker exec -i 'crawler-web python manage.py", ["does not parse"]),
        ("docker-compose exec -T web python manage.py loaddata --format json -", ["Compose (v1) command"]),
        ("docker exec -i crawler-web python manage.py loaddata --format json - 2>&1", ["'2>&1' is shell syntax"]),
    ],
)
def test_q4_explains_the_wrong_docker_command_before_running_anything(command: str, fragments: list[str]) -> None:
    incorrect(q4.evaluate(command), *fragments)


def test_q4_parses_the_command_line_like_a_shell() -> None:
    words, flags, container, command = parse_exec(
        "sudo /usr/bin/docker --context default container exec --interactive -e A=1 -w /app crawler-web python -V"
    )
    assert flags == {"--interactive"} and container == "crawler-web" and command == ["python", "-V"]
    assert words[0] == "/usr/bin/docker"
    assert parse_exec(["docker", "exec", "-ti", "crawler-web", "sh"])[1] == {"--interactive", "--tty"}
    assert parse_exec("docker exec -iu root crawler-web sh")[1:3] == ({"--interactive"}, "crawler-web")
    assert parse_exec("docker exec -i -uroot crawler-web sh")[1:3] == ({"--interactive"}, "crawler-web")
    assert parse_exec("docker exec -i --tty=false crawler-web sh")[1] == {"--interactive"}


@pytest.mark.docker
@pytest.mark.parametrize(
    ("command", "fragments"),
    [
        ("docker exec -it crawler-web python manage.py loaddata --format json -", ["-t asks docker", "not a TTY"]),
        ("docker exec crawler-web python manage.py loaddata --format json -", ["without -i", "DeserializationError"]),
        ("docker exec -i crawler-web python manage.py loaddata -", ["--format must be specified"]),
        ("docker exec -i crawler-web python manage.py loaddata --format json pages.json", ["exited with 1"]),
        ("docker exec -i crawler-web python manage.py dumpdata pages", ["instead of the fixture's 3 pages"]),
    ],
)
def test_q4_runs_the_command_in_a_real_container(command: str, fragments: list[str]) -> None:
    incorrect(q4.evaluate(command), *fragments)


@pytest.mark.docker
def test_q4_starts_each_check_on_a_new_container() -> None:
    incorrect(q4.evaluate("docker exec -i crawler-web rm -f /tmp/checks.sqlite3"), "could not be read at all")
    namespace = define_solution(q4, chapter_namespace())
    assert q4.evaluate(namespace["cron_command"]).status == "correct"


@pytest.mark.docker
def test_q4_accepts_every_way_that_really_loads_the_fixture() -> None:
    for command in (
        "docker container exec --interactive crawler-web sh -c 'python manage.py loaddata --format=json -'",
        [
            "docker",
            "exec",
            "-i",
            "-w",
            "/app",
            "crawler-web",
            "/venv/bin/python",
            "manage.py",
            "loaddata",
            "--format=json",
            "-",
        ],
        "docker exec -i crawler-web sh -c 'cat | python manage.py loaddata --format json -'",
        "docker exec -iu root crawler-web python manage.py loaddata --settings crawlsite.settings --format json -",
    ):
        assert q4.evaluate(command).status == "correct", command
