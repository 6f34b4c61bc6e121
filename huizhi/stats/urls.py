from django.urls import path

from huizhi.stats import views

app_name = "stats"

urlpatterns = [
    path("console/stats/", views.dashboard, name="dashboard"),
    path("console/stats/report/", views.monthly_report, name="report"),
    path("console/stats/map/", views.map_view, name="map"),
    path("console/stats/hot/", views.hot, name="hot"),
    path("console/stats/tables/<slug:key>.xlsx", views.download, name="download"),
]
