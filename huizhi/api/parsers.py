"""The API's JSON parser: DRF's, with the checks no field should have to repeat.

- A body nested too deeply to parse is a 400, not a 500: Python's json raises RecursionError (not
  ValueError, which DRF catches) on about a thousand nested brackets; no request of ours nests
  more than a few levels.
- Text that no database or page can hold is refused wherever it is in the body, as the request
  guard refuses it in paths, queries and forms (huizhi.core.guards): a NUL character (PostgreSQL
  text cannot store one — a NUL in a code reached the database through a slug field) and a lone
  UTF-16 surrogate (it cannot be encoded, so even the error message echoing it failed).
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _unstorable(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - nested too deeply.")) from exc
        if _unstorable(data):
            raise ParseError(_("JSON parse error - a text contains a NUL character or a lone surrogate."))
        return data
