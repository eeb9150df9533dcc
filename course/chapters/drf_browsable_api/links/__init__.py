"""The one app: short URLs, their visits, the API and the redirects."""
