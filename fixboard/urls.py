from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/", include("fixboard.open311.urls")),
    path("api/", include("fixboard.api.urls")),
    path("", include("fixboard.notify.urls")),
    path("", include("fixboard.channels.urls")),
    path("console/", include("fixboard.console.urls")),
    path("", include("fixboard.work.urls")),
    path("", include("fixboard.web.urls")),
]
