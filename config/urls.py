from django.contrib import admin
from django.templatetags.static import static
from django.urls import path, register_converter
from django.views.generic import RedirectView

from config.parsing import IdConverter

# Before the admin builds its URLs: the console's own pages name their ids <id:...>.
register_converter(IdConverter, "id")

admin.site.site_header = "Election operations console"
admin.site.site_title = "Election console"
admin.site.index_title = "Elections, stations and voter rolls"


class FaviconView(RedirectView):
    """Browsers ask every site for /favicon.ico: the console's icon, not a 404 on each visit.
    Resolved per request, so production's hashed static name is the one redirected to."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("rolls/favicon.ico")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
