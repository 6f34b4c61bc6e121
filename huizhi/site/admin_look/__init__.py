"""The admin's look: templates that must come before django.contrib.admin's own (INSTALLED_APPS)."""
