"""Open311's two formats: the spec's XML and JSON by the Spark convention, chosen by the URL's
extension, and its error list."""

import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 — used to write XML only; nothing is parsed here
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The Spark convention (JSON_and_XML_Conversion): a list in JSON is a container of repeated
# elements in XML, named here.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; dropped on output so that every document parses.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def _xml_fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for tag, child in value.items():
            _xml_fill(ET.SubElement(element, tag), child)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(ET.SubElement(element, ITEM_TAGS[element.tag]), item)
    else:
        element.text = _xml_text(value)


def render_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _xml_fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def open311_response(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """`data` as the spec's XML (under `root`) or JSON (Spark convention), by the URL's extension."""
    body = json.dumps(data, ensure_ascii=False).encode() if fmt == "json" else render_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


def error_response(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    errors = [{"code": status, "description": str(text)} for text in descriptions]
    return open311_response(fmt, "errors", errors, status=status)


def w3(moment: datetime | None) -> str | None:
    """ISO 8601 (the w3 profile) to the second, with the zone's offset: 2026-11-27T09:30:00+08:00.

    Filters compare at this precision too (huizhi.api.open311.reading.Window), so a request is
    found by the very time it is printed with."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def bad(description: str) -> Open311Error:
    return Open311Error(400, description)
