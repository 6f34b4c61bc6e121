"""The admin's own words: its title and header name the product, in the reader's language."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("huizhi administration")
admin.site.site_title = _("huizhi administration")
admin.site.index_title = _("Data maintenance")
