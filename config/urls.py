from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, register_converter
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from config.parsing import IdConverter

# Before the admin builds its URLs: the console's own pages name their ids <id:...>.
register_converter(IdConverter, "id")

admin.site.site_header = _("Election operations console")
admin.site.site_title = _("Election console")
admin.site.index_title = _("Elections, stations and voter rolls")


class FaviconView(RedirectView):
    """Browsers ask every site for /favicon.ico: the console's icon, not a 404 on each visit.
    Resolved per request, so production's hashed static name is the one redirected to."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("rolls/favicon.ico")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("admin/", admin.site.urls),
    # The header's language selector posts to set_language, which keeps the choice in a
    # cookie that LocaleMiddleware reads on every request.
    path("i18n/", include("django.conf.urls.i18n")),
    # The console scripts' strings (the djangojs catalog), as gettext() in the browser.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
