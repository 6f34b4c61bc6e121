from django.urls import path

from huizhi.wall import views

app_name = "wall"

urlpatterns = [
    path("wall/", views.index, name="index"),
    path("wall/login/", views.sign_in, name="login"),
    path("wall/post/", views.new_post, name="new_post"),
    path("wall/post/<int:pk>/nearby/", views.draft, name="draft"),
    path("wall/mine/", views.mine, name="mine"),
    path("wall/mine/<int:pk>/", views.my_post, name="my_post"),
    path("wall/item/<int:pk>/", views.item, name="item"),
    path("wall/item/<int:pk>/support/", views.support, name="support"),
    path("wall/item/<int:pk>/claim/", views.claim, name="claim"),
    path("wall/item/<int:pk>/respond/", views.respond, name="respond"),
    path("wall/photos/<int:pk>/", views.photo, name="photo"),
    path("wall/after/<int:pk>/", views.after_photo, name="after_photo"),
    path("wall/<str:code>/", views.wall, name="wall"),
    path("wall/<str:code>/echo/", views.echo, name="echo"),
    path("console/wall/", views.queue, name="queue"),
    path("console/wall/templates/", views.templates, name="templates"),
    path("console/wall/templates/<int:pk>/", views.templates, name="template_edit"),
    path("console/wall/<int:pk>/", views.triage, name="triage"),
]
