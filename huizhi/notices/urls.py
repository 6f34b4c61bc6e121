from django.urls import path

from huizhi.notices import views

app_name = "notices"

urlpatterns = [
    path("console/notices/", views.console, name="console"),
    path("console/notices/new/", views.new, name="new"),
    path("console/notices/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("notices/<str:code>/", views.public, name="public"),
    path("me/areas/", views.my_areas, name="my_areas"),
]
