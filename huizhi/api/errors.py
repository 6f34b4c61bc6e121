from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import APIException
from rest_framework.views import exception_handler


class TooLarge(APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = "The request is too large."


def json_error_handler(exc, context):
    """Errors as {"code": machine-readable, "message": for people, "fields": per field when a form}."""
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        response.data = {"code": getattr(detail, "code", code), "message": str(detail)}
    else:
        message = "; ".join(
            f"{field}: {' '.join(map(str, errors)) if isinstance(errors, list) else errors}"
            for field, errors in (data.items() if isinstance(data, dict) else [("errors", data)])
        )
        response.data = {"code": "invalid", "message": message, "fields": data}
    return response
