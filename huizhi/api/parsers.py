"""The API's JSON parser: DRF's, but a body nested too deeply to parse is a 400, not a 500.

Python's json raises RecursionError (not ValueError, which DRF catches) on about a thousand nested
brackets; no request of ours nests more than a few levels, so such a body is a malformed one.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
