from django.urls import path

from huizhi.accounts import place_views as views

# The place tree's pages keep their namespace and addresses; only their code moved up to accounts,
# because each one asks which places the signed-in user's roles reach (place_views.py).
app_name = "places"

urlpatterns = [
    path("console/overview/", views.overview, name="overview"),
    path("console/grids/", views.grids, name="grids"),
    path("console/grids/<str:code>/", views.grid_detail, name="grid_detail"),
    path("m/grids/", views.my_grids, name="my_grids"),
    path("places/search/", views.place_search, name="search"),
]
