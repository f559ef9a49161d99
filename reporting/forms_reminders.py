"""The reminder schedule's form. It only shapes input; the rules live in
reporting.reminders."""

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from actions.forms import ServiceErrorsMixin


class ReminderScheduleForm(ServiceErrorsMixin, forms.Form):
    days_before = forms.CharField(
        label=_("Days before the deadline"), max_length=60, required=False,
        help_text=_("A reminder this many days before each deadline, separated by commas (for example 14, 3). "
                    "Empty: none before the deadline day."),
    )
    on_deadline_day = forms.BooleanField(label=_("A reminder on the deadline day"), required=False)
    overdue_every_days = forms.IntegerField(
        label=_("Once overdue, a reminder every (days)"), min_value=0, max_value=90,
        help_text=_("While an update is missing and its period open. 0: no reminder once the deadline has passed."),
    )
    digest_enabled = forms.BooleanField(label=_("Weekly digest to the secretariat"), required=False)
    digest_weekday = forms.TypedChoiceField(
        label=_("Digest day"), coerce=int, choices=sorted(WEEKDAYS.items()),
        help_text=_("What waits for review and who is overdue, to every secretariat member with an e-mail address."),
    )
