"""Exercises of chapter 06 (management commands in Docker), judged by what the commands do.

- ``q1`` — ``Cleanup``: ``cleanup --older-than DAYS [--dry-run]`` deletes the pages
  fetched more than DAYS days ago, or only counts them.
- ``q2`` — ``SetStatus``: ``setstatus URL STATUS`` refuses an unknown page or a
  status that is not an HTTP status, with ``CommandError`` and a non-zero exit code.
- ``q3`` — ``PagesReport``: ``pages`` lists the pages in colour for people, and as
  one JSON list with ``--json``, empty or not.
- ``q4`` — ``cron_command``: the ``docker`` command line a cron job uses to pipe a
  fixture into ``loaddata`` in a running container. It is parsed, never matched
  as a string, and run against a real container where an engine runs.

The commands run in this process against the crawler's ``pages`` table
(:mod:`.harness`), through ``call_command`` and the way ``manage.py`` runs them.
The answers are in ``solutions/06-management-commands-docker.ipynb``.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
from collections.abc import Sequence
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

from course.chapters.management_commands_docker import CHAPTER, engine, harness
from course.checks import Question, bind
from course.checks.expect import Incorrect, describe_error
from course.requires import in_ci, requires

harness.setup()

from django.core.management import call_command  # noqa: E402 - needs the setup above
from django.core.management.base import BaseCommand, CommandError  # noqa: E402
from django.utils import timezone  # noqa: E402

from course.chapters.management_commands_docker.pages.models import Page  # noqa: E402

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTES = timedelta(minutes=2)
AGES = {
    "1 hour": HOUR,
    "3 days": 3 * DAY,
    "7 days less 2 minutes": 7 * DAY - MINUTES,
    "7 days and 2 minutes": 7 * DAY + MINUTES,
    "8 days": 8 * DAY,
    "30 days and 2 minutes": 30 * DAY + MINUTES,
    "400 days": 400 * DAY,
}
"""The ages of the pages q1 seeds, by name: two minutes either side of each cut-off it tries,
so that a cut-off rounded to a calendar day is caught at any time of day but the first two
minutes after midnight."""

CONTAINER = "crawler-web"
"""The container q4's command must name."""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def command_class(answer: Any, name: str) -> type[BaseCommand]:
    """The answer, if it is a management command class; Incorrect (saying why) otherwise."""
    if isinstance(answer, BaseCommand):
        raise Incorrect(f"`{name}` should be the class itself, not an instance: drop the `()`")
    if not (isinstance(answer, type) and issubclass(answer, BaseCommand)):
        raise Incorrect(f"`{name}` should be a class that subclasses BaseCommand; got {answer!r}")
    return answer


def number_in(text: str, number: int) -> bool:
    """True when ``number`` appears in ``text`` as a whole number."""
    return re.search(rf"(?<![\d.]){number}(?![\d.])", text) is not None


def run(what: str, action: Any) -> Any:
    """Run one call of the answer; an exception becomes Incorrect, naming what was run."""
    try:
        return action()
    except CommandError as error:
        raise Incorrect(f"{what} raised CommandError: {error}") from None
    except Exception as error:  # learner code may raise anything
        raise Incorrect(f"{what} crashed: {describe_error(error)}") from None


def captured(command: type[BaseCommand], *args: str, **options: Any) -> str:
    """What ``call_command`` captures from ``command``; Incorrect if it printed around ``self.stdout``."""
    out, printed = io.StringIO(), io.StringIO()
    shown = " ".join(args) or "(no arguments)"
    with redirect_stdout(printed):
        run(f"call_command with {shown}", lambda: call_command(command(), *args, stdout=out, **options))
    if printed.getvalue() and not out.getvalue():
        raise Incorrect(
            "the command used print(): call_command(..., stdout=...) and tests cannot capture that. "
            "Write with self.stdout.write(...)"
        )
    return out.getvalue()


class Cleanup(Question):
    """``cleanup --older-than DAYS [--dry-run]``: delete (or only count) the pages older than DAYS days."""

    answer_names = ("Cleanup",)
    time_limit = 60
    hints = (
        "Two options in `add_arguments`: `--older-than` with `type=int`, and `--dry-run` with "
        '`action="store_true"`. In `handle`, the cut-off is a moment: now minus DAYS days.',
        "`cutoff = timezone.now() - timedelta(days=options['older_than'])`; the pages older than "
        "that were fetched before it: `Page.objects.filter(fetched_at__lt=cutoff)`. Count them "
        "first; delete only when `options['dry_run']` is false; say the count either way.",
        """The shape:

            def handle(self, *args, **options):
                old = Page.objects.filter(fetched_at__lt=...)
                count = old.count()
                if not options["dry_run"]:
                    old.delete()
                self.stdout.write(f"... {count} ...")""",
    )

    def judge(self, answer: Any) -> None:
        command = command_class(answer, "Cleanup")
        for days, dry in ((7, False), (7, True), (30, False), (0, False)):
            self.scenario(command, days, dry)

    def scenario(self, command: type[BaseCommand], days: int, dry: bool) -> None:
        now = timezone.now()
        pages = harness.seed(AGES.values(), now=now)
        names = dict(zip((page.url for page in pages), AGES, strict=True))
        old = {url for url, name in names.items() if AGES[name] > days * DAY}
        argv = ["--older-than", str(days), *(["--dry-run"] if dry else [])]
        shown = "cleanup " + " ".join(argv)
        if dry:  # the way manage.py runs it, exit code included
            ran = run(shown, lambda: harness.run_cli(command, "cleanup", *argv))
            if ran.exit_code != 0:
                raise Incorrect(f"`{shown}` exited with {ran.exit_code}: {ran.stderr.strip() or ran.stdout.strip()}")
            output = ran.stdout
        else:  # the way a test runs it
            output = captured(command, *argv)
        left = set(Page.objects.values_list("url", flat=True))
        gone = set(names) - left
        if dry and gone:
            raise Incorrect(
                f"`{shown}` deleted {len(gone)} page(s): a dry run must change nothing, only say what it would do"
            )
        if not dry:
            wrongly = sorted(names[url] for url in gone - old)
            kept = sorted(names[url] for url in old - gone)
            if wrongly:
                raise Incorrect(
                    f"`{shown}` deleted the page(s) fetched {', '.join(wrongly)} ago: not older than {days} days "
                    "(an off-by-one in the cut-off?)"
                )
            if kept:
                raise Incorrect(
                    f"`{shown}` kept the page(s) fetched {', '.join(kept)} ago, which are older than {days} days"
                )
        if not number_in(output, len(old)):
            raise Incorrect(
                f"`{shown}` should say how many pages it {'would delete' if dry else 'deleted'}: {len(old)} of "
                f"the {len(names)} are older than {days} days; it printed {output.strip()!r}"
            )


class SetStatus(Question):
    """``setstatus URL STATUS``: bad input is refused with CommandError and a non-zero exit code."""

    answer_names = ("SetStatus",)
    time_limit = 60
    hints = (
        "A command fails cleanly by raising `CommandError(message)`: manage.py prints the message "
        "and exits with 1, and call_command raises it to the caller, so tests see it too. "
        "Printing an error and returning exits with 0, and cron thinks it worked.",
        "Look the page up with `Page.objects.filter(url=...).first()` (or catch "
        "`Page.DoesNotExist`) and raise CommandError when there is none. Take STATUS with "
        "`type=int` and raise CommandError unless 100 <= status <= 599.",
        """The shape:

            def handle(self, *args, url, status, **options):
                if not 100 <= status <= 599:
                    raise CommandError(f"{status} is not an HTTP status (100 to 599)")
                page = Page.objects.filter(url=url).first()
                if page is None:
                    raise CommandError(f"no page with URL {url}")
                ...""",
    )

    def judge(self, answer: Any) -> None:
        command = command_class(answer, "SetStatus")
        pages = harness.seed([HOUR, 2 * HOUR, 3 * HOUR])
        target = pages[1].url
        for url, status in ((target, "404"), (pages[0].url, "301"), (target, "100"), (target, "599")):
            self.accepts(command, url, status)
        for url, status, why, bad in (
            ("https://example.org/nowhere", "404", "a URL that is not in the table", "https://example.org/nowhere"),
            (target, "700", "a status above 599", "700"),
            (target, "600", "a status above 599", "600"),
            (target, "99", "a status below 100", "99"),
            (target, "gone", "a status that is not a number", "gone"),
        ):
            self.refuses(command, url, status, why, bad)

    def accepts(self, command: type[BaseCommand], url: str, status: str) -> None:
        before = {page.url: page.status for page in Page.objects.all()}
        ran = run(f"setstatus {url} {status}", lambda: harness.run_cli(command, "setstatus", url, status))
        if ran.exit_code != 0:
            raise Incorrect(
                f"`setstatus {url} {status}` should work, but exited with {ran.exit_code}: {ran.stderr.strip()}"
            )
        after = {page.url: page.status for page in Page.objects.all()}
        if after.keys() != before.keys():
            raise Incorrect(
                f"`setstatus {url} {status}` changed which pages exist: before {sorted(before)}, after {sorted(after)}"
            )
        if after[url] != int(status):
            raise Incorrect(f"after `setstatus {url} {status}` the page's status is {after[url]}, not {status}")
        changed = [other for other in after if other != url and after[other] != before[other]]
        if changed:
            raise Incorrect(f"`setstatus {url} {status}` also changed {changed}")

    def refuses(self, command: type[BaseCommand], url: str, status: str, why: str, bad: str) -> None:
        shown = f"setstatus {url} {status}"
        before = sorted(Page.objects.values_list("url", "status"))
        try:
            ran = harness.run_cli(command, "setstatus", url, status)
        except Exception as error:  # learner code may raise anything
            raise Incorrect(
                f"`{shown}` ({why}) crashed with {describe_error(error)}: manage.py would print a traceback. "
                "Raise CommandError with a message instead"
            ) from None
        message = ran.stderr.strip()
        printed = message or ran.stdout.strip()
        if ran.exit_code == 0:
            raise Incorrect(
                f"`{shown}` ({why}) exited with 0"
                + (f" after printing {printed!r}" if printed else "")
                + ": a script or cron job would think it worked. Raise CommandError"
            )
        if bad not in message:
            where = f"standard error said {message!r}" if message else "nothing came on standard error"
            raise Incorrect(f"`{shown}` ({why}) should say on standard error what is wrong, naming {bad!r}; {where}")
        if sorted(Page.objects.values_list("url", "status")) != before:
            raise Incorrect(f"`{shown}` ({why}) changed the table before it failed")
        try:
            with redirect_stdout(io.StringIO()):
                call_command(command(), url, status, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            return
        except SystemExit:
            raise Incorrect(
                f"`{shown}` ({why}) ends the process with sys.exit(): code that calls the command "
                "(call_command, a test) is stopped too. Raise CommandError, and manage.py exits for you"
            ) from None
        except Exception as error:  # learner code may raise anything
            raise Incorrect(f"call_command with {url} {status} ({why}) raised {describe_error(error)}") from None
        raise Incorrect(f"call_command with {url} {status} ({why}) should raise CommandError; it returned")


class PagesReport(Question):
    """``pages [--json]``: colour for people, one valid JSON list for programs."""

    answer_names = ("PagesReport",)
    time_limit = 60
    hints = (
        "Two audiences, one query. For people: a line per page, coloured with `self.style` "
        "(`SUCCESS`, `WARNING`, `ERROR` …). For programs: exactly one JSON document, whatever "
        'the number of pages, so no friendly "no pages" line in JSON mode.',
        "Build a list of dicts first: `url`, `status`, and `fetched_at` as "
        "`page.fetched_at.isoformat()`. With `--json`, write `json.dumps(rows)` and nothing "
        "else; an empty table gives `[]`. Otherwise loop and style each line.",
        """The shape:

            rows = [{"url": p.url, "status": p.status, "fetched_at": p.fetched_at.isoformat()}
                    for p in Page.objects.order_by("-fetched_at")]
            if options["json"]:
                self.stdout.write(json.dumps(rows))
                return
            for row in rows:
                self.stdout.write(self.style.SUCCESS(...))""",
    )

    def judge(self, answer: Any) -> None:
        command = command_class(answer, "PagesReport")
        for ages in ([], [DAY], [2 * DAY, HOUR, 9 * DAY]):
            pages = harness.seed(ages)
            for page, status in zip(pages, (200, 404, 500), strict=False):
                page.status = status
                page.save()
            self.json_lists(command, pages)
        self.people(command, pages)

    def json_lists(self, command: type[BaseCommand], pages: list[Any]) -> None:
        for how, output in (
            ("call_command(..., '--json')", captured(command, "--json")),
            ("`manage.py pages --json`", self.shell_output(command)),
        ):
            try:
                rows = json.loads(output)
            except RecursionError:
                raise Incorrect(f"{how} printed JSON nested too deeply to read") from None
            except json.JSONDecodeError as error:
                extra = " (one JSON document per line is not one document)" if "Extra data" in str(error) else ""
                raise Incorrect(
                    f"with {len(pages)} page(s), {how} printed {output.strip()[:200]!r}, which is not valid JSON: "
                    f"{error}{extra}"
                ) from None
            if not isinstance(rows, list):
                raise Incorrect(f"{how} should print a JSON list (one object per page); got {type(rows).__name__}")
            expected = sorted(pages, key=lambda page: page.fetched_at, reverse=True)
            if len(rows) != len(expected):
                raise Incorrect(f"with {len(expected)} page(s), {how} listed {len(rows)}")
            for row, page in zip(rows, expected, strict=True):
                self.same_page(how, row, page)

    def shell_output(self, command: type[BaseCommand]) -> str:
        ran = run("pages --json", lambda: harness.run_cli(command, "pages", "--json"))
        if ran.exit_code != 0:
            raise Incorrect(f"`pages --json` exited with {ran.exit_code}: {ran.stderr.strip()}")
        return ran.stdout

    def same_page(self, how: str, row: Any, page: Any) -> None:
        if not isinstance(row, dict) or not {"url", "status", "fetched_at"} <= row.keys():
            raise Incorrect(f"each page in {how} should be an object with url, status and fetched_at; got {row!r}")
        if row["url"] != page.url:
            raise Incorrect(f"{how} should list the newest page first: expected {page.url}, got {row['url']}")
        if row["status"] != page.status:
            raise Incorrect(f"{how} gives {page.url} the status {row['status']!r}; it is the number {page.status}")
        try:
            when = datetime.fromisoformat(str(row["fetched_at"]))
        except ValueError:
            raise Incorrect(
                f"{how} gives fetched_at as {row['fetched_at']!r}: use an ISO 8601 time (`.isoformat()`)"
            ) from None
        if when.tzinfo is None:
            raise Incorrect(
                f"{how} gives {page.url} the time {row['fetched_at']!r}, with no UTC offset: a program "
                f"cannot tell which time zone it means (`.isoformat()` of the stored time keeps it)"
            )
        if abs(when - page.fetched_at) >= timedelta(minutes=1):
            raise Incorrect(
                f"{how} gives {page.url} the time {row['fetched_at']!r}; it was fetched at "
                f"{page.fetched_at.isoformat()}"
            )

    def people(self, command: type[BaseCommand], pages: list[Any]) -> None:
        output = captured(command, force_color=True)
        lines = ANSI.sub("", output).splitlines()
        absent = [page.url for page in pages if not any(page.url in line for line in lines)]
        if absent:
            raise Incorrect(f"without --json, the output should show every page; {absent} missing from {output!r}")
        shared = [line for line in lines if sum(page.url in line for page in pages) > 1]
        if shared:
            raise Incorrect(f"without --json, each page should have a line of its own; {shared[0]!r} holds several")
        plain = captured(command)
        if ANSI.search(plain):
            raise Incorrect(
                "without a terminal (a pipe, a file, call_command), the output should carry no colour codes; "
                f"got {plain[:120]!r}. Colour with self.style, which turns them off by itself"
            )
        if not ANSI.search(output):
            raise Incorrect(
                "without --json, the output is for people: colour it with self.style (SUCCESS, WARNING, "
                "ERROR …); with a terminal, or --force-color, the colours should show"
            )
        try:
            json.loads(ANSI.sub("", output))
        except json.JSONDecodeError:
            return
        raise Incorrect("without --json, the output should be lines for people, not JSON")


FIXTURE = [
    {
        "model": "pages.page",
        "pk": number,
        "fields": {"url": f"https://example.org/nightly-{number}", "status": 200, "fetched_at": when},
    }
    for number, when in ((1, "2026-11-26T02:00:00Z"), (2, "2026-11-26T02:05:00Z"), (3, "2026-11-26T02:10:00Z"))
]

GLOBAL_OPTIONS = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level"}
"""docker's own options that take a value, before the subcommand."""
EXEC_VALUES = {"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys"}
"""docker exec options that take a value."""
SHORT_VALUES = {"e", "u", "w"}
"""The letters of those options: in a bundle such as ``-iu root``, the value follows."""
EXEC_FLAGS = {"i": "--interactive", "t": "--tty", "d": "--detach"}
FALSE = {"false", "0", "no"}
REDIRECTIONS = re.compile(r"^(\d?>>?|<|\||&&|;|\d?>&\d)")


def parse_exec(answer: Any) -> tuple[list[str], set[str], str, list[str]]:
    """Split a ``docker exec`` command line into (words, flags, container, command); Incorrect otherwise."""
    if isinstance(answer, str):
        try:
            words = shlex.split(answer)
        except ValueError as error:
            raise Incorrect(f"the command line does not parse as a shell would read it: {error}") from None
    elif isinstance(answer, Sequence) and all(isinstance(word, str) for word in answer):
        words = list(answer)
    else:
        raise Incorrect(f"`cron_command` should be a string (a command line); got {type(answer).__name__}")
    if words[:1] == ["sudo"]:
        words = words[1:]
    redirected = [word for word in words if REDIRECTIONS.match(word)]
    if redirected:
        raise Incorrect(
            f"{redirected[0]!r} is shell syntax around a command (a pipe, a redirection): cron's line pipes "
            "the fixture in, so give the docker command alone"
        )
    if words and words[0].rsplit("/", 1)[-1] == "docker-compose":
        raise Incorrect(
            "that is a Compose (v1) command; the container was started with `docker run --name crawler-web`, "
            "so there is no Compose project: use `docker exec` with the container's name"
        )
    if not words or words[0].rsplit("/", 1)[-1] != "docker":
        raise Incorrect(f"the command should start with `docker`; it starts with {words[:1]}")
    position = 1
    while position < len(words) and words[position].startswith("-"):
        position += 2 if words[position] in GLOBAL_OPTIONS else 1
    rest = words[position:]
    if rest[:2] == ["container", "exec"]:
        rest = rest[1:]
    if rest[:1] == ["compose"] or (rest and rest[0].endswith("compose")):
        raise Incorrect(
            "that is a Compose command; the container was started with `docker run --name crawler-web`, "
            "so there is no Compose project: use `docker exec` with the container's name"
        )
    if rest[:1] == ["run"]:
        raise Incorrect(
            "`docker run` starts a new container from an image; the task is to run the command in the "
            "container that is already running: `docker exec`"
        )
    if rest[:1] != ["exec"]:
        raise Incorrect(f"the docker subcommand that runs a command in a running container is `exec`; got {rest[:1]}")
    flags: set[str] = set()
    position = 1
    while position < len(rest) and rest[position].startswith("-"):
        word = rest[position]
        option, _, value = word.partition("=")
        position += 1
        if option in EXEC_VALUES:
            position += 0 if "=" in word else 1
        elif word.startswith("--"):
            if value.lower() not in FALSE:
                flags.add(option)
        else:
            for index, letter in enumerate(word[1:], 1):
                if letter in SHORT_VALUES:  # the rest of the word, or the next word, is its value
                    position += 0 if word[index + 1 :] else 1
                    break
                flags.add(EXEC_FLAGS.get(letter, f"-{letter}"))
    if position >= len(rest):
        raise Incorrect("after `docker exec` and its options come the container's name, then the command")
    return words, flags, rest[position], rest[position + 1 :]


class CronCommand(Question):
    """``cron_command``: pipe a fixture into loaddata in the running container, as a script must."""

    answer_names = ("cron_command",)
    time_limit = 240
    hints = (
        "Three parts: the docker subcommand that runs a command in a container that is already "
        "running, its options, and the command itself, `python manage.py loaddata …`. A cron job "
        "has no terminal, but its standard input carries the fixture.",
        "`docker exec` passes standard input through only with `-i` (`--interactive`). `-t` asks "
        "for a terminal, which a script has none of: docker refuses with 'the input device is not "
        "a TTY'. loaddata reads standard input when the fixture's name is `-`, and then it needs "
        "`--format json`.",
        "The shape: `docker exec <one option> <container> python manage.py loaddata <format> -`.",
    )

    def judge(self, answer: Any) -> None:
        words, flags, container, command = parse_exec(answer)
        if "--privileged" in flags:
            raise Incorrect("--privileged gives the command full power over the host; nothing here needs it")
        if "--detach" in flags:
            raise Incorrect("with -d (--detach) docker returns at once: cron never learns whether the load worked")
        if container != CONTAINER:
            raise Incorrect(f"the container is called {CONTAINER!r}; the command names {container!r}")
        problem = ""
        if "--tty" in flags:
            problem = (
                "-t asks docker for a terminal, and a cron job has none: docker refuses to start with "
                "'the input device is not a TTY'. Keep -i, drop -t"
            )
        elif "--interactive" not in flags:
            problem = (
                "without -i (--interactive), docker exec does not pass its standard input to the command, "
                "so the fixture never reaches loaddata"
            )
        if engine.missing_engine():
            if in_ci():
                requires("docker")  # a setup problem: in CI nothing may be skipped
            if problem:
                raise Incorrect(problem)
            if not {"manage.py", "loaddata", "-"} <= set(command):
                raise Incorrect("the command should run `python manage.py loaddata` on `-` (standard input)")
            print("(not run in a container: no Docker engine here; judged from the command line alone)")
            return
        self.run_for_real(words, container, problem)

    def run_for_real(self, words: list[str], container: str, problem: str) -> None:
        with harness.check_container() as name:
            self.judge_run(name, [name if word == container else word for word in words], problem)

    def judge_run(self, name: str, argv: list[str], problem: str) -> None:
        argv[0] = "docker"
        try:
            result = subprocess.run(argv, input=json.dumps(FIXTURE), capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise Incorrect(
                "the command was still running after 60 s: does it wait for input that never ends?"
            ) from None
        said = "\n".join((result.stderr.strip() or result.stdout.strip()).splitlines()[-3:])
        if problem:
            raise Incorrect(f"{problem}. Run for real with the fixture piped in, it printed {said!r}")
        if result.returncode != 0:
            raise Incorrect(f"run for real with the fixture piped in, it exited with {result.returncode}: {said!r}")
        dumped = engine.docker(["exec", name, "python", "manage.py", "dumpdata", "pages"], check=False)
        if dumped.returncode != 0:
            last = dumped.stderr.strip().splitlines()[-1:] or [""]
            raise Incorrect(
                "after your command, the container's table could not be read at all: did the command delete or "
                f"change the database? ({last[0]})"
            )
        urls = sorted(row["fields"]["url"] for row in json.loads(dumped.stdout))
        expected = sorted(row["fields"]["url"] for row in FIXTURE)
        if urls != expected:
            raise Incorrect(
                f"it exited with 0, but the container's table holds {urls} instead of the fixture's "
                f"{len(expected)} pages: the fixture should go to loaddata, in the container's database"
            )


QUESTIONS = bind(CHAPTER, [Cleanup, SetStatus, PagesReport, CronCommand], globals())

__all__ = ["AGES", "CONTAINER", "FIXTURE", "QUESTIONS", "parse_exec", *(question.name for question in QUESTIONS)]
