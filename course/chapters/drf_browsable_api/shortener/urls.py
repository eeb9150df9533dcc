"""The shortener's URLs: the API under /api/, short URLs at the root."""

from django.urls import include, path
from django.views.generic import RedirectView
from rest_framework.routers import DefaultRouter

from course.chapters.drf_browsable_api.links import views

router = DefaultRouter()
router.register("urls", views.URLViewSet)
router.register("url-visits", views.URLVisitViewSet)

urlpatterns = [
    path("", RedirectView.as_view(url="/api/", permanent=False)),
    path("robots.txt", views.robots),
    path("api/", include(router.urls)),
    path("<slug:slug>", views.follow, name="follow"),
]
