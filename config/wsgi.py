import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A production server never runs on the repository's public development keys.
from huizhi.core.checks import refuse_development_keys  # noqa: E402 — needs the app registry

refuse_development_keys()
