from django.urls import path

from huizhi.site import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/", views.console, name="console"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
