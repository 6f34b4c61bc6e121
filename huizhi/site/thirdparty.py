"""The third-party apps as the admin names them: their own configs with a translatable name.

Django takes an app's label in the admin from its AppConfig's verbose_name; these subclasses keep
each app's name and label (so its tables and migrations are untouched) and only rename it.
INSTALLED_APPS points at them (config/settings.py).
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in lockouts")


class TaskResultsConfig(TasksAppConfig):
    verbose_name = _("Background tasks")
