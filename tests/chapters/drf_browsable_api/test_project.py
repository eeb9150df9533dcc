"""The chapter's URL shortener: its settings, seed command, views, and servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from course import servers
from course.chapters.drf_browsable_api import project
from course.chapters.drf_browsable_api.links.models import URL, URLVisit
from course.chapters.drf_browsable_api.questions import BROWSER, url_listings
from course.chapters.drf_browsable_api.shortener import settings
from course.errors import ServerError

MANAGE = [sys.executable, "-m", "course.chapters.drf_browsable_api.manage"]


@pytest.fixture
def few_urls() -> None:
    """Three URLs and two visits of the last one; the checks re-seed their own data afterwards."""
    project.empty_tables()
    call_command("seed_urls", 3, visits=2, verbosity=0)


def manage_check(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SHORTENER_")}
    return subprocess.run([*MANAGE, "check"], env={**environment, **env}, capture_output=True, text=True, timeout=60)


def test_a_missing_environment_means_production() -> None:
    """Without SHORTENER_ENV, does the project take the production settings (and so demand a key)?"""
    done = manage_check()
    assert done.returncode == 1
    assert "SHORTENER_SECRET_KEY is not set: production needs one" in done.stderr


def test_production_starts_with_a_key() -> None:
    done = manage_check(SHORTENER_SECRET_KEY="k" * 50)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_an_unknown_environment_is_refused() -> None:
    done = manage_check(SHORTENER_ENV="Production")
    assert "SHORTENER_ENV is 'Production'; use one of development, staging, production" in done.stderr


def test_each_environment_has_its_renderers() -> None:
    development, staging, production = (settings.rest_framework_settings(name) for name in settings.ENVIRONMENTS)
    assert "DEFAULT_RENDERER_CLASSES" not in development  # DRF's default: JSON and the browsable API
    assert staging["DEFAULT_RENDERER_CLASSES"][1].endswith(".renderers.BrowsableAPIWithoutForms")
    assert production["DEFAULT_RENDERER_CLASSES"] == ["rest_framework.renderers.JSONRenderer"]
    assert production["DEFAULT_THROTTLE_RATES"] == {"anon": "60/minute"}
    assert production["PAGE_SIZE"] == 100


@pytest.mark.parametrize(("value", "cutoff"), [("", 1000), ("none", None), ("NONE", None), ("250", 250)])
def test_the_select_cutoff_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, cutoff: int | None
) -> None:
    monkeypatch.setenv("SHORTENER_SELECT_CUTOFF", value)
    assert settings.select_cutoff() == cutoff


def test_a_bad_cutoff_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTENER_SELECT_CUTOFF", "lots")
    with pytest.raises(ImproperlyConfigured, match="use a number or 'none'"):
        settings.select_cutoff()


def test_seed_urls_adds_urls_and_visits(few_urls: None) -> None:
    call_command("seed_urls", 5000, batch_size=999, verbosity=0)
    assert URL.objects.count() == 5003
    assert URL.objects.values("slug").distinct().count() == 5003
    assert URLVisit.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-1"], "COUNT and --visits must be 0 or more"),
        (["5", "--visits", "-2"], "COUNT and --visits must be 0 or more"),
        (["5", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_seed_urls_refuses_nonsense(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed_urls", *args, verbosity=0)


def test_visits_need_a_url() -> None:
    project.empty_tables()
    with pytest.raises(CommandError, match="there is no URL to visit"):
        call_command("seed_urls", 0, visits=1, verbosity=0)


def test_a_short_link_redirects_and_records_the_visit(few_urls: None) -> None:
    url = URL.objects.first()
    answer = Client().get(f"/{url.slug}", HTTP_USER_AGENT="test-agent", REMOTE_ADDR="10.9.8.7")
    assert (answer.status_code, answer["Location"]) == (302, url.full_url)
    visit = URLVisit.objects.filter(url=url).latest("id")
    assert (visit.ip, visit.user_agent) == ("10.9.8.7", "test-agent")


def test_bad_requests_get_plain_answers(few_urls: None) -> None:
    client = Client()
    slug = URL.objects.first().slug
    unknown, post, robots = client.get("/no-such"), client.post(f"/{slug}"), client.put("/robots.txt")
    assert (unknown.status_code, unknown.content) == (404, b"No short URL 'no-such' here.\n")
    assert (post.status_code, post.content) == (405, b"POST is not allowed here; use GET.\n")
    assert post["Allow"] == "GET, HEAD" and robots.status_code == 405


def test_creating_a_url_makes_a_slug_and_rejects_bad_urls(few_urls: None) -> None:
    client = Client()
    made = client.post("/api/urls/", {"full_url": "https://example.org/x"}, content_type="application/json")
    bad = client.post("/api/urls/", {"full_url": "ftp:/nope"}, content_type="application/json")
    assert made.status_code == 201 and len(made.json()["slug"]) == 7
    assert bad.status_code == 400 and "full_url" in bad.json()


def test_api_with_makes_views_under_the_settings_and_restores_them(few_urls: None) -> None:
    client = Client()
    with project.api_with(settings.rest_framework_settings("production")):
        inside = client.get("/api/url-visits/", HTTP_ACCEPT=BROWSER)
    outside = client.get("/api/url-visits/", HTTP_ACCEPT=BROWSER)
    assert inside["Content-Type"] == "application/json"
    assert outside["Content-Type"].startswith("text/html")


def test_api_with_names_an_unknown_viewset() -> None:
    with pytest.raises(TypeError, match="no viewset named VisitsViewSet"):
        with project.api_with(VisitsViewSet={}):
            pass


def test_the_staging_renderer_lists_no_urls(few_urls: None) -> None:
    with project.api_with({**settings.rest_framework_settings("staging"), "HTML_SELECT_CUTOFF": None}):
        with CaptureQueriesContext(connection) as queries:
            page = Client().get("/api/url-visits/", HTTP_ACCEPT=BROWSER)
    assert page["Content-Type"].startswith("text/html")
    assert url_listings(queries) == [] and 'method="POST"' not in page.content.decode()


def test_a_production_server_answers_browsers_with_json(few_urls: None) -> None:
    with project.start_server({"SHORTENER_ENV": "production", "SHORTENER_SECRET_KEY": "s" * 50}) as server:
        answer = requests.get(f"{server.url}/api/url-visits/", headers={"Accept": BROWSER}, timeout=10)
        robots = requests.get(f"{server.url}/robots.txt", timeout=10)
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["count"] == 2
    assert robots.text == "User-agent: *\nDisallow: /api/\n"


def test_a_server_without_its_key_is_a_setup_problem() -> None:
    with pytest.raises(ServerError, match="SHORTENER_SECRET_KEY is not set"):
        project.start_server({"SHORTENER_ENV": "staging", "SHORTENER_SECRET_KEY": ""})


def test_seeding_after_a_delete_makes_no_duplicate_slug(few_urls: None) -> None:
    """Does seed_urls stay clear of slugs still in the table after rows were deleted?"""
    URL.objects.order_by("id").first().delete()
    call_command("seed_urls", 2, verbosity=0)
    assert URL.objects.count() == 4


def test_many_visits_get_valid_addresses(few_urls: None) -> None:
    import ipaddress

    call_command("seed_urls", 1, visits=70_000, verbosity=0)
    last = URLVisit.objects.order_by("-id").first()
    assert ipaddress.ip_address(last.ip) == ipaddress.ip_address("10.1.17.112")  # visit 70 000


def test_a_head_request_records_no_visit(few_urls: None) -> None:
    url = URL.objects.first()
    before = URLVisit.objects.count()
    answer = Client().head(f"/{url.slug}")
    assert answer.status_code == 302 and URLVisit.objects.count() == before


@pytest.mark.parametrize("link", ["ftp://example.com/file", "javascript:alert(1)", "https://"])
def test_only_web_links_are_shortened(link: str) -> None:
    answer = Client().post("/api/urls/", {"full_url": link}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json() == {"full_url": ["Enter a valid URL."]}


def test_production_lets_anonymous_clients_read_but_not_write(few_urls: None) -> None:
    client = Client()
    with project.api_with(settings.rest_framework_settings("production")):
        read = client.get("/api/urls/", HTTP_ACCEPT="application/json")
        write = client.post("/api/urls/", {"full_url": "https://example.org/"}, content_type="application/json")
        delete = client.delete(f"/api/urls/{URL.objects.first().id}/")
    assert read.status_code == 200
    assert (write.status_code, delete.status_code) == (401, 401)
    assert write["WWW-Authenticate"] == "Token"


def test_extra_host_names_come_from_the_environment() -> None:
    ok = manage_check(SHORTENER_SECRET_KEY="k" * 50, SHORTENER_ALLOWED_HOSTS=" short.example.com , ,api.example.com")
    assert ok.returncode == 0, ok.stderr
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SHORTENER_")}
    shown = subprocess.run(
        [*MANAGE, "shell", "-c", code],
        env={
            **environment,
            "SHORTENER_ENV": "staging",
            "SHORTENER_SECRET_KEY": "k" * 50,
            "SHORTENER_ALLOWED_HOSTS": "a.example, b.example",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.strip().splitlines()[-1] == "['127.0.0.1', 'localhost', 'a.example', 'b.example']"


def test_the_proxy_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTENER_PROXIES", "1")
    assert settings.rest_framework_settings("production")["NUM_PROXIES"] == 1
    monkeypatch.delenv("SHORTENER_PROXIES")
    assert settings.rest_framework_settings("production")["NUM_PROXIES"] == 0


CRAWLER = [sys.executable, "-m", "course.chapters.drf_browsable_api.crawler"]


def crawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CRAWLER, *args], capture_output=True, text=True, timeout=60)


def test_the_crawler_counts_what_a_server_answers(few_urls: None) -> None:
    with project.start_server({"SHORTENER_ENV": "development"}) as server:
        done = crawl(f"{server.url}/api/url-visits/", "--threads", "2", "--seconds", "0.5")
    counts = json.loads(done.stdout)
    assert done.returncode == 0 and set(counts) == {"200"} and counts["200"] >= 2


def test_the_crawler_counts_a_missing_server_as_errors() -> None:
    port = servers.free_port()
    done = crawl(f"http://127.0.0.1:{port}/", "--threads", "1", "--seconds", "0.3")
    assert done.returncode == 0 and set(json.loads(done.stdout)) == {"error"}


@pytest.mark.parametrize("args", [["--threads", "0"], ["--seconds", "0"]])
def test_the_crawler_refuses_nonsense(args: list[str]) -> None:
    done = crawl("http://127.0.0.1:1/", *args)
    assert done.returncode == 2
    assert "--threads must be 1 or more, --seconds more than 0" in done.stderr
