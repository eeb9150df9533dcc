"""Settings of the small project the exercise checks run in a container: the pages app on SQLite."""

from pathlib import Path

SECRET_KEY = "only-for-the-checks"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.contenttypes", "pages"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": Path("/tmp/checks.sqlite3")}}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
