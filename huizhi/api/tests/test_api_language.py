"""The API's own messages go through gettext: each answer is in the language the client asks for
(Accept-Language), simplified Chinese when it asks for none (the deployment's language)."""

import pytest

from huizhi.api.tests.clients import key_client
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

# A form body over DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB) but under HUIZHI_MAX_REQUEST_MB: Django
# refuses it when the API reads it, and the API answers with its own 413.
TOO_BIG = {"title": "垃圾", "description": "长" * (1024 * 1024)}


@pytest.mark.parametrize(
    ("language", "message"),
    [({}, "请求内容过大。"), ({"HTTP_ACCEPT_LANGUAGE": "en"}, "The request is too large.")],
    ids=["default", "en"],
)
def test_a_message_the_api_writes_is_in_the_language_asked_for(language, message):
    response = key_client(f.HUAYUAN).post("/api/v1/cases/", TOO_BIG, **language)
    assert response.status_code == 413, response.content[:200]
    assert response.json() == {"code": "too_large", "message": message}


def test_a_refusal_at_the_door_is_in_the_language_asked_for_too():
    # Refused by a middleware that runs before the language is chosen for the view.
    client = key_client(f.HUAYUAN)
    english = client.get("/api/v1/cases/", {"place": "34\x0011"}, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/cases/", {"place": "34\x0011"})
    assert english.status_code == chinese.status_code == 400
    assert english.json()["message"] == "The request contains a NUL character, which no field accepts."
    assert chinese.json()["message"] == "请求中含有空字符（NUL），任何字段都不接受。"
