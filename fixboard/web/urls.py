from django.urls import path, re_path

from .media import serve_media
from .views import downloads, maps, pages, report, requests

app_name = "web"

# Fixed paths first: a jurisdiction slug takes whatever first path segment is left.
urlpatterns = [
    path("", pages.home, name="home"),
    path("track/", pages.track, name="track"),
    path("media/<path:path>", serve_media, name="media"),
    path("requests/<str:public_id>/", requests.detail, name="request"),
    path("requests/<str:public_id>/support/", requests.support_view, name="support"),
    path("requests/<str:public_id>/follow/", requests.follow_view, name="follow"),
    path("requests/<str:public_id>/unfollow/", requests.unfollow_view, name="unfollow"),
    path("requests/<str:public_id>/comment/", requests.comment_view, name="comment"),
    path("requests/<str:public_id>/reopen/", requests.reopen_view, name="reopen"),
    path(
        "requests/<str:public_id>/comments/<int:comment_id>/flag/",
        requests.flag_comment_view,
        name="flag_comment",
    ),
    path(
        "requests/<str:public_id>/comments/<int:comment_id>/hide/",
        requests.moderate_comment_view,
        {"hide": True},
        name="hide_comment",
    ),
    path(
        "requests/<str:public_id>/comments/<int:comment_id>/restore/",
        requests.moderate_comment_view,
        {"hide": False},
        name="restore_comment",
    ),
    path("<slug:slug>/", maps.city_map, name="map"),
    path("<slug:slug>/list/", maps.city_list, name="list"),
    path("<slug:slug>/map.json", maps.map_data, name="map_data"),
    re_path(
        r"^(?P<slug>[-\w]+)/requests\.(?P<fmt>csv|geojson)$", downloads.download, name="download"
    ),
    path("<slug:slug>/areas.geojson", maps.areas_geojson, name="areas_geojson"),
    path("<slug:slug>/areas/<slug:kind>/<str:code>/", maps.area_page, name="area"),
    path("<slug:slug>/report/", report.report, name="report"),
    path("<slug:slug>/report/questions/", report.questions, name="questions"),
    path("<slug:slug>/report/nearby/", report.nearby, name="nearby"),
    path("<slug:slug>/report/sent/<str:public_id>/", report.report_sent, name="report_sent"),
    path("<slug:slug>/addresses/", report.addresses, name="addresses"),
    path("<slug:slug>/addresses/nearest/", report.nearest_address, name="nearest_address"),
]
