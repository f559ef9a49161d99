# 30 April 2022 · 30 April 2022, 14:05 · 14:05 (Django's English default writes "April 30, 2022, 2:05 p.m.")
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
