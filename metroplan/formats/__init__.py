"""One way to write a date and a time per language, on every page, e-mail and
report (settings.FORMAT_MODULE_PATH). Templates use the `date` filter with no
argument or a format's name ("DATETIME_FORMAT", "TIME_FORMAT",
"YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"), Python `django.utils.formats.date_format`
with the same names; never a format string of their own (checked by
metroplan/tests/test_formats.py). Numbers keep Django's (CLDR's) separators.
"""
