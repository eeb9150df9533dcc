"""The URL shortener's Django project: settings, URLs, WSGI entry point, renderers."""
