"""The Django admin works for every model, in Chinese by default."""

import pytest
from django.contrib import admin

from huizhi.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}"
)
def test_every_registered_model_lists_and_opens_for_the_superuser(client, model):
    client.force_login(User.objects.get(username="admin"))
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert client.get(base).status_code == 200
    first = model._default_manager.first()
    if first is not None:
        assert client.get(f"{base}{first.pk}/change/").status_code == 200


def test_every_app_model_is_registered():
    from django.apps import apps

    ours = [m for m in apps.get_models() if m.__module__.startswith("huizhi.")]
    missing = [m.__name__ for m in ours if m not in admin.site._registry]
    assert missing == []


def test_admin_index_speaks_chinese_by_default(client):
    client.force_login(User.objects.get(username="admin"))
    html = client.get("/admin/").content.decode()
    assert "网格" in html and "案件" in html and "小区" in html


def test_staff_without_superuser_cannot_open_the_admin(client):
    client.force_login(User.objects.get(username="huayuan_staff"))
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
