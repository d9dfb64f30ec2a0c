from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView


def favicon(request):
    """Pages name their icon; a client asking the old way (/favicon.ico) still finds it."""
    return HttpResponsePermanentRedirect(static("ssaas/img/favicon.svg"))


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
]
