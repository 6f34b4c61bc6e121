from django.urls import path

from huizhi.places import views

app_name = "places"

urlpatterns = [
    path("console/overview/", views.overview, name="overview"),
    path("console/grids/", views.grids, name="grids"),
    path("console/grids/<str:code>/", views.grid_detail, name="grid_detail"),
    path("m/grids/", views.my_grids, name="my_grids"),
]
