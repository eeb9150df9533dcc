"""The WSGI application a server (waitress, gunicorn, uwsgi) runs."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault(
    "DJANGO_SETTINGS_MODULE",
    "course.chapters.drf_browsable_api.shortener.settings",
)
application = get_wsgi_application()
