"""Chapter 07's checks both ways: published and unusual right answers pass, plausible wrong ones are explained."""

from __future__ import annotations

import collections
import time
from typing import Any

import pytest
from checking import incorrect
from rest_framework.pagination import (
    BasePagination,
    CursorPagination,
    LimitOffsetPagination,
    PageNumberPagination,
)
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle, UserRateThrottle

from course.chapters.drf_browsable_api.questions import q1, q2, q3, q4
from course.checks import MISSING
from course.solutions import define

QUESTIONS = [q1, q2, q3, q4]


def chapter_namespace() -> dict[str, Any]:
    """What the exercise notebook's setup cell imports, for the answers to use."""
    return {
        "__name__": "__main__",
        "PageNumberPagination": PageNumberPagination,
        "BrowsableAPIRenderer": BrowsableAPIRenderer,
        "AnonRateThrottle": AnonRateThrottle,
    }


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_published_solution_passes(question: Any) -> None:
    namespace = define(question, chapter_namespace())
    assert question.evaluate(namespace[question.answer_names[0]]).status == "correct"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_missing_answer_is_not_attempted(question: Any) -> None:
    assert question.evaluate(MISSING).status == "not_attempted"


def test_untouched_function_is_not_attempted() -> None:
    def renderer_settings(environ: Any) -> Any:
        raise NotImplementedError()

    assert q2.evaluate(renderer_settings).status == "not_attempted"


# --- q2: renderer_settings(environ) ------------------------------------------------------------------

JSON_ONLY = ["rest_framework.renderers.JSONRenderer"]
BOTH = [*JSON_ONLY, "rest_framework.renderers.BrowsableAPIRenderer"]


def switch(on: set[str], off: set[str], *, fold: bool = True, source: Any = None) -> Any:
    """A renderer_settings built from word sets, for the wrong answers below."""

    def renderer_settings(environ: Any) -> dict[str, Any]:
        mapping = environ if source is None else source
        value = mapping.get("SHORTENER_DEBUG", "")
        value = value.lower() if fold else value
        if value in on:
            return {"DEFAULT_RENDERER_CLASSES": BOTH}
        if value in off:
            return {"DEFAULT_RENDERER_CLASSES": JSON_ONLY}
        raise ValueError(f"SHORTENER_DEBUG is {value!r}")

    return renderer_settings


ON, OFF = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def test_q2_accepts_a_lookup_table_and_extra_settings() -> None:
    """Is an answer with a lookup table, casefold, a tuple of renderers and extra keys accepted?"""
    words = {word: True for word in ON} | {word: False for word in OFF}

    def renderer_settings(environ: Any) -> dict[str, Any]:
        raw = environ.get("SHORTENER_DEBUG") or ""
        try:
            browsable = words[raw.casefold()]
        except KeyError:
            raise RuntimeError(f"cannot read {raw!r} as on or off") from None
        return {"DEFAULT_RENDERER_CLASSES": tuple(BOTH if browsable else JSON_ONLY), "PAGE_SIZE": 50}

    assert q2.evaluate(renderer_settings).status == "correct"


def test_q2_explains_classes_where_drf_wants_paths() -> None:
    """Does a list of class objects, which DRF's settings cannot import, get a message saying so?"""

    def renderer_settings(environ: Any) -> dict[str, Any]:
        on = environ.get("SHORTENER_DEBUG", "").lower() in ON
        return {"DEFAULT_RENDERER_CLASSES": [JSONRenderer, BrowsableAPIRenderer] if on else [JSONRenderer]}

    incorrect(q2.evaluate(renderer_settings), "dotted path")


def test_q2_rejects_json_only_everywhere() -> None:
    """Are JSON-only settings that also apply in development rejected?"""
    incorrect(q2.evaluate(lambda environ: {"DEFAULT_RENDERER_CLASSES": JSON_ONLY}), "is on", "got 200 json")


def test_q2_rejects_bool_of_the_string() -> None:
    """Is bool(value), which takes 'false' for on, rejected?"""

    def renderer_settings(environ: Any) -> dict[str, Any]:
        on = bool(environ.get("SHORTENER_DEBUG"))
        return {"DEFAULT_RENDERER_CLASSES": BOTH if on else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "SHORTENER_DEBUG='0' (off)", "should get JSON")


def test_q2_rejects_reading_os_environ() -> None:
    import os

    incorrect(q2.evaluate(switch(ON, OFF, source=os.environ)), "os.environ")


def test_q2_rejects_case_sensitive_words() -> None:
    incorrect(q2.evaluate(switch(ON, OFF, fold=False)), "'TRUE'")


def test_q2_rejects_browsable_first() -> None:
    """Is a list with the browsable renderer first rejected, since curl then gets HTML?"""

    def renderer_settings(environ: Any) -> dict[str, Any]:
        on = environ.get("SHORTENER_DEBUG", "").lower() in ON
        return {"DEFAULT_RENDERER_CLASSES": BOTH[::-1] if on else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "Accept: */*", "list JSON first")


def test_q2_rejects_browsable_without_json() -> None:
    def renderer_settings(environ: Any) -> dict[str, Any]:
        on = environ.get("SHORTENER_DEBUG", "").lower() in ON
        return {"DEFAULT_RENDERER_CLASSES": BOTH[1:] if on else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "got 406", "must always be offered")


def test_q2_rejects_guessing_an_odd_value() -> None:
    def renderer_settings(environ: Any) -> dict[str, Any]:
        on = environ.get("SHORTENER_DEBUG", "").lower() in ON
        return {"DEFAULT_RENDERER_CLASSES": BOTH if on else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "'maybe'", "should raise")


def test_q2_rejects_an_error_that_names_nothing() -> None:
    def renderer_settings(environ: Any) -> dict[str, Any]:
        value = environ.get("SHORTENER_DEBUG", "").lower()
        if value not in ON | OFF:
            raise ValueError("bad setting")
        return {"DEFAULT_RENDERER_CLASSES": BOTH if value in ON else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "should name the variable")


def test_q2_rejects_a_non_dict() -> None:
    incorrect(q2.evaluate(lambda environ: JSON_ONLY), "expected a dict")


# --- q1: VisitPages ----------------------------------------------------------------------------------


class ByLimit(LimitOffsetPagination):
    default_limit = 25


class ByCursor(CursorPagination):
    page_size = 25
    ordering = ("-time", "-id")


@pytest.mark.parametrize("answer", [ByLimit, ByCursor], ids=["limit-offset", "cursor"])
def test_q1_accepts_other_pagination_styles(answer: type) -> None:
    assert q1.evaluate(answer).status == "correct"


class ListsEverything(PageNumberPagination):
    """Wrong: a page of 25, cut from a list of every visit."""

    page_size = 25

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        return super().paginate_queryset(list(queryset), request, view)


class SlicesInPython(BasePagination):
    """Wrong: its own paginator, which loads every row and counts with len()."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.request = request
        self.number = int(request.query_params.get("page", 1))
        rows = list(queryset)
        self.total = len(rows)
        return rows[(self.number - 1) * 25 : self.number * 25]

    def get_paginated_response(self, data: Any) -> Response:
        more = self.number * 25 < self.total
        url = self.request.build_absolute_uri(f"?page={self.number + 1}") if more else None
        return Response({"count": self.total, "next": url, "results": data})


class NoSize(PageNumberPagination):
    """Wrong: no page size, and PAGE_SIZE is not set in development."""


class Fifty(PageNumberPagination):
    page_size = 50


class StuckOnTwo(PageNumberPagination):
    """Wrong: `next` always points at page 2."""

    page_size = 25

    def get_next_link(self) -> str | None:
        return self.request.build_absolute_uri("/api/url-visits/?page=2")


def test_q1_rejects_a_page_cut_from_a_list() -> None:
    """Is pagination that loads every row in Python on every page rejected, through its queries?"""
    incorrect(q1.evaluate(ListsEverything), "reads every visit, with no LIMIT or WHERE")


def test_q1_rejects_its_own_paginator_that_loads_everything() -> None:
    incorrect(q1.evaluate(SlicesInPython), "with no LIMIT or WHERE")


def test_q1_rejects_no_page_size() -> None:
    incorrect(q1.evaluate(NoSize), "plain list of 130 visits")


def test_q1_rejects_pages_of_fifty() -> None:
    incorrect(q1.evaluate(Fifty), "page 1 has 50 visits")


def test_q1_rejects_next_that_never_moves() -> None:
    incorrect(q1.evaluate(StuckOnTwo), "never ended")


def test_q1_rejects_an_instance() -> None:
    incorrect(q1.evaluate(ByLimit()), "expected a class")


# --- q3: HTMLThrottle --------------------------------------------------------------------------------


def is_html(request: Any) -> bool:
    return isinstance(getattr(request, "accepted_renderer", None), BrowsableAPIRenderer)


class CountsInMemory(BaseThrottle):
    """An unusual right answer: no cache, a deque of times per client, and wait()."""

    seen: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.user.is_authenticated or not is_html(request):
            return True
        now, times = time.monotonic(), self.seen[self.get_ident(request)]
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= 3:
            self.retry = 60 - (now - times[0])
            return False
        times.append(now)
        return True

    def wait(self) -> float:
        return self.retry


def test_q3_accepts_a_throttle_of_its_own() -> None:
    assert q3.evaluate(CountsInMemory).status == "correct"


class EveryAnonymousRequest(AnonRateThrottle):
    """Wrong: throttles JSON too."""

    rate = "3/minute"


class UsersToo(UserRateThrottle):
    """Wrong: HTML only, but logged-in users are counted as well."""

    rate = "3/minute"

    def allow_request(self, request: Any, view: Any) -> bool:
        return not is_html(request) or super().allow_request(request, view)


class OneBucket(SimpleRateThrottle):
    """Wrong: every anonymous client shares one allowance."""

    rate = "3/minute"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user.is_authenticated or not is_html(request):
            return None
        return "html-pages"


class ByAcceptHeader(AnonRateThrottle):
    """Wrong: looks only at the Accept header, so ?format=api slips through."""

    rate = "3/minute"
    scope = "html-by-header"

    def allow_request(self, request: Any, view: Any) -> bool:
        if "text/html" not in request.META.get("HTTP_ACCEPT", ""):
            return True
        return super().allow_request(request, view)


class NoWait(BaseThrottle):
    """Wrong: refuses the 4th page, but never says when to come back."""

    counts: collections.Counter = collections.Counter()

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.user.is_authenticated or not is_html(request):
            return True
        self.counts[self.get_ident(request)] += 1
        return self.counts[self.get_ident(request)] <= 3


def test_q3_rejects_a_throttle_on_json() -> None:
    incorrect(q3.evaluate(EveryAnonymousRequest), "anonymous JSON request 4", "never throttled")


def test_q3_rejects_a_throttle_that_blocks_users() -> None:
    """Is a throttle that blocks authenticated users rejected?"""
    incorrect(q3.evaluate(UsersToo), "a logged-in user's HTML page 4")


def test_q3_rejects_one_allowance_for_everyone() -> None:
    incorrect(q3.evaluate(OneBucket), "another anonymous client's HTML page 1")


def test_q3_rejects_a_throttle_blind_to_format_api() -> None:
    incorrect(q3.evaluate(ByAcceptHeader), "?format=api", "expected 429")


def test_q3_rejects_a_refusal_without_retry_after() -> None:
    incorrect(q3.evaluate(NoWait), "Retry-After")


# --- q4: RawFormOnly ---------------------------------------------------------------------------------


class SkipsRendering(BrowsableAPIRenderer):
    """An unusual right answer: the serializer is made, but never rendered into a form."""

    def render_form_for_serializer(self, serializer: Any) -> None:
        return None


def test_q4_accepts_a_renderer_that_skips_the_rendering() -> None:
    assert q4.evaluate(SkipsRendering).status == "correct"


class NoFormsAtAll(BrowsableAPIRenderer):
    """Wrong: the chapter's staging renderer, which drops the raw forms too."""

    def show_form_for_method(self, view: Any, method: Any, request: Any, obj: Any) -> bool:
        return False


class HidesTheForm(BrowsableAPIRenderer):
    """Wrong: removes the form from the page after it was built."""

    def get_context(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(*args, **kwargs)
        context["post_form"] = context["put_form"] = None
        return context


class JsonCalledApi(JSONRenderer):
    """Wrong: answers the browser with JSON."""

    format = "api"


class OnlyPost(BrowsableAPIRenderer):
    """Wrong: drops the POST form but keeps the PUT form of an item."""

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        return None if method == "POST" else super().get_rendered_html_form(data, view, method, request)


def test_q4_rejects_dropping_the_raw_form_too() -> None:
    incorrect(q4.evaluate(NoFormsAtAll), "no raw data form for POST")


def test_q4_rejects_a_form_built_then_hidden() -> None:
    """Is a renderer without forms that still runs the related-field query rejected?"""
    incorrect(q4.evaluate(HidesTheForm), "still listed the URL table")


def test_q4_rejects_json_for_the_browser() -> None:
    incorrect(q4.evaluate(JsonCalledApi), "got 200 json")


def test_q4_rejects_a_put_form_left_in() -> None:
    incorrect(q4.evaluate(OnlyPost), "HTML form for PUT")


# --- answers found by a second reader ----------------------------------------------------------------


def words_answer(on: set[str], off: set[str], *, match: Any = None) -> Any:
    """A renderer_settings with its own idea of the on and off words."""

    def renderer_settings(environ: Any) -> dict[str, Any]:
        value = environ.get("SHORTENER_DEBUG", "").lower()
        if (match or (lambda v, words: v in words))(value, on):
            return {"DEFAULT_RENDERER_CLASSES": BOTH}
        if value in off:
            return {"DEFAULT_RENDERER_CLASSES": JSON_ONLY}
        raise ValueError(f"SHORTENER_DEBUG is {value!r}")

    return renderer_settings


def test_q2_rejects_extra_on_words() -> None:
    incorrect(q2.evaluate(words_answer(ON | {"y", "t"}, OFF | {"n"})), "'y'", "should raise")


def test_q2_rejects_a_prefix_test() -> None:
    prefix = words_answer(ON, OFF, match=lambda value, words: value.startswith(("1", "t", "y", "on")))
    incorrect(q2.evaluate(prefix), "should raise")


def test_q2_rejects_only_three_spellings() -> None:
    spellings = {f(word) for word in ON | OFF for f in (str.lower, str.upper, str.capitalize)}

    def renderer_settings(environ: Any) -> dict[str, Any]:
        value = environ.get("SHORTENER_DEBUG", "")
        if value not in spellings:
            raise ValueError(f"SHORTENER_DEBUG is {value!r}")
        return {"DEFAULT_RENDERER_CLASSES": BOTH if value.lower() in ON else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "'tRuE'")


def test_q2_accepts_system_exit_for_a_bad_value() -> None:
    def renderer_settings(environ: Any) -> dict[str, Any]:
        value = environ.get("SHORTENER_DEBUG", "").lower()
        if value not in ON | OFF:
            raise SystemExit(f"bad SHORTENER_DEBUG {value}")
        return {"DEFAULT_RENDERER_CLASSES": BOTH if value in ON else JSON_ONLY}

    assert q2.evaluate(renderer_settings).status == "correct"


@pytest.mark.parametrize(
    ("returned", "fragment"),
    [
        ({"REST_FRAMEWORK": {"DEFAULT_RENDERER_CLASSES": JSON_ONLY}}, "goes *into* REST_FRAMEWORK"),
        ({"DEFAULT_RENDERER_CLASSES": JSON_ONLY[0]}, "expects a list of dotted paths"),
        (
            {
                "DEFAULT_RENDERER_CLASSES": BOTH,
                "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            },
            "got 403 json; expected 200",
        ),
    ],
)
def test_q2_explains_settings_of_the_wrong_shape(returned: dict[str, Any], fragment: str) -> None:
    incorrect(q2.evaluate(lambda environ: returned), fragment)


class ById(BasePagination):
    """An unusual right answer: the page's ids first (with a LIMIT), then the visits WHERE id IN them."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.request, self.start = request, int(request.query_params.get("start", 0))
        self.total = queryset.count()
        ids = list(queryset.values_list("id", flat=True)[self.start : self.start + 25])
        return list(queryset.filter(id__in=ids))

    def get_paginated_response(self, data: Any) -> Response:
        after = self.start + 25
        link = self.request.build_absolute_uri(f"?start={after}") if after < self.total else None
        return Response({"next": link, "results": data})


def test_q1_accepts_a_where_id_in_page() -> None:
    assert q1.evaluate(ById).status == "correct"


class ShrinksLater(LimitOffsetPagination):
    """Wrong: the first page has 25, every later one 10."""

    default_limit = 25
    max_limit = 10


def test_q1_rejects_later_pages_that_shrink() -> None:
    incorrect(q1.evaluate(ShrinksLater), "page 2 has 10 visits but is not the last")


class PerHour(AnonRateThrottle):
    """Wrong: 3 an hour."""

    rate = "3/hour"
    scope = "html-per-hour"

    def allow_request(self, request: Any, view: Any) -> bool:
        return not is_html(request) or super().allow_request(request, view)


class AcceptOrFormat(AnonRateThrottle):
    """Wrong: a browser asking ?format=json gets JSON, yet is throttled."""

    rate = "3/minute"
    scope = "html-accept-or-format"

    def allow_request(self, request: Any, view: Any) -> bool:
        asked = "text/html" in request.META.get("HTTP_ACCEPT", "") or request.query_params.get("format") == "api"
        return not asked or super().allow_request(request, view)


class RefusesJson(AnonRateThrottle):
    """Wrong: returns False for JSON without counting, so DRF's wait() finds no history."""

    rate = "3/minute"

    def allow_request(self, request: Any, view: Any) -> bool:
        return is_html(request) and super().allow_request(request, view)


def test_q3_rejects_a_rate_per_hour() -> None:
    incorrect(q3.evaluate(PerHour), "Retry-After says to wait", "per minute")


def test_q3_rejects_throttling_a_browser_that_asks_for_json() -> None:
    incorrect(q3.evaluate(AcceptOrFormat), "?format=json", "expected 200, got 429")


def test_q3_explains_a_refusal_that_crashes_in_wait() -> None:
    incorrect(q3.evaluate(RefusesJson), "anonymous JSON request 1", "was this request refused?")


class TypedUrl(BrowsableAPIRenderer):
    """Wrong: the HTML form stays, with a text box instead of the select."""

    def render_form_for_serializer(self, serializer: Any) -> Any:
        serializer.fields["url"].style = {"base_template": "input.html"}
        return super().render_form_for_serializer(serializer)


def test_q4_says_a_form_without_a_select_is_still_a_form() -> None:
    incorrect(q4.evaluate(TypedUrl), "still has an HTML form for POST")


# --- answers found by a third reader -----------------------------------------------------------------


def test_q2_accepts_an_upper_case_value_in_the_message_and_a_keyword_default() -> None:
    on, off = frozenset({"1", "TRUE", "YES", "ON"}), frozenset({"0", "FALSE", "NO", "OFF", ""})

    def renderer_settings(environ: Any) -> Any:
        value = environ.get("SHORTENER_DEBUG", default="").strip().upper()
        if value not in on | off:
            raise ValueError(f"don't know what {value!r} means")
        return collections.OrderedDict(DEFAULT_RENDERER_CLASSES=BOTH if value in on else JSON_ONLY)

    assert q2.evaluate(renderer_settings).status == "correct"


def test_q2_rejects_the_prompts_own_wrong_word() -> None:
    incorrect(q2.evaluate(words_answer(ON | {"enabled"}, OFF | {"disabled"})), "'enabled'", "should raise")


def test_q2_rejects_another_html_renderer() -> None:
    def renderer_settings(environ: Any) -> dict[str, Any]:
        on = environ.get("SHORTENER_DEBUG", "").lower()
        if on not in ON | OFF:
            raise ValueError(f"SHORTENER_DEBUG is {on!r}")
        admin = "rest_framework.renderers.AdminRenderer"
        return {"DEFAULT_RENDERER_CLASSES": [*JSON_ONLY, admin] if on in ON else JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "another renderer")


def test_q2_does_not_blame_os_environ_for_a_generator() -> None:
    def renderer_settings(environ: Any) -> Any:
        yield {"DEFAULT_RENDERER_CLASSES": JSON_ONLY}

    incorrect(q2.evaluate(renderer_settings), "expected a dict")


class RelativeNext(PageNumberPagination):
    """An unusual right answer: `next` is a query alone, relative to the page."""

    page_size = 25

    def get_next_link(self) -> str | None:
        return f"?page={self.page.next_page_number()}" if self.page.has_next() else None


def test_q1_accepts_a_relative_next_link() -> None:
    assert q1.evaluate(RelativeNext).status == "correct"


class IdsOnly(PageNumberPagination):
    """Wrong: the results are ids, not visits."""

    page_size = 25

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": [visit["id"] for visit in data]})


class EmptyBody(PageNumberPagination):
    page_size = 25

    def get_paginated_response(self, data: Any) -> Response:
        return Response()


def test_q1_explains_results_that_are_not_visits() -> None:
    incorrect(q1.evaluate(IdsOnly), "a JSON object with its id")


def test_q1_explains_a_body_that_is_not_json() -> None:
    incorrect(q1.evaluate(EmptyBody), "which is not JSON")


class PerPath(AnonRateThrottle):
    """Wrong: 3 pages per client *and path*."""

    rate = "3/minute"
    scope = "html-per-path"

    def allow_request(self, request: Any, view: Any) -> bool:
        return not is_html(request) or super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = super().get_cache_key(request, view)
        return key and f"{key}:{request.path}"


class Typo(AnonRateThrottle):
    rate = "3/minute"

    def allow_request(self, request: Any, view: Any) -> bool:
        return request.accepted_renderer.fmt != "api" or super().allow_request(request, view)


def test_q3_rejects_an_allowance_per_path() -> None:
    incorrect(q3.evaluate(PerPath), "HTML page of one visit", "expected 429")


def test_q3_explains_a_typo_without_blaming_wait() -> None:
    outcome = q3.evaluate(Typo)
    incorrect(outcome, "has no attribute 'fmt'")
    assert "wait()" not in outcome.message


def test_q3_says_a_class_without_allow_request_is_no_throttle() -> None:
    class HTMLThrottle:
        pass

    incorrect(q3.evaluate(HTMLThrottle), "needs one")


class CountsFirst(BrowsableAPIRenderer):
    """An unusual right answer: a COUNT first (which lists nothing), then no form when the table is big."""

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        from course.chapters.drf_browsable_api.links.models import URL

        if method in ("DELETE", "OPTIONS") or URL.objects.count() < 100:
            return super().get_rendered_html_form(data, view, method, request)
        return None


class FormsForStaff(BrowsableAPIRenderer):
    """Wrong: staff still get the HTML forms."""

    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Any) -> Any:
        if request.user.is_staff or method in ("DELETE", "OPTIONS"):
            return super().get_rendered_html_form(data, view, method, request)
        return None


def test_q4_accepts_a_count_of_the_table() -> None:
    assert q4.evaluate(CountsFirst).status == "correct"


def test_q4_rejects_forms_kept_for_staff() -> None:
    incorrect(q4.evaluate(FormsForStaff), "HTML form for POST")


def test_q4_says_an_unrelated_class_is_no_renderer() -> None:
    class RawFormOnly:
        pass

    incorrect(q4.evaluate(RawFormOnly), "is not a renderer")
