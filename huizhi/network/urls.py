from django.urls import path

from huizhi.network import views

app_name = "network"

urlpatterns = [
    path("console/network/", views.index, name="index"),
    path("console/network/groups/<int:pk>/", views.group, name="group"),
    # /m/group/ is the registry's roster of names (registry:my_group, mounted first); this page
    # is the liaison's working page of the group and links that roster.
    path("m/liaison/", views.my_group, name="my_group"),
    path("me/partner/", views.partner, name="partner"),
    path("me/partner/take-on/<int:pk>/", views.take_on, name="take_on"),
]
