from django.urls import path

from huizhi.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("console/", views.console, name="console"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
