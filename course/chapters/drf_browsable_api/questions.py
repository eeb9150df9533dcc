"""Exercises of chapter 07 (the DRF browsable API in production), judged by what the answers do.

- ``q1`` — ``VisitPages``: a pagination class for the visits list, 25 a page, that never
  loads every visit.
- ``q2`` — ``renderer_settings(environ)``: ``REST_FRAMEWORK`` with the browsable API only
  when the ``SHORTENER_DEBUG`` variable is on, and a clear error for a value that is neither.
- ``q3`` — ``HTMLThrottle``: anonymous clients get 3 browsable (HTML) pages a minute each;
  JSON requests and logged-in users are never throttled.
- ``q4`` — ``RawFormOnly``: a browsable renderer that drops the HTML forms, and with them
  the related-field query, but keeps the raw JSON forms.

Every check runs the answer with Django's test client on a seeded database of its own
(:data:`URLS` short URLs, :data:`VISITS` visits), through views made anew under the
answer's settings (:func:`~course.chapters.drf_browsable_api.project.api_with`). The answers
are in ``solutions/07-drf-browsable-api.ipynb``.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

from course.chapters.drf_browsable_api import CHAPTER, project
from course.checks import Question, bind
from course.checks.expect import Incorrect, attempt, describe_error

project.setup("development")

from django.contrib.auth.models import User  # noqa: E402 - needs the setup above
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models.signals import post_init  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402

from course.chapters.drf_browsable_api.links.models import URL, URLVisit  # noqa: E402

TIME_LIMIT = 30.0
"""Seconds one check may run; these answers need well under one."""

URLS = 1200
"""Short URLs in the checks' database: more than DRF's select cutoff of 1000."""
VISITS = 130
"""Visits in the checks' database: five full pages of 25, and a short one."""
JSON = "application/json"
LIST = "/api/url-visits/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
"""The Accept header of a web browser (or of a crawler that looks like one)."""


def seeded() -> None:
    """Make this process's database hold exactly the checks' URLs and visits.

    The database is the one :func:`project.setup` made for this kernel; if anything
    changed its tables, they are emptied and seeded again.
    """
    if URL.objects.count() == URLS and URLVisit.objects.count() == VISITS:
        return
    project.empty_tables()
    call_command("seed_urls", URLS, visits=VISITS, verbosity=0)


@contextmanager
def django_quiet() -> Iterator[None]:
    """Keep Django's request log quiet while a check runs.

    The checks provoke 404s and 429s on purpose, and an answer that crashes a view is
    reported by the check itself: Django's log of each would bury the verdict.
    """
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def url_listings(queries: CaptureQueriesContext) -> list[str]:
    """The queries that list the links_url table (no WHERE), as a related field's choices do.

    A ``SELECT COUNT(*)`` reads the table too, but lists nothing: it is not counted.
    """
    return [
        q["sql"]
        for q in queries
        if 'FROM "links_url"' in q["sql"] and "WHERE" not in q["sql"] and not q["sql"].startswith("SELECT COUNT(")
    ]


class Environ(dict):
    """A plain mapping of variables that, like ``os.environ``, takes ``get(key, default=...)``."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key, default)


def kind_of(response: Any) -> str:
    """``"html"``, ``"json"`` or the content type of a response, for messages."""
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        return "html"
    if content_type.startswith("application/json"):
        return "json"
    return content_type or "no content type"


# --------------------------------------------------------------------------- q1

PAGE = 25


class VisitPagination(Question):
    """``VisitPages``: the visits in pages of 25, without loading every visit."""

    answer_names = ("VisitPages",)
    time_limit = TIME_LIMIT
    hints = (
        "DRF has three pagination classes to start from: `PageNumberPagination` (`?page=2`), "
        "`LimitOffsetPagination` (`?limit=25&offset=25`) and `CursorPagination` (an opaque "
        "cursor). Subclass one and set its size as a class attribute; the project's PAGE_SIZE "
        "setting is not set in development.",
        "`PageNumberPagination` reads `page_size`, `LimitOffsetPagination` reads "
        "`default_limit`, `CursorPagination` reads `page_size` and `ordering` (the visits are "
        "ordered by `-time`). Their `paginate_queryset` slices the queryset, so the database "
        "returns only one page; a paginator that calls `list(queryset)` or `len(queryset)` "
        "fetches every row first.",
        """The shape:

            from rest_framework.pagination import PageNumberPagination

            class VisitPages(PageNumberPagination):
                page_size = ...""",
    )

    def judge(self, VisitPages: Any) -> None:
        seeded()
        if not isinstance(VisitPages, type):
            raise Incorrect(f"expected a class, got {type(VisitPages).__name__} {VisitPages!r}")
        client = Client()
        views = {
            "pagination_class": VisitPages,
            "renderer_classes": [JSONRenderer],
        }
        every = set(URLVisit.objects.values_list("id", flat=True))
        seen: list[int] = []
        url: str | None = "/api/url-visits/"
        with django_quiet(), project.api_with(URLVisitViewSet=views):
            for number in range(1, 13):
                assert url is not None
                page, queries, built = self._get(client, url, number)
                results = page["results"]
                if len(results) > PAGE:
                    raise Incorrect(f"page {number} has {len(results)} visits; at most {PAGE} were asked for")
                if page["next"] is not None and len(results) != PAGE:
                    raise Incorrect(
                        f"page {number} has {len(results)} visits but is not the last; every page but the last "
                        f"should have {PAGE} (there are {VISITS} visits)"
                    )
                self._expect_lean(queries, built, number)
                if not all(isinstance(visit, dict) and "id" in visit for visit in results):
                    raise Incorrect(
                        f"page {number}'s results are {str(results)[:100]}; each should be a visit as the "
                        "serializer gives it, a JSON object with its id"
                    )
                seen += [visit["id"] for visit in results]
                url = page["next"] and urljoin(f"http://testserver{url}" if url.startswith("/") else url, page["next"])
                if url is None:
                    break
            else:
                raise Incorrect(
                    f"following `next` from page to page never ended after 12 pages ({VISITS} visits fit "
                    f"in {-(-VISITS // PAGE)} pages of {PAGE}): does `next` move on?"
                )
        repeated = sorted(visit for visit, times in collections.Counter(seen).items() if times > 1)
        if repeated:
            raise Incorrect(f"walking the pages showed {len(repeated)} visits more than once (ids {repeated[:5]} …)")
        missing = every - set(seen)
        if missing:
            raise Incorrect(
                f"walking the pages by their `next` links showed {len(seen)} of the {VISITS} visits; "
                f"{len(missing)} never appeared"
            )

    def _get(self, client: Client, url: str, number: int) -> tuple[dict[str, Any], CaptureQueriesContext, int]:
        built = collections.Counter()

        def count(sender: type, **kwargs: Any) -> None:
            built[sender.__name__] += 1

        post_init.connect(count, weak=False)
        try:
            with CaptureQueriesContext(connection) as queries:
                response = attempt(f"GET {url} (page {number})", lambda: client.get(url))
        finally:
            post_init.disconnect(count)
        if response.status_code != 200:
            raise Incorrect(f"GET {url} (page {number}) answered {response.status_code}: {response.content[:200]!r}")
        try:
            page = json.loads(response.content)
        except ValueError:
            raise Incorrect(
                f"GET {url} (page {number}) answered {response.content[:80]!r}, which is not JSON"
            ) from None
        if isinstance(page, list):
            raise Incorrect(
                f"GET {url} returned a plain list of {len(page)} visits: no pagination happened "
                "(does the class set its page size?)"
            )
        if not isinstance(page, dict) or not isinstance(page.get("results"), list) or "next" not in page:
            raise Incorrect(
                f"GET {url} returned {str(page)[:120]}; expected DRF's paginated shape, a JSON object "
                "with `results` (the visits) and `next` (the next page's URL, or null)"
            )
        return page, queries, built["URLVisit"]

    def _expect_lean(self, queries: CaptureQueriesContext, built: int, number: int) -> None:
        for query in queries:
            sql = query["sql"]
            narrowed = "LIMIT" in sql or "WHERE" in sql or re.match(r"SELECT (COUNT|MIN|MAX|SUM|AVG)\(", sql)
            if 'FROM "links_urlvisit"' in sql and not narrowed:
                raise Incorrect(
                    f"page {number} ran a query that reads every visit, with no LIMIT or WHERE: {sql[:160]} … "
                    "Slice the queryset (queryset[start:end]) instead of turning it into a list, and "
                    "count with queryset.count(), not len()"
                )
        if built > PAGE + 1:
            raise Incorrect(
                f"page {number} built {built} visit objects from the database for a page of {PAGE}: "
                "it loads every visit in Python"
            )


# --------------------------------------------------------------------------- q2

ON = ("1", "true", "TRUE", "tRuE", "yes", "Yes", "on", "oN", "ON")
OFF = ("0", "false", "False", "FaLsE", "no", "NO", "nO", "off", "")
ODD = ("maybe", "2", "enable", "enabled", "disabled", "y", "n", "t", "f", "tomato", "1x", "offf", "none")


@contextmanager
def os_environ(value: str | None) -> Iterator[None]:
    """Set (or remove) SHORTENER_DEBUG in os.environ for the block, to catch answers that read it."""
    before = os.environ.get("SHORTENER_DEBUG")
    if value is None:
        os.environ.pop("SHORTENER_DEBUG", None)
    else:
        os.environ["SHORTENER_DEBUG"] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SHORTENER_DEBUG", None)
        else:
            os.environ["SHORTENER_DEBUG"] = before


class BrowsableSwitch(Question):
    """``renderer_settings(environ)``: the browsable API only when SHORTENER_DEBUG is on."""

    answer_names = ("renderer_settings",)
    time_limit = TIME_LIMIT
    hints = (
        "Read the variable from the mapping you are given, `environ.get('SHORTENER_DEBUG', '')`, "
        "not from `os.environ`: the caller decides which environment counts. Lower-case it, then "
        "sort it into three groups: on, off, and neither (an error).",
        "Two sets of words make it plain: `{'1', 'true', 'yes', 'on'}` and "
        "`{'0', 'false', 'no', 'off', ''}`. Beware `bool(value)`: every non-empty string is true, "
        "`'false'` included. The settings differ only in `DEFAULT_RENDERER_CLASSES`: JSON alone, "
        "or JSON followed by `rest_framework.renderers.BrowsableAPIRenderer`.",
        """The shape:

            def renderer_settings(environ):
                value = environ.get("SHORTENER_DEBUG", "").lower()
                if value in <the on words>:
                    renderers = [<JSON>, <browsable>]
                elif value in <the off words>:
                    renderers = [<JSON>]
                else:
                    raise ValueError(f"SHORTENER_DEBUG is {value!r}; use ...")
                return {"DEFAULT_RENDERER_CLASSES": renderers}""",
    )

    def judge(self, renderer_settings: Any) -> None:
        with django_quiet():
            self._judge(renderer_settings)

    def _judge(self, renderer_settings: Any) -> None:
        seeded()
        if not callable(renderer_settings):
            raise Incorrect(f"expected a function, got {type(renderer_settings).__name__}")
        # Each value, with the opposite one in os.environ to catch answers that read it.
        for values, browsable, opposite in [(ON, True, "0"), (OFF, False, "1")]:
            for value in values:
                self._expect(renderer_settings, Environ(SHORTENER_DEBUG=value), browsable, opposite)
        self._expect(
            renderer_settings,
            Environ(PATH="/usr/bin"),
            browsable=False,
            other="1",
        )
        for value in ODD:
            environ = Environ(SHORTENER_DEBUG=value)
            try:
                with os_environ("1"):
                    result = renderer_settings(environ)
            except (Exception, SystemExit) as error:
                message = str(error)
                if "shortener_debug" not in message.lower() and value.lower() not in message.lower():
                    raise Incorrect(
                        f"renderer_settings({environ!r}) raised {describe_error(error)}, which is "
                        "right, but the message should name the variable (SHORTENER_DEBUG) or the "
                        "value, so that whoever set it knows what to fix"
                    ) from None
                continue
            raise Incorrect(
                f"renderer_settings({environ!r}) returned {result!r}: {value!r} is neither on "
                "(1, true, yes, on) nor off (0, false, no, off, empty), so it should raise an "
                "error that says so, not guess"
            )

    def _expect(self, answer: Callable[..., Any], environ: dict[str, str], browsable: bool, other: str) -> None:
        call = f"renderer_settings({dict(environ)!r})"
        with os_environ(other):  # the opposite value in os.environ: the answer must not read it
            settings = attempt(call, lambda: answer(Environ(environ)))
        self._expect_shape(call, settings)
        with os_environ(environ.get("SHORTENER_DEBUG")):
            same = attempt(call, lambda: answer(Environ(environ)))
        if dict(settings) != dict(same):
            raise Incorrect(
                f"{call} returned different settings when only os.environ changed: read the variable from the "
                "mapping you are given (environ), not from os.environ"
            )
        client = Client()
        try:
            with project.api_with(settings):
                page = client.get("/api/url-visits/", HTTP_ACCEPT=BROWSER)
                data = client.get("/api/url-visits/", HTTP_ACCEPT="application/json")
                programs = {
                    "asking for nothing in particular (Accept: */*)": client.get("/api/url-visits/", HTTP_ACCEPT="*/*"),
                    "sending no Accept header": client.get("/api/url-visits/"),
                }
                format_api = client.get("/api/url-visits/?format=api")
        except Exception as error:
            raise Incorrect(f"serving the API with {call} as REST_FRAMEWORK failed: {describe_error(error)}") from None
        default = "not set, so DRF's default: JSON and the browsable API"
        got = f"(DEFAULT_RENDERER_CLASSES: {settings.get('DEFAULT_RENDERER_CLASSES', default)})"
        if data.status_code != 200 or kind_of(data) != "json":
            raise Incorrect(
                f"under {call}, a program asking for JSON got {data.status_code} {kind_of(data)}; expected 200 "
                f"with JSON, which must always be offered {got}"
            )
        for who, answer in programs.items():
            if answer.status_code != 200 or kind_of(answer) != "json":
                raise Incorrect(
                    f"under {call}, a program {who}, as curl and requests do, got {answer.status_code} "
                    f"{kind_of(answer)}; expected JSON. DRF gives such a client the first renderer listed, "
                    f"so list JSON first {got}"
                )
        if browsable:
            if page.status_code != 200 or kind_of(page) != "html":
                raise Incorrect(
                    f"SHORTENER_DEBUG={environ['SHORTENER_DEBUG']!r} is on, so a browser should get the browsable "
                    f"API's HTML page; it got {page.status_code} {kind_of(page)} {got}"
                )
            if 'class="response-info"' not in page.content.decode():
                raise Incorrect(
                    f"SHORTENER_DEBUG={environ['SHORTENER_DEBUG']!r} is on, so a browser should get the browsable "
                    f"API; it got an HTML page from another renderer {got}"
                )
            return
        said = (
            f"SHORTENER_DEBUG={environ['SHORTENER_DEBUG']!r}"
            if "SHORTENER_DEBUG" in environ
            else f"an environment without SHORTENER_DEBUG ({environ!r})"
        )
        if page.status_code != 200 or kind_of(page) != "json":
            raise Incorrect(
                f"with {said} (off), a browser should get JSON; it got {page.status_code} {kind_of(page)} {got}"
            )
        if format_api.status_code != 404:
            raise Incorrect(
                f"with {said} (off), ?format=api should find no renderer (404), but it got "
                f"{format_api.status_code} {kind_of(format_api)}"
                + (f": an HTML renderer is still there {got}" if kind_of(format_api) == "html" else "")
            )

    def _expect_shape(self, call: str, settings: Any) -> None:
        if not isinstance(settings, Mapping):
            raise Incorrect(
                f"{call} returned {type(settings).__name__} {settings!r}; expected a dict to use as REST_FRAMEWORK"
            )
        if "REST_FRAMEWORK" in settings:
            raise Incorrect(
                f"{call} returned a dict with a REST_FRAMEWORK key; return what goes *into* REST_FRAMEWORK, "
                "e.g. {'DEFAULT_RENDERER_CLASSES': [...]}"
            )
        renderers = settings.get("DEFAULT_RENDERER_CLASSES", [])
        if not isinstance(renderers, (list, tuple)):
            raise Incorrect(
                f"{call} set DEFAULT_RENDERER_CLASSES to {renderers!r}; DRF expects a list of dotted paths, "
                "e.g. ['rest_framework.renderers.JSONRenderer']"
            )
        if any(not isinstance(renderer, str) for renderer in renderers):
            raise Incorrect(
                f"{call} put {renderers!r} in DEFAULT_RENDERER_CLASSES; DRF's settings name classes by their "
                "dotted path, as strings, e.g. 'rest_framework.renderers.JSONRenderer'"
            )


# --------------------------------------------------------------------------- q3

HTML_PER_MINUTE = 3


class ThrottleHTML(Question):
    """``HTMLThrottle``: anonymous clients get 3 HTML pages a minute; JSON and users are free."""

    answer_names = ("HTMLThrottle",)
    time_limit = TIME_LIMIT
    hints = (
        "A throttle's `allow_request(request, view)` runs after content negotiation, so "
        "`request.accepted_renderer` is the renderer chosen for this response, whether the "
        "client asked with an `Accept` header or with `?format=api`. Its `format` is 'api' for "
        "the browsable API and 'json' for JSON. `request.user.is_authenticated` tells users apart.",
        "Start from `AnonRateThrottle`: it already skips logged-in users (its cache key is "
        "None for them), counts per client IP, and answers 429 with a `Retry-After` header. "
        "Give it `rate = '3/minute'` and a `scope` of its own, and let `allow_request` return "
        "True at once for anything that is not HTML.",
        """The shape:

            from rest_framework.throttling import AnonRateThrottle

            class HTMLThrottle(AnonRateThrottle):
                scope = "html"
                rate = ...

                def allow_request(self, request, view):
                    if <the response is not the browsable API's HTML>:
                        return True
                    return super().allow_request(request, view)""",
    )

    def judge(self, HTMLThrottle: Any) -> None:
        seeded()
        if not isinstance(HTMLThrottle, type):
            raise Incorrect(f"expected a class, got {type(HTMLThrottle).__name__} {HTMLThrottle!r}")
        if not callable(getattr(HTMLThrottle, "allow_request", None)):
            raise Incorrect(
                "HTMLThrottle has no allow_request(request, view): a throttle needs one (start from "
                "AnonRateThrottle, SimpleRateThrottle or BaseThrottle)"
            )
        visit = URLVisit.objects.order_by("id").first()
        assert visit is not None
        one = f"/api/url-visits/{visit.id}/"
        # Fresh addresses and a fresh user at every check, so no count from an earlier run matters.
        rng = random.Random()
        first, second = (f"10.{rng.randrange(256)}.{rng.randrange(256)}.{n}" for n in (7, 8))
        client = Client()
        user = User.objects.create_user(f"learner-{rng.randrange(10**9)}")
        logged_in = Client()
        logged_in.force_login(user)
        # (client, address, Accept, query, expected status, what the request is)
        steps = [
            *[(client, first, JSON, LIST, 200, f"anonymous JSON request {n}") for n in range(1, 6)],
            *[
                (
                    client,
                    first,
                    BROWSER,
                    LIST,
                    200,
                    f"anonymous HTML page {n} (after 5 JSON requests, which must not count)",
                )
                for n in range(1, HTML_PER_MINUTE + 1)
            ],
            (client, first, BROWSER, LIST, 429, f"anonymous HTML page {HTML_PER_MINUTE + 1}"),
            (
                client,
                first,
                BROWSER,
                one,
                429,
                "the same client's HTML page of one visit (the allowance is per client)",
            ),
            (client, first, "*/*", LIST + "?format=api", 429, "the same client asking for ?format=api"),
            (client, first, JSON, LIST, 200, "the same client's next JSON request"),
            (
                client,
                first,
                BROWSER,
                LIST + "?format=json",
                200,
                "the same client with a browser's Accept and ?format=json",
            ),
            *[
                (client, second, BROWSER, LIST, 200, f"another anonymous client's HTML page {n}")
                for n in range(1, HTML_PER_MINUTE + 1)
            ],
            *[(logged_in, first, BROWSER, LIST, 200, f"a logged-in user's HTML page {n}") for n in range(1, 9)],
        ]
        # An answer may count in calendar minutes: keep its few HTML requests within one.
        if time.time() % 60 > 56:
            time.sleep(60.2 - time.time() % 60)
        try:
            with django_quiet(), project.api_with(URLVisitViewSet={"throttle_classes": [HTMLThrottle]}):
                for step in steps:
                    response = self._expect(*step)
                    if response.status_code == 429:
                        self._expect_retry_after(response.get("Retry-After"), step[-1])
        finally:
            logged_in.logout()
            user.delete()

    def _expect_retry_after(self, value: str | None, what: str) -> None:
        if not value:
            raise Incorrect(
                f"{what} was refused with 429, but without a Retry-After header to say when to come back "
                "(DRF adds one when the throttle's wait() returns the seconds)"
            )
        try:
            seconds = float(value)
        except ValueError:
            raise Incorrect(f"the 429's Retry-After header is {value!r}, not a number of seconds") from None
        if not 0 < seconds <= 60:
            raise Incorrect(
                f"the 429's Retry-After says to wait {value} s; with {HTML_PER_MINUTE} pages a minute, a client never "
                "needs to wait more than 60 s (is the rate per minute?)"
            )

    def _expect(self, client: Client, ip: str, accept: str, path: str, status: int, what: str) -> Any:
        try:
            response = client.get(path, HTTP_ACCEPT=accept, REMOTE_ADDR=ip)
        except Exception as error:
            note = ""
            if isinstance(error, AttributeError) and any(f"'{name}'" in str(error) for name in ("history", "now")):
                note = (
                    " (after allow_request returns False, DRF calls the throttle's wait(): was this request refused?)"
                )
            raise Incorrect(f"{what} from {ip} raised {describe_error(error)}{note}") from None
        if response.status_code != status:
            rule = {
                200: "JSON requests and logged-in users are never throttled, and each anonymous client "
                f"gets {HTML_PER_MINUTE} HTML pages a minute",
                429: f"an anonymous client gets {HTML_PER_MINUTE} HTML pages a minute, however it asks for "
                "HTML (an Accept header or ?format=api)",
            }.get(status, "")
            raise Incorrect(
                f"{what} from {ip}: expected {status}, got {response.status_code} ({kind_of(response)}); {rule}"
            )
        return response


# --------------------------------------------------------------------------- q4


class RawFormOnly(Question):
    """``RawFormOnly``: the browsable API without the HTML forms, with the raw JSON forms."""

    answer_names = ("RawFormOnly",)
    time_limit = TIME_LIMIT
    hints = (
        "The browsable renderer builds two kinds of form per method: the HTML form "
        "(`get_rendered_html_form`), whose related fields list their choices, and the raw data "
        "form (`get_raw_data_form`), a text box for JSON that lists nothing. Both ask "
        "`show_form_for_method` first, so overriding that one drops both: here only one must go.",
        "Subclass `BrowsableAPIRenderer` and override `get_rendered_html_form(self, data, view, "
        "method, request)`. Returning None means no form. Removing the form from the context "
        "*after* it was rendered is too late: the query has already run.",
        """The shape:

            from rest_framework.renderers import BrowsableAPIRenderer

            class RawFormOnly(BrowsableAPIRenderer):
                def get_rendered_html_form(self, data, view, method, request):
                    return ...""",
    )

    def judge(self, RawFormOnly: Any) -> None:
        seeded()
        if not isinstance(RawFormOnly, type):
            raise Incorrect(f"expected a class, got {type(RawFormOnly).__name__} {RawFormOnly!r}")
        if not all(hasattr(RawFormOnly, name) for name in ("media_type", "format", "render")):
            raise Incorrect(
                "RawFormOnly is not a renderer: DRF needs media_type, format and render() (subclass "
                "BrowsableAPIRenderer)"
            )
        visit = URLVisit.objects.order_by("id").first()
        assert visit is not None
        renderers = {"renderer_classes": [JSONRenderer, RawFormOnly]}
        client, staff = Client(), Client()
        admin = User.objects.create_superuser(f"staff-{random.randrange(10**9)}")
        staff.force_login(admin)
        pages = [
            (client, "a browser", "/api/url-visits/", "post"),
            (client, "a browser", f"/api/url-visits/{visit.id}/", "put"),
            (staff, "a staff member's browser", "/api/url-visits/", "post"),
        ]
        try:
            with django_quiet(), project.api_with(URLVisitViewSet=renderers):
                for browser, who, path, method in pages:
                    with CaptureQueriesContext(connection) as queries:
                        page = attempt(
                            f"{who}'s GET {path}",
                            lambda browser=browser, path=path: browser.get(path, HTTP_ACCEPT=BROWSER),
                        )
                    self._expect_page(page, path, method, visit.ip, url_listings(queries))
                data = client.get("/api/url-visits/", HTTP_ACCEPT="application/json")
        finally:
            staff.logout()
            admin.delete()
        if kind_of(data) != "json":
            raise Incorrect(f"a program asking for JSON got {kind_of(data)}: JSON must stay")

    def _expect_page(
        self,
        page: Any,
        path: str,
        method: str,
        ip: str,
        listings: list[str],
    ) -> None:
        if page.status_code != 200 or kind_of(page) != "html":
            raise Incorrect(
                f"a browser's GET {path} got {page.status_code} {kind_of(page)}; expected the browsable API's HTML page"
            )
        html = page.content.decode()
        if ip not in html:
            raise Incorrect(f"the HTML page of {path} does not show the data (no visit from {ip} on it)")
        raw = html.partition(f'id="{method}-generic-content-form"')[2].partition("</form>")[0]
        if 'name="_content"' not in raw:
            raise Incorrect(
                f"the page of {path} has no raw data form for {method.upper()} (the text box for JSON): keep that "
                "one, only the HTML form should go"
            )
        if re.search(r'<select[^>]*name="url"', html):
            raise Incorrect(f"the page of {path} still has the HTML form for {method.upper()}, with its select of URLs")
        if f'id="{method}-object-form"' in html:
            raise Incorrect(f"the page of {path} still has an HTML form for {method.upper()}; drop it")
        if listings:
            raise Incorrect(
                f"the page of {path} shows no HTML form, but rendering it still listed the URL table "
                f"({listings[0][:90]} …): the form was built and then thrown away. Stop it before it is "
                "built"
            )


QUESTIONS = bind(
    CHAPTER,
    [VisitPagination, BrowsableSwitch, ThrottleHTML, RawFormOnly],
    globals(),
)
