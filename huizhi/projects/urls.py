from django.urls import path

from huizhi.projects import views

app_name = "projects"

urlpatterns = [
    path("console/projects/", views.index, name="index"),
    path("console/projects/new/", views.new, name="new"),
    path("console/projects/match/", views.match, name="match"),
    path("console/projects/lists/", views.lists, name="lists"),
    path("console/projects/lists/needs/", views.need_new, name="need_new"),
    path("console/projects/lists/resources/", views.resource_new, name="resource_new"),
    path("console/projects/resources/<int:pk>/", views.resource_edit, name="resource_edit"),
    path("console/projects/decisions/<int:decision_id>/", views.from_decision, name="from_decision"),
    path("console/projects/<int:pk>/", views.detail, name="detail"),
    path("console/projects/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("console/projects/<int:pk>/progress/", views.progress, name="progress"),
    path("console/projects/<int:pk>/complete/", views.complete, name="complete"),
    path("console/projects/milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("me/lists/", views.unit_lists, name="unit_lists"),
]
