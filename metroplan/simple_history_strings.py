"""The words django-simple-history's Python code shows in the admin, marked here
so that the project's catalog translates them (the library ships no Spanish
catalog, and its French one reads awkwardly in places). Nothing imports this
module: `makemessages` reads it, and Django's translation, which looks in the
project's catalog first, uses the result wherever the library asks for these
msgids. Its templates are overridden in templates/simple_history/ for the same
reason. tests/test_admin_history_languages.py holds the pages to it."""

from django.utils.translation import gettext_noop

SIMPLE_HISTORY_MESSAGES = (
    # simple_history/admin.py: page titles and the message after a revert.
    gettext_noop("View history: %s"),
    gettext_noop("Change history: %s"),
    gettext_noop("View %s"),
    gettext_noop("Revert %s"),
    gettext_noop('The %(name)s "%(obj)s" was changed successfully.'),
    gettext_noop("You may edit it again below"),
    # simple_history/models.py: the kinds of change, and a deleted object's name.
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop("Deleted %(type_name)s"),
)
