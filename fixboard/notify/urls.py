from django.urls import path
from django.views.decorators.cache import cache_control

from . import feeds, views, webhooks, widget

# Feed readers poll; a few minutes of caching by them and by proxies costs residents nothing.
cached = cache_control(public=True, max_age=300)

app_name = "notify"

urlpatterns = [
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("signin/", views.signin, name="signin"),
    path("signin/<str:token>/", views.signin_link, name="signin-link"),
    path("signout/", views.signout, name="signout"),
    path("my/", views.my_reports, name="my-reports"),
    path("notify/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notify/watch/confirm/<str:token>/", views.watch_confirm, name="watch-confirm"),
    path("notify/follow/confirm/<str:token>/", views.follow_confirm, name="follow-confirm"),
    path("notify/comment/confirm/<str:token>/", views.comment_confirm, name="comment-confirm"),
    path("notify/fixed/<str:answer>/<str:token>/", views.fixed_check, name="fixed-check"),
    path("notify/watch/<slug:jurisdiction>/", views.watch, name="watch"),
    path("feeds/<slug:jurisdiction>/", cached(feeds.JurisdictionFeed()), name="feed-jurisdiction"),
    path(
        "feeds/<slug:jurisdiction>/areas/<int:area_id>/", cached(feeds.AreaFeed()), name="feed-area"
    ),
    path(
        "feeds/<slug:jurisdiction>/services/<slug:service_code>/",
        cached(feeds.ServiceTypeFeed()),
        name="feed-service",
    ),
    path("sms/status/", webhooks.sms_status, name="sms-status"),
    path("widget/embed.js", widget.script, name="widget-script"),
    path("widget/<slug:jurisdiction>/", widget.builder, name="widget"),
    path("widget/<slug:jurisdiction>/frame/", widget.frame, name="widget-frame"),
]
