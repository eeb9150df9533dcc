"""The Django project: settings, URLs, WSGI entry point, renderers."""
