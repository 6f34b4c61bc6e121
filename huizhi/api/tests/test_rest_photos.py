"""Photos through the REST API: a new case and a `report_result` transition take photo files as
multipart/form-data, checked and stored by the case services exactly as the pages' photos are
(re-encoded, without EXIF); a file that is not a photo is a 400 naming `photos`, and nothing is
saved. The document shows both multipart bodies.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.api.keys import api_key_create
from huizhi.cases.models import Case, CaseEvent, CasePhoto
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def token_client(username: str) -> APIClient:
    token, _ = Token.objects.get_or_create(user=f.user(username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def key_client(code: str) -> APIClient:
    _, raw = api_key_create(name="12345热线", place=f.place(code))
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def report(**changes) -> dict:
    return {
        "category": f.GARBAGE,
        "title": "扬天小区11栋门口暴露垃圾",
        "description": "单元门口堆放生活垃圾，无人清运。",
        "place": f.building_11().code,
        **changes,
    }


def not_a_photo(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 not a photo at all", content_type="image/jpeg")


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_refused_naming_photos(response) -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "bad_photo"
    assert "photos" in body["fields"], body
    assert body["message"]
    return body


# --- a new case -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["token", "key"])
def test_a_new_case_takes_photos_stored_without_their_exif_gps(media, who):
    client = token_client("gridworker") if who == "token" else key_client(f.HUAYUAN)
    upload = f.jpeg("IMG_0001.jpg", gps=True, size=(320, 240))
    with Image.open(upload) as original:  # the upload really carries a position
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    upload.seek(0)

    response = client.post(CASES, report(photos=[upload, f.jpeg("IMG_0002.jpg")]), format="multipart")

    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    photos = CasePhoto.objects.filter(event__case=case, event__action="report")
    assert photos.count() == 2
    assert {(p.width, p.height) for p in photos} == {(320, 240), (64, 48)}
    stored = stored_files(media)
    assert len(stored) == 2
    for path in stored:
        with Image.open(path) as saved:
            assert saved.format == "JPEG"
            assert len(saved.getexif()) == 0
        assert b"Exif" not in path.read_bytes()
    assert not any("IMG_000" in p.image.name for p in photos)


def test_a_new_case_without_photos_is_still_taken_as_multipart():
    response = token_client("gridworker").post(CASES, report(), format="multipart")
    assert response.status_code == 201, response.content
    assert not CasePhoto.objects.filter(event__case_id=response.json()["id"]).exists()


def test_a_file_that_is_not_a_photo_is_a_400_naming_photos_and_files_nothing(media):
    before = counts()

    response = token_client("gridworker").post(
        CASES, report(photos=[f.jpeg("good.jpg"), not_a_photo()]), format="multipart"
    )

    body = assert_refused_naming_photos(response)
    assert "notes.jpg" in body["message"]  # which file, as the pages say it
    assert counts() == before
    assert stored_files(media) == []


def test_photos_sent_as_json_text_are_a_400_naming_photos():
    before = counts()
    response = token_client("gridworker").post(CASES, report(photos=["aGVsbG8="]), format="json")
    assert response.status_code == 400, response.content
    assert "photos" in response.json()["fields"]
    assert counts() == before


def test_the_other_fields_are_checked_as_before_when_photos_come_along():
    before = counts()
    response = token_client("gridworker").post(
        CASES, report(title="   ", photos=[f.jpeg()]), format="multipart"
    )
    assert response.status_code == 400
    assert "title" in response.json()["fields"]
    assert counts() == before


# --- a result ------------------------------------------------------------------------------------


def result(client: APIClient, case: Case, **extra):
    data = {"action": "report_result", "note": "已疏通。", "expected_version": case.version, **extra}
    return client.post(f"{CASES}{case.pk}/transitions/", data, format="multipart")


def test_a_result_photo_satisfies_a_category_that_requires_one(media):
    case = f.case_in(Status.HANDLING, category_code=f.DRAIN)
    assert case.category.requires_result_photo

    response = result(token_client("repair_crew"), case, photos=[f.jpeg("after.jpg", gps=True)])

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.HANDLED
    event = CaseEvent.objects.get(case=case, action="report_result")
    assert event.photos.count() == 1
    (path,) = stored_files(media)
    with Image.open(path) as saved:
        assert len(saved.getexif()) == 0


def test_a_result_without_the_photo_is_still_refused_as_multipart_naming_photos():
    case = f.case_in(Status.HANDLING, category_code=f.DRAIN)

    response = result(token_client("repair_crew"), case)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "missing_photo"
    assert "photos" in body["fields"]
    case.refresh_from_db()
    assert case.status == Status.HANDLING


def test_a_result_with_a_file_that_is_not_a_photo_changes_nothing(media):
    case = f.case_in(Status.HANDLING, category_code=f.DRAIN)
    before = counts()

    response = result(token_client("repair_crew"), case, photos=[not_a_photo("after.pdf")])

    assert_refused_naming_photos(response)
    case.refresh_from_db()
    assert case.status == Status.HANDLING
    assert counts() == before
    assert stored_files(media) == []


# --- the document --------------------------------------------------------------------------------


def test_the_document_shows_the_multipart_bodies_with_their_photo_files():
    document = json.loads(APIClient().get("/api/v1/schema/", {"format": "json"}).content)
    schemas = document["components"]["schemas"]

    for path in ("/api/v1/cases/", "/api/v1/cases/{id}/transitions/"):
        content = document["paths"][path]["post"]["requestBody"]["content"]
        assert {"application/json", "multipart/form-data"} <= set(content), path
        multipart = schemas[content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]]
        photos = multipart["properties"]["photos"]
        assert photos["type"] == "array"
        assert photos["items"] == {"type": "string", "format": "binary"}
        as_json = schemas[content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]]
        assert "photos" not in as_json["properties"]  # JSON carries no files
