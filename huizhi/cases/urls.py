from django.urls import path

from huizhi.cases import views

app_name = "cases"

urlpatterns = [
    path("console/cases/", views.queue, name="queue"),
    path("console/cases/new/", views.report, name="report"),
    path("console/cases/<int:pk>/", views.detail, name="detail"),
    path("console/cases/<int:pk>/act/", views.act, name="act"),
    path("console/cases/<int:pk>/supervise/", views.supervise, name="supervise"),
    path("console/cases/<int:pk>/rate/", views.rate, name="rate"),
    path("console/cases/<int:pk>/call/reporter/", views.call, {"who": "reporter"}, name="call_reporter"),
    path("console/cases/<int:pk>/call/unit/", views.call, {"who": "unit"}, name="call_unit"),
    path("console/notices/<int:pk>/answer/", views.answer_notice, name="answer_notice"),
    path("console/photos/<int:pk>/", views.photo, name="photo"),
    path("console/supervision/", views.supervision, name="supervision"),
    path("console/callbacks/", views.callbacks, name="callbacks"),
    path("console/recurring/", views.recurring, name="recurring"),
    path("console/categories/", views.categories, name="categories"),
    path("console/categories/grid-dispatch/", views.grid_dispatch, name="grid_dispatch"),
    path("console/categories/<str:code>/", views.category_edit, name="category_edit"),
    path("inbox/", views.inbox, name="inbox"),
    path("m/report/", views.report, {"phone": True}, name="report_phone"),
    path("m/tasks/", views.my_tasks, name="my_tasks"),
]
