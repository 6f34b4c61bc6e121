from django.urls import path

from huizhi.intake import views

app_name = "intake"

urlpatterns = [
    path("intake/suggest/", views.suggest, name="suggest"),
    path("intake/duplicates/", views.duplicates, name="duplicates"),
    path("intake/support/<int:pk>/", views.support, name="support"),
    path("intake/hot/", views.hot, name="hot"),
]
