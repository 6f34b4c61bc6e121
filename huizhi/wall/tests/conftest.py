import pytest

from huizhi.core.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def _media_and_sms(settings, tmp_path):
    """Photos go to a temporary folder; text messages to a list the tests read."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
