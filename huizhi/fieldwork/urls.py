from django.urls import path

from huizhi.fieldwork import views

app_name = "fieldwork"

urlpatterns = [
    path("m/patrol/", views.patrol, name="patrol"),
    path("m/patrol/start/", views.start, name="start"),
    path("m/patrol/stop/", views.stop, name="stop"),
    path("m/patrol/check-in/", views.check_in, name="check_in"),
    path("m/patrol/fix/", views.fix, name="fix"),
    path("m/visits/", views.visits, name="visits"),
    path("m/visits/<int:pk>/", views.visit, name="visit"),
    path("console/patrols/", views.console_patrols, name="console_patrols"),
    path("console/patrols/spot-checks/", views.spot_checks, name="spot_checks"),
    path("console/patrols/spot-checks/<int:pk>/", views.spot_check, name="spot_check"),
    path("console/patrols/<int:pk>/", views.patrol_detail, name="patrol_detail"),
    path("console/visits/cadence/", views.cadences, name="cadences"),
]
