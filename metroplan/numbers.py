"""Numbers as people type them, read by their language, never guessed.

The one parser for a decimal that a person typed (the update form, a text cell
of an uploaded spreadsheet) or that a machine sent (the API). The rules, per
language of the page or of the upload:

- French and Spanish: the decimal separator is the comma ("1,5"). Thousands may
  be grouped in threes by a space (plain, no-break or narrow no-break:
  "1 234,5"); Spanish also groups by a point ("1.234,5", as CLDR writes it).
  A point is never a decimal point there: "1.5" is refused with a hint to write
  "1,5", and a Spanish "1.234" is refused as ambiguous, because many
  Spanish-speaking members (Mexico, Central America) write the decimal point.
  "1,234" is one point two three four (and has more decimals than an
  indicator keeps, so it is refused for that reason).
- English: the decimal separator is the point ("1234.5"); a comma groups
  thousands only in groups of three ("1,234.5"; "1,5" is refused with a hint).
- The API (`language=None`): a point always, no grouping ("1234.5" or a JSON
  number), whatever the request's language.

Nothing is rounded: a value with more decimals than the field keeps is refused
("0.125" for two decimals), and so is one with more digits than it can hold.
A number that is already a number (a numeric spreadsheet cell, a JSON number)
is never re-read as text. Babel (CLDR) gives each language's symbols and does
the final, strict parse.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, get_group_symbol, parse_decimal
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, to_locale

# Every space people put between groups of digits: plain, no-break, narrow no-break.
SPACES = " \u00a0\u202f"
MINUS_SIGNS = "\u2212"  # the typographic minus, as a word processor writes it
# What the API's schema promises (a point, no exponent, no grouping): "12", "-12.5", "12.", ".5".
_MACHINE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def _symbols(language: str) -> tuple[str, str, str]:
    """(babel locale, decimal symbol, group symbol) of a Django language code."""
    locale = to_locale(language).split("_")[0] or "en"
    return locale, get_decimal_symbol(locale), get_group_symbol(locale)


def number_example(language: str | None) -> str:
    """1234.5 written the way `language` writes it, for messages."""
    if language is None:
        return "1234.5"
    return format_decimal(Decimal("1234.5"), locale=_symbols(language)[0], group_separator=False)


def parse_decimal_input(
    raw, *, language: str | None, decimal_places: int, max_digits: int
) -> Decimal:
    """`raw` (text or a number) as a Decimal with `decimal_places` places, or a
    ValidationError that says what to write instead.

    `language` is a Django language code ("fr", "es-mx"; the active language
    when a caller passes `get_language()`), or None for the API's point-only
    format.
    """
    if isinstance(raw, bool):
        raise ValidationError(_("Enter a number, or mark the value as not available."), code="invalid")
    if isinstance(raw, (int, float, Decimal)):
        return _checked(_from_number(raw), decimal_places=decimal_places, max_digits=max_digits)
    text = str(raw).strip()
    if len(text) > 64:
        raise ValidationError(_("This number is too large."), code="max_digits")
    for sign in MINUS_SIGNS:
        text = text.replace(sign, "-")
    if language is None:
        if not _MACHINE.fullmatch(text):
            raise ValidationError(
                _("“%(text)s” is not a number: write it with a point for decimals and no grouping, e.g. 1234.5.")
                % {"text": text},
                code="invalid",
            )
        value = Decimal(text)
    else:
        value = _from_text(text, language)
    return _checked(value, decimal_places=decimal_places, max_digits=max_digits, shown=text)


def _from_number(number) -> Decimal:
    if isinstance(number, float):
        # repr gives the shortest text that reads back as this float: 0.1, not 0.1000000000000000055...
        number = repr(number)
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - every int, float and Decimal converts
        raise ValidationError(_("Enter a number, or mark the value as not available."), code="invalid") from exc
    if not value.is_finite():
        raise ValidationError(_("Enter a finite number."), code="invalid")
    return value


def _from_text(text: str, language: str) -> Decimal:
    locale, decimal, group = _symbols(language)
    groups = set(SPACES) | {group}
    if decimal != ".":
        if re.fullmatch(r"[+-]?[1-9][0-9]{0,2}\.[0-9]{3}", text):
            # A point before three digits: thousands in Spain, decimals in Mexico or in a spreadsheet.
            raise ValidationError(
                _("“%(text)s” is ambiguous: write %(thousands)s for the thousands, or %(decimals)s for the "
                  "decimals.")
                % {"text": text, "thousands": text.replace(".", "").lstrip("+"),
                   "decimals": text.replace(".", decimal).lstrip("+")},
                code="ambiguous",
            )
        if re.fullmatch(r"[+-]?[0-9]+\.[0-9]+", text):
            raise ValidationError(
                _("Write decimals with a comma: %(suggestion)s.") % {"suggestion": text.replace(".", decimal)},
                code="decimal_separator",
            )
    elif re.fullmatch(r"[+-]?([0-9]+,([0-9]{1,2}|[0-9]{4,})|0,[0-9]+)", text):
        raise ValidationError(
            _("Write decimals with a point: %(suggestion)s.") % {"suggestion": text.replace(",", ".")},
            code="decimal_separator",
        )
    separators = re.escape("".join(sorted(groups)))
    if not re.fullmatch(rf"[+-]?[0-9]+([{separators}][0-9]+)*({re.escape(decimal)}[0-9]+)?", text):
        raise ValidationError(
            _("“%(text)s” is not a number; write it like %(example)s.")
            % {"text": text, "example": number_example(language)},
            code="invalid",
        )
    # Babel checks the grouping (threes, counted from the decimal separator);
    # a space of any kind stands for the language's own group symbol.
    normal = "".join(group if char in groups else char for char in text)
    try:
        return parse_decimal(normal, locale=locale, strict=True)
    except NumberFormatError as exc:
        raise ValidationError(
            _("“%(text)s” is not a number; group the digits by three, like %(example)s.")
            % {"text": text, "example": format_decimal(Decimal("1234567.5"), locale=locale)},
            code="invalid",
        ) from exc


def _checked(value: Decimal, *, decimal_places: int, max_digits: int, shown: str | None = None) -> Decimal:
    shown = shown if shown is not None else str(value)
    places = max(0, -value.as_tuple().exponent)
    if places > decimal_places:
        raise ValidationError(
            ngettext(
                "“%(text)s” has more decimals than this value keeps: give at most %(places)d decimal.",
                "“%(text)s” has more decimals than this value keeps: give at most %(places)d decimals.",
                decimal_places,
            ) % {"text": shown, "places": decimal_places},
            code="max_decimal_places",
        )
    if abs(value) >= Decimal(10) ** (max_digits - decimal_places):
        raise ValidationError(_("This number is too large."), code="max_digits")
    return value.quantize(Decimal(1).scaleb(-decimal_places))



def format_decimal_input(value: Decimal | None, language: str | None) -> str:
    """`value` as an input shows it, so that parse_decimal_input reads it back
    as the same number: the language's decimal separator, no grouping, no
    trailing zeros ("1,5" in French, "1.5" in English)."""
    if value is None:
        return ""
    plain = f"{Decimal(value).normalize():f}"
    if language is None:
        return plain
    return plain.replace(".", _symbols(language)[1])
