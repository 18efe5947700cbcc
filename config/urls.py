from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Election operations console"
admin.site.site_title = "Election console"
admin.site.index_title = "Elections, stations and voter rolls"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
