"""Settings of the URL shortener, switched by environment variables.

SHORTENER_ENV picks one of three environments:

- ``development``: DRF's defaults, the browsable API with its HTML forms;
- ``staging``: the browsable API without forms, plus what production has;
- ``production``: JSON only, read-only for anonymous clients, pagination,
  throttling of anonymous clients.

A missing SHORTENER_ENV means production: a server whose variable was
forgotten must not serve the forms. The other variables:

- SHORTENER_DB: the SQLite file;
- SHORTENER_SECRET_KEY: the secret key, required outside development;
- SHORTENER_ALLOWED_HOSTS: more host names to serve, comma-separated;
- SHORTENER_PROXIES: how many proxies stand in front (nginx alone: 1);
- SHORTENER_SELECT_CUTOFF: DRF's HTML_SELECT_CUTOFF, or "none" to lift
  it, as before DRF 3.2.3.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "staging", "production")
ENVIRONMENT = os.environ.get("SHORTENER_ENV", "production")
if ENVIRONMENT not in ENVIRONMENTS:
    choices = ", ".join(ENVIRONMENTS)
    raise ImproperlyConfigured(
        f"SHORTENER_ENV is {ENVIRONMENT!r}; use one of {choices}"
    )
DEBUG = ENVIRONMENT == "development"

SECRET_KEY = os.environ.get("SHORTENER_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"SHORTENER_SECRET_KEY is not set: {ENVIRONMENT} needs one"
        )
    SECRET_KEY = "development-only-key-never-use-it-on-a-server"

ALLOWED_HOSTS = ["127.0.0.1", "localhost"] + (
    ["testserver"] if DEBUG else []
)
ALLOWED_HOSTS += [
    name.strip()
    for name in os.environ.get("SHORTENER_ALLOWED_HOSTS", "").split(",")
    if name.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "course.chapters.drf_browsable_api.links.apps.LinksConfig",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "course.chapters.drf_browsable_api.shortener.urls"
WSGI_APPLICATION = (
    "course.chapters.drf_browsable_api.shortener.wsgi.application"
)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get(
            "SHORTENER_DB", str(Path.cwd() / "shortener.sqlite3")
        ),
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
USE_TZ = True
TIME_ZONE = "UTC"


def select_cutoff():
    """DRF's HTML_SELECT_CUTOFF, or what SHORTENER_SELECT_CUTOFF says."""
    value = os.environ.get("SHORTENER_SELECT_CUTOFF", "").strip().lower()
    if not value:
        return 1000  # DRF's own default since 3.4.4
    if value == "none":
        return None
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"SHORTENER_SELECT_CUTOFF is {value!r}; use a number or 'none'"
        )
    return int(value)


def rest_framework_settings(environment):
    """The REST_FRAMEWORK setting for one environment."""
    shared = {
        "DEFAULT_AUTHENTICATION_CLASSES": [
            # The first one names the scheme of a 401: a bad token gets 401.
            "rest_framework.authentication.TokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "HTML_SELECT_CUTOFF": select_cutoff(),
        # How many proxies add to X-Forwarded-For; 0 trusts none of it.
        "NUM_PROXIES": int(os.environ.get("SHORTENER_PROXIES", "0")),
    }
    if environment == "development":
        return shared  # JSON and the browsable API, forms and all
    project = "course.chapters.drf_browsable_api.shortener"
    renderers = ["rest_framework.renderers.JSONRenderer"]
    if environment == "staging":
        renderers.append(f"{project}.renderers.BrowsableAPIWithoutForms")
    return {
        **shared,
        "DEFAULT_RENDERER_CLASSES": renderers,
        "DEFAULT_PERMISSION_CLASSES": [
            "rest_framework.permissions.IsAuthenticatedOrReadOnly"
        ],
        "DEFAULT_PAGINATION_CLASS": (
            "rest_framework.pagination.PageNumberPagination"
        ),
        "PAGE_SIZE": 100,
        "DEFAULT_THROTTLE_CLASSES": [
            "rest_framework.throttling.AnonRateThrottle"
        ],
        "DEFAULT_THROTTLE_RATES": {"anon": "60/minute"},
    }


REST_FRAMEWORK = rest_framework_settings(ENVIRONMENT)
