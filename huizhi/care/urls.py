from django.urls import path

from huizhi.care.views import childcare, resident, station, summer, volunteers, watch

app_name = "care"

urlpatterns = [
    path("console/care/station/", station.stations, name="stations"),
    path("console/care/station/<int:pk>/", station.station, name="station"),
    path("console/care/station/<int:pk>/home-service/", station.home_service, name="home_service"),
    path("console/care/sessions/<int:pk>/", station.session, name="session"),
    path("console/care/enrolments/<int:pk>/check-in/", station.session_check_in, name="session_check_in"),
    path("console/care/watch/", watch.dashboard, name="watch"),
    path("console/care/watch/build/", watch.build, name="watch_build"),
    path("console/care/watch/add/", watch.add, name="watch_add"),
    path("console/care/watch/<int:pk>/", watch.watched, name="watched"),
    path("console/care/watch/<int:pk>/remove/", watch.remove, name="watch_remove"),
    path("console/care/watchers/<int:pk>/remove/", watch.watcher_remove, name="watcher_remove"),
    path("m/care/watch/", watch.phone, name="watch_phone"),
    path("m/care/watch/log/", watch.log, name="watch_log"),
    path("m/care/watch/<int:pk>/call/", watch.call, name="watch_call"),
    path("console/care/childcare/", childcare.register, name="childcare"),
    path("console/care/childcare/classes/<int:pk>/enrol/", childcare.enrol, name="childcare_enrol"),
    path("console/care/childcare/classes/<int:pk>/carers/", childcare.carer_add, name="carer_add"),
    path("console/care/childcare/carers/<int:pk>/remove/", childcare.carer_remove, name="carer_remove"),
    path(
        "console/care/childcare/enrolments/<int:pk>/check-in/", childcare.check_in, name="childcare_check_in"
    ),
    path("console/care/childcare/pick-up/", childcare.pick_up, name="childcare_pick_up"),
    path("console/care/childcare/applications/", childcare.applications, name="childcare_applications"),
    path(
        "console/care/childcare/applications/<int:pk>/accept/",
        childcare.application_accept,
        name="childcare_application_accept",
    ),
    path(
        "console/care/childcare/applications/<int:pk>/refuse/",
        childcare.application_refuse,
        name="childcare_application_refuse",
    ),
    path("console/care/childcare/classes/<int:pk>/roster/", childcare.roster, name="childcare_roster"),
    path("console/care/childcare/roster/off/", childcare.day_off, name="carer_day_off"),
    path("console/care/childcare/roster/on/", childcare.day_on, name="carer_day_on"),
    path("console/care/alerts/<int:pk>/clear/", childcare.alert_clear, name="alert_clear"),
    path("console/care/summer/", summer.terms, name="summer"),
    path("console/care/summer/<int:pk>/", summer.term, name="summer_term"),
    path("console/care/summer/sessions/<int:pk>/", summer.session, name="summer_session"),
    path(
        "console/care/summer/sessions/<int:pk>/sign-in/",
        summer.sign,
        {"direction": "in"},
        name="summer_sign_in",
    ),
    path(
        "console/care/summer/sessions/<int:pk>/sign-out/",
        summer.sign,
        {"direction": "out"},
        name="summer_sign_out",
    ),
    path("console/care/volunteers/", volunteers.volunteers, name="volunteers"),
    path("console/care/volunteers/export.xlsx", volunteers.export, name="volunteers_export"),
    path("console/care/volunteers/register/", volunteers.register, name="volunteer_register"),
    path("console/care/volunteers/<int:pk>/", volunteers.volunteer, name="volunteer"),
    path("console/care/hours/<int:pk>/confirm/", volunteers.confirm, name="hours_confirm"),
    path("care/", resident.mine, name="mine"),
    path("care/sessions/<int:pk>/enrol/", resident.enrol_session, name="enrol_session"),
    path("care/summer/<int:pk>/enrol/", resident.enrol_summer, name="enrol_summer"),
    path("care/childcare/apply/<int:child>/", resident.childcare_apply, name="childcare_apply"),
]
