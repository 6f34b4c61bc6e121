from django.urls import path

from huizhi.registry import views

app_name = "registry"

urlpatterns = [
    path("console/registry/residents/", views.residents, name="residents"),
    path("console/registry/residents/export/", views.export, name="export"),
    path("console/registry/residents/<int:pk>/", views.resident_detail, name="resident"),
    path("console/registry/households/", views.households, name="households"),
    path("console/registry/import/", views.import_page, name="import"),
    path("console/registry/import/template.xlsx", views.import_template, name="import_template"),
    path("console/registry/import/<int:pk>/", views.import_result, name="import_result"),
    path("console/registry/import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("console/registry/import/<int:pk>/rejected.xlsx", views.import_rejected, name="import_rejected"),
    path("console/registry/access-log/", views.access_log, name="access_log"),
    path("m/households/", views.my_households, name="my_households"),
    path("m/group/", views.my_group, name="my_group"),
    path("me/home/", views.my_home, name="my_home"),
    path("console/registry/claims/", views.claims, name="claims"),
    path("console/registry/claims/<int:pk>/", views.decide, name="decide_claim"),
]
