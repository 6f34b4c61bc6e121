from django.urls import path

from huizhi.meetings import topic_views, views

app_name = "meetings"

urlpatterns = [
    path("console/meetings/", views.index, name="index"),
    path("console/meetings/new/", views.new, name="new"),
    path("console/meetings/decisions/overdue/", views.overdue, name="overdue"),
    path("console/meetings/calendar/", views.calendar, name="calendar"),
    path("console/meetings/venues/", views.venues, name="venues"),
    path("console/meetings/topics/agenda/", topic_views.topic_to_agenda, name="topic_to_agenda"),
    path("console/meetings/<int:pk>/", views.detail, name="detail"),
    path("console/meetings/<int:pk>/invite/", views.invite, name="invite"),
    path("console/meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("console/meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("console/meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("console/meetings/<int:pk>/decisions/", views.decide, name="decide"),
    path("console/meetings/<int:pk>/decisions/<int:decision_id>/progress/", views.progress, name="progress"),
    path("console/meetings/<int:pk>/decisions/<int:decision_id>/case/", views.spawn_case, name="spawn_case"),
    path("console/meetings/<int:pk>/commendations/", views.commend, name="commend"),
    path("m/meetings/<int:pk>/sign-in/", views.sign_in, name="sign_in"),
    path("commendations/<str:code>/", views.commendations, name="commendations"),
]
