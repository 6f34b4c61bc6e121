"""Teach drf-spectacular how our API key is sent, so the OpenAPI document declares it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "huizhi.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Machine-readable, e.g. not_allowed, moved_on, invalid, throttled."
    )
    message = serializers.CharField(help_text="For people, in the request's language.")
    fields = serializers.DictField(required=False, help_text="Per-field messages, for invalid input.")


class HuizhiAutoSchema(AutoSchema):
    """Declares the JSON errors every operation can answer, besides its success response."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        codes = ["401", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "POST" or self.method == "GET" and "{" not in self.path:
            codes.append("400")
        if self.method == "POST":
            codes.append("415")  # a body in a media type the operation does not take
        if self.path.endswith("/transitions/"):
            codes += ["403", "409"]
        for code in codes:
            responses.setdefault(
                code, self._get_response_for_code(ErrorSerializer, code, direction=direction)
            )
        return responses
