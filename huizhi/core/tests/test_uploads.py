"""Upload sweep: every path that takes a file from a person gets the same hostile files.

A 194 KB PNG can declare 40,000 × 40,000 pixels, and decoding a 17 KB one of 12,000 × 12,000 takes
a worker from 176 MB to over 1 GB, so images are judged by their header before decoding. Here each
photo path gets pixel bombs, an oversized file, files of the wrong type and a JPEG carrying a GPS
position; the residents import gets a zip bomb and the same wrong types. Each refusal must be a
400 with a message saying why, store nothing, and decode nothing (the decoders are replaced by
ones that fail the test when called); an accepted phone photo is stored without its EXIF.

`test_every_upload_path_is_in_the_sweep` finds the forms with file fields and the views that read
request.FILES, so a new upload path fails the suite until it is added here.
"""

import importlib
import io
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import ExifTags, Image, ImageFile

from huizhi.accounts.models import User
from huizhi.cases.models import CasePhoto, Category
from huizhi.cases.services import case_report, case_transition
from huizhi.cases.states import Source
from huizhi.core.admin import ReadOnlyAdmin
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.registry import sheet
from huizhi.registry.forms import ImportForm
from huizhi.registry.models import Household, ImportJob, Resident
from huizhi.wall.models import PostPhoto
from huizhi.wall.tests.helpers import resident

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
MB = 1024 * 1024
TOO_MANY_PIXELS = "“%(name)s” has too many pixels; send a photo of at most %(mp)d megapixels."
NOT_A_PHOTO = "“%(name)s” is not a photo we can read (JPEG, PNG, WebP or GIF)."
PHOTO_TOO_LARGE = "“%(name)s” is larger than %(mb)d MB."


# --- the files --------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of any size, built row by row: 40,000² is about 190 KB and never
    exists in memory as pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)
    squeeze = zlib.compressobj(9)
    data = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def jpeg(size=(64, 48), *, exif=None, noise=False) -> bytes:
    out = io.BytesIO()
    if noise:  # incompressible: a file as large as its pixels
        image = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (30, 140, 200))
    image.save(out, format="JPEG", quality=95, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def gps_exif() -> Image.Exif:
    """EXIF with a GPS position (扬天小区, to the metre) and the phone's make."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (32.0, 18.0, 27.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (118.0, 18.0, 55.1)
    return exif


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script><img src=x></body></html>"
TEXT = "楼道里堆满杂物，请尽快清理。\n".encode() * 20


@pytest.fixture(scope="module")
def pixel_bomb() -> bytes:
    data = blank_png(40_000, 40_000)
    assert len(data) < 250 * 1024  # as small as the review's
    return data


@pytest.fixture(scope="module")
def big_blank() -> bytes:
    data = blank_png(12_000, 12_000)
    assert len(data) < 40 * 1024
    return data


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any image is decoded (a refused bomb must be refused from its header)."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"decoded a {self.format} of {self.size}")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return escape(translation.gettext(message))


# --- the photo paths ----------------------------------------------------------------------------------


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")


def _report_fields() -> dict:
    return {
        "category": Category.objects.get(code="0101").pk,
        "title": "扬天小区11栋门口暴露垃圾",
        "description": "单元门口堆放生活垃圾，无人清运。",
        "place": _building_11().pk,
    }


def post_case_report(client, upload, *, phone=False):
    client.force_login(_user("gridworker"))
    url = reverse("cases:report_phone" if phone else "cases:report")
    return client.post(url, {**_report_fields(), "photos": upload})


def _drain_case_being_handled():
    """A case whose category requires a result photo (下水道 1105), started by the repair crew."""
    case = case_report(
        actor=_user("gridworker"),
        category=Category.objects.get(code="1105"),
        source=Source.PATROL,
        title="扬天小区11栋下水堵塞",
        description="下水道堵塞，污水外溢。",
        place=_building_11(),
    )
    staff = _user("huayuan_staff")
    case_transition(actor=staff, case_id=case.pk, action="accept")
    unit = Organisation.objects.get(name="花园街社区红色汇治维修队")
    case_transition(actor=staff, case_id=case.pk, action="dispatch", unit=unit)
    return case_transition(actor=_user("repair_crew"), case_id=case.pk, action="start")


def post_case_result(client, upload):
    """The handling unit's result photo on a case that requires one (下水道 1105)."""
    case = _drain_case_being_handled()
    client.force_login(_user("repair_crew"))
    return client.post(
        reverse("cases:act", args=[case.pk]),
        {"action": "report_result", "version": case.version, "note": "已疏通。", "photos": upload},
    )


def post_wall(client, upload):
    client.force_login(resident("13966660001"))
    fields = {**_report_fields(), "category": Category.objects.get(code="0801").pk}
    fields["place"] = Place.objects.get(kind=PlaceKind.COMPOUND, name="扬天小区").pk
    return client.post(reverse("wall:new_post"), {**fields, "photos": upload})


def post_fix_on_spot(client, upload):
    """Found and fixed on the spot: the same file as the photo before and the photo after."""
    client.force_login(_user("gridworker"))
    fields = {**_report_fields(), "done": "已清理干净。"}
    upload.seek(0)
    after = SimpleUploadedFile(upload.name, upload.read(), upload.content_type)
    upload.seek(0)
    return client.post(reverse("fieldwork:fix"), {**fields, "photos_before": upload, "photos_after": after})


def _token(username: str) -> dict:
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=_user(username))
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post_rest_filing(client, upload):
    """A phone app filing through the REST API, multipart with its photo."""
    fields = {**_report_fields(), "category": "0101", "place": _building_11().code}
    return client.post("/api/v1/cases/", {**fields, "photos": upload}, **_token("gridworker"))


def post_rest_result(client, upload):
    """The handling unit's result photo through the REST API's report_result transition."""
    case = _drain_case_being_handled()
    return client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"action": "report_result", "note": "已疏通。", "photos": upload},
        **_token("repair_crew"),
    )


PHOTO_PATHS = {
    "case report": post_case_report,
    "case report on the phone": lambda client, upload: post_case_report(client, upload, phone=True),
    "case result photo": post_case_result,
    "wall post": post_wall,
    "REST filing": post_rest_filing,
    "REST result photo": post_rest_result,
    "fix on the spot": post_fix_on_spot,
}
# A fix on the spot stores its photo before and its photo after.
PHOTOS_PER_UPLOAD = {"fix on the spot": 2}


def stored_photos() -> tuple[int, int]:
    return CasePhoto.objects.count(), PostPhoto.objects.count()


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"


def assert_refused(response, message: str, before, settings):
    assert response.status_code == 400, response.content[:500]
    assert message in response.content.decode()
    assert stored_photos() == before
    assert media_files(settings) == []


@pytest.mark.parametrize("path", PHOTO_PATHS)
def test_a_pixel_bomb_is_refused_from_its_header(client, settings, path, pixel_bomb, no_decoding):
    before = stored_photos()
    response = PHOTO_PATHS[path](client, SimpleUploadedFile("bomb.png", pixel_bomb, "image/png"))
    assert_refused(response, zh(TOO_MANY_PIXELS) % {"name": "bomb.png", "mp": 16}, before, settings)


@pytest.mark.parametrize("path", PHOTO_PATHS)
def test_a_12000_square_png_is_refused_without_decoding(client, settings, path, big_blank, no_decoding):
    before = stored_photos()
    response = PHOTO_PATHS[path](client, SimpleUploadedFile("big.png", big_blank, "image/png"))
    assert_refused(response, zh(TOO_MANY_PIXELS) % {"name": "big.png", "mp": 24}, before, settings)


@pytest.mark.parametrize("path", PHOTO_PATHS)
def test_a_photo_over_the_size_limit_is_refused(client, settings, path, no_decoding):
    settings.HUIZHI_MAX_PHOTO_MB = 1
    data = jpeg((1000, 1000), noise=True)
    assert len(data) > MB
    before = stored_photos()
    response = PHOTO_PATHS[path](client, SimpleUploadedFile("large.jpg", data, "image/jpeg"))
    assert_refused(response, zh(PHOTO_TOO_LARGE) % {"name": "large.jpg", "mb": 1}, before, settings)


WRONG_TYPES = {
    "a program renamed .jpg": ("photo.jpg", EXE),
    "a web page renamed .jpg": ("photo.jpg", HTML),
    "a text file": ("notes.txt", TEXT),
    "an empty file": ("empty.jpg", b""),
    "a truncated JPEG": ("cut.jpg", jpeg((640, 480))[:400]),
}


@pytest.mark.parametrize("kind", WRONG_TYPES)
@pytest.mark.parametrize("path", PHOTO_PATHS)
def test_a_file_that_is_not_a_photo_is_refused_with_its_name(client, settings, path, kind):
    name, data = WRONG_TYPES[kind]
    before = stored_photos()
    response = PHOTO_PATHS[path](client, SimpleUploadedFile(name, data, "image/jpeg"))
    if not data:  # Django's own FileField refuses an empty file before our check
        assert response.status_code == 400 and stored_photos() == before and media_files(settings) == []
        return
    assert_refused(response, zh(NOT_A_PHOTO) % {"name": name}, before, settings)


@pytest.mark.parametrize("path", PHOTO_PATHS)
def test_a_phone_photo_with_a_gps_position_is_stored_without_any_exif(client, settings, path):
    data = jpeg((640, 480), exif=gps_exif())
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # control: it has one
    before = stored_photos()

    response = PHOTO_PATHS[path](client, SimpleUploadedFile("IMG_0001.jpg", data, "image/jpeg"))

    assert response.status_code in (200, 201, 302), response.content[
        :500
    ]  # a page redirects; the API answers
    case_photos, post_photos = stored_photos()
    assert case_photos + post_photos == sum(before) + PHOTOS_PER_UPLOAD.get(path, 1)
    model = CasePhoto if case_photos > before[0] else PostPhoto
    stored = Path(model.objects.order_by("-pk").first().image.path).read_bytes()
    assert b"Exif" not in stored and b"TestPhone" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (640, 480)
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_a_large_phone_jpeg_is_accepted_and_stored_at_the_display_size(client, settings):
    """The other side of the pixel limit: a 24-megapixel photo from a phone is taken."""
    before = stored_photos()
    response = post_case_report(client, SimpleUploadedFile("IMG_0002.jpg", jpeg((6000, 4000)), "image/jpeg"))
    assert response.status_code == 302
    assert stored_photos()[0] == before[0] + 1
    photo = CasePhoto.objects.order_by("-pk").first()
    assert max(photo.width, photo.height) == 2048


# --- the residents import ---------------------------------------------------------------------------


def zip_bomb() -> bytes:
    """A real workbook with one more member that inflates to 250 MB of zeros (about 250 KB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(sheet.template_bytes())) as template:
            for info in template.infolist():
                archive.writestr(info, template.read(info))
        with archive.open("xl/media/image1.bin", "w", force_zip64=True) as member:
            zeros = b"\0" * MB
            for _ in range(250):
                member.write(zeros)
    return out.getvalue()


def many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(1500):
            archive.writestr(f"xl/x{n}.xml", b"")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb_workbook() -> bytes:
    data = zip_bomb()
    assert len(data) < 2 * MB
    return data


@pytest.fixture
def no_inflating(monkeypatch):
    class Refuse:
        @staticmethod
        def from_filelike(*args, **kwargs):
            raise AssertionError("the workbook was inflated")

    monkeypatch.setattr(sheet, "CalamineWorkbook", Refuse)


def post_import(client, name: str, data: bytes):
    client.force_login(_user("huayuan_staff"))
    return client.post(reverse("registry:import"), {"file": SimpleUploadedFile(name, data)})


def registry_state() -> tuple[int, int, int]:
    return (
        Resident.objects.count(),
        Household.objects.count(),
        ImportJob.objects.filter(status=ImportJob.Status.DONE).count(),
    )


def file_error(response) -> str:
    found = re.search(r'id="file-error">(.*?)</div>', response.content.decode(), re.S)
    assert found, response.content[:800]
    return found.group(1).strip()


TOO_MUCH_UNPACKED = (
    "This workbook unpacks to more than %(mb)d MB, more than a residents sheet can be. "
    "Split it into several files, or save it again from Excel."
)


@pytest.mark.parametrize("data", ["bomb", "many members"])
def test_a_zip_bomb_workbook_is_refused_before_it_is_inflated(client, data, bomb_workbook, no_inflating):
    payload = bomb_workbook if data == "bomb" else many_members()
    before = registry_state(), ImportJob.objects.count()
    response = post_import(client, "居民.xlsx", payload)
    assert response.status_code == 400
    assert file_error(response) == zh(TOO_MUCH_UNPACKED) % {"mb": sheet.MAX_UNCOMPRESSED_MB}
    assert (registry_state(), ImportJob.objects.count()) == before  # refused by the form: no job either


def test_the_reader_itself_refuses_a_zip_bomb(bomb_workbook, no_inflating):
    """Whoever calls it (a command, a later page), the sheet reader checks the archive first."""
    with pytest.raises(sheet.SheetError, match=str(sheet.MAX_UNCOMPRESSED_MB)):
        sheet.read_rows(bomb_workbook)


def test_a_workbook_over_the_size_limit_is_refused(client, monkeypatch, no_inflating):
    monkeypatch.setattr(ImportForm, "MAX_MB", 1)
    before = registry_state()
    response = post_import(client, "居民.xlsx", b"PK\x03\x04" + b"\0" * (MB + 10))
    assert response.status_code == 400
    assert file_error(response) == zh("The file is larger than %(mb)d MB.") % {"mb": 1}
    assert registry_state() == before


NOT_A_WORKBOOK = "This file is not an Excel workbook (.xlsx). Download the template and fill it in."


@pytest.mark.parametrize(
    "name, payload",
    [
        ("居民.xlsx", "pixel bomb"),
        ("居民.xlsx", EXE),
        ("居民.xlsx", HTML),
        ("居民.txt", TEXT),
        ("居民.xlsx", b"PK\x03\x04 not really a zip"),
    ],
    ids=["a pixel bomb renamed", "a program renamed", "a web page renamed", "a text file", "a broken zip"],
)
def test_a_file_that_is_not_a_workbook_is_refused(client, name, payload, pixel_bomb, no_decoding):
    data = pixel_bomb if payload == "pixel bomb" else payload
    before = registry_state()
    response = post_import(client, name, data)
    assert response.status_code == 400
    assert file_error(response) == zh(NOT_A_WORKBOOK)
    assert registry_state() == before


# --- every path is here -------------------------------------------------------------------------------

# Each form that takes a file, and where this module sends it the hostile files.
SWEPT_FORMS = {
    "huizhi.cases.forms.ReportForm": "case report, case report on the phone",
    "huizhi.cases.forms.TransitionForm": "case result photo",
    "huizhi.wall.forms.PostForm": "wall post",
    "huizhi.fieldwork.forms.FixForm": "fix on the spot",
    "huizhi.registry.forms.ImportForm": "the residents import",
}
SWEPT_VIEWS = {
    "huizhi/cases/views.py",
    "huizhi/wall/views.py",
    "huizhi/registry/views.py",
    "huizhi/fieldwork/views.py",
}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_upload_path_is_in_the_sweep():
    for config in apps.get_app_configs():
        if config.name.startswith("huizhi."):
            for module in ("forms", "serializers", "views", "api", "open311"):
                try:
                    importlib.import_module(f"{config.name}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.{module}":
                        raise
    with_files = {
        f"{form.__module__}.{form.__qualname__}"
        for form in _subclasses(forms.BaseForm)
        if form.__module__.startswith("huizhi.")
        and any(isinstance(field, forms.FileField) for field in form.base_fields.values())
    }
    assert with_files == set(SWEPT_FORMS)

    from rest_framework import serializers

    api_files = [
        f"{s.__module__}.{s.__qualname__}"
        for s in _subclasses(serializers.BaseSerializer)
        if s.__module__.startswith("huizhi.")
        and any(isinstance(f, serializers.FileField) for f in getattr(s, "_declared_fields", {}).values())
    ]
    # The API's photo fields (filing and transitions) are in PHOTO_PATHS above; a new one belongs there too.
    assert set(api_files) <= {
        "huizhi.api.serializers.CaseCreateWithPhotosSerializer",
        "huizhi.api.serializers.TransitionWithPhotosSerializer",
    }, api_files

    reading_files = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "huizhi").rglob("*.py")
        if "tests" not in path.parts and "request.FILES" in path.read_text()
    }
    assert reading_files == SWEPT_VIEWS

    # The admin may show stored photos, never take new ones.
    for model, model_admin in admin.site._registry.items():  # noqa: SLF001
        if any(isinstance(f, models.FileField) for f in model._meta.get_fields()):
            assert isinstance(model_admin, ReadOnlyAdmin), model
