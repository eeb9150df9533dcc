"""The API's viewsets, the redirect that records a visit, and robots.txt."""

import functools

from django.http import (
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseRedirect,
)
from rest_framework import viewsets

from .models import URL, URLVisit
from .serializers import URLSerializer, URLVisitSerializer


class URLViewSet(viewsets.ModelViewSet):
    queryset = URL.objects.all()
    serializer_class = URLSerializer


class URLVisitViewSet(viewsets.ModelViewSet):
    queryset = URLVisit.objects.all()
    serializer_class = URLVisitSerializer


def get_only(view):
    """Answer any method but GET and HEAD with a 405 that says so.

    Django's own require_safe does the same with an empty body.
    """

    @functools.wraps(view)
    def only_get(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(
                ["GET", "HEAD"],
                f"{request.method} is not allowed here; use GET.\n",
                content_type="text/plain",
            )
        return view(request, *args, **kwargs)

    return only_get


@get_only
def follow(request, slug):
    """Redirect a short URL to its full URL, and record a GET as a visit.

    REMOTE_ADDR is the client here. Behind nginx it is nginx, and the
    client's address comes in the X-Forwarded-For header nginx sets.
    """
    url = URL.objects.filter(slug=slug).first()
    if url is None:
        return HttpResponseNotFound(
            f"No short URL {slug!r} here.\n", content_type="text/plain"
        )
    if request.method == "GET":  # a HEAD only asks where the link goes
        URLVisit.objects.create(
            url=url,
            ip=request.META["REMOTE_ADDR"],
            user_agent=request.headers.get("User-Agent", ""),
        )
    return HttpResponseRedirect(url.full_url)


ROBOTS = "User-agent: *\nDisallow: /api/\n"


@get_only
def robots(request):
    """Ask crawlers to keep out of the API (only polite ones will)."""
    return HttpResponse(ROBOTS, content_type="text/plain")
