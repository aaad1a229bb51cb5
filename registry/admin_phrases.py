"""Django admin phrases this project translates itself.

Django's own Chinese for these reads as a word-for-word gloss ("选择 机构 来修改",
"以 状态") or is wrong ("Delete selected …" as 取消选中, "deselect"). The project's
catalogue is read before Django's (``LOCALE_PATHS``), so a msgid translated there wins.
``makemessages`` only keeps msgids it finds in the project's sources: they are marked here,
with the Django file that uses each.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_PHRASES = (
    gettext_noop("Select %s to change"),  # admin/views/main.py: a list's title
    gettext_noop("Select %s to view"),  # admin/views/main.py: a read-only list's title
    gettext_noop(" By %(filter_title)s "),  # admin/filter.html: a filter's heading
    gettext_noop("Add %s"),  # admin/options.py: an add page's title
    gettext_noop("Change %s"),  # admin/options.py: a change page's title
    gettext_noop("View %s"),  # admin/options.py: a read-only page's title
    gettext_noop("Add %(name)s"),  # admin/change_list_object_tools.html: the add button
    gettext_noop("Delete selected %(verbose_name_plural)s"),  # admin/actions.py
    gettext_noop("Delete selected %(model)s"),  # admin/widgets/related_widget_wrapper.html
    gettext_noop("Add another %(model)s"),  # admin/widgets/related_widget_wrapper.html
)
