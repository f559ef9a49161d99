"""What a value of an indicator may be, by the indicator's measure: the one
check of a value a person typed (the update form, a spreadsheet cell, the API).

    value, numerator, denominator = indicator.clean_value(raw, numerator=..., denominator=..., language="fr")

- count: a whole number ("12", not "12.5");
- percentage: a number, with or without a trailing per cent sign ("45", "45 %");
- ratio: a numerator and a denominator (not zero); the value is their quotient
  (× 100 when the unit is "%");
- currency: a number with at most two decimals;
- yes/no: 1 (yes) or 0 (no), or the word yes or no in the page's language;
- qualitative: the position on the indicator's scale (0 is its first step),
  or the step's name ("in progress").

Every refusal is a django ValidationError whose dict names the field at fault
("value", "numerator" or "denominator"); callers map it to their own field
name (a form field, a spreadsheet cell, an API field).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override

from metroplan.numbers import parse_decimal_input

DECIMAL_PLACES, MAX_DIGITS = 2, 14


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number(raw, field: str, language: str | None) -> Decimal:
    try:
        return parse_decimal_input(raw, language=language, decimal_places=DECIMAL_PLACES, max_digits=MAX_DIGITS)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _words(word: str) -> set[str]:
    """`word` in every language of the site, lower case."""
    from django.conf import settings

    found = {word}
    for code, _name in settings.LANGUAGES:
        with override(code):
            found.add(_(word).lower())
    return found


def clean_value(indicator, raw, *, numerator=None, denominator=None, language: str | None):
    """(value, numerator, denominator) for `indicator`, or a ValidationError
    naming the field. A blank value (and, for a ratio, both parts blank) gives
    (None, None, None): nothing entered."""
    measure = indicator.measure
    kinds = type(indicator).Measure
    if measure == kinds.RATIO:
        if _blank(numerator) and _blank(denominator):
            if _blank(raw):
                return None, None, None
            raise ValidationError({"numerator": [_("This indicator is a ratio: give its numerator and "
                                                   "denominator, not a value.")]})
        errors = {}
        if _blank(numerator):
            errors["numerator"] = [_("Give the numerator as well.")]
        if _blank(denominator):
            errors["denominator"] = [_("Give the denominator as well.")]
        if errors:
            raise ValidationError(errors)
        top = _number(numerator, "numerator", language)
        bottom = _number(denominator, "denominator", language)
        if bottom == 0:
            raise ValidationError({"denominator": [_("The denominator cannot be zero.")]})
        value = (top / bottom * ratio_scale(indicator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return value, top, bottom
    if not _blank(numerator) or not _blank(denominator):
        raise ValidationError({"value": [_("Only a ratio indicator takes a numerator and a denominator.")]})
    if _blank(raw):
        return None, None, None
    text = raw.strip() if isinstance(raw, str) else raw
    if measure == kinds.YES_NO and isinstance(text, str):
        if text.lower() in _words("yes"):
            text = 1
        elif text.lower() in _words("no"):
            text = 0
    if measure == kinds.QUALITATIVE and isinstance(text, str):
        steps = [str(step).strip().lower() for step in indicator.scale or []]
        if text.lower() in steps:
            text = steps.index(text.lower())
    if measure == kinds.PERCENTAGE and isinstance(text, str) and text.endswith("%"):
        text = text[:-1].strip()
    value = _number(text, "value", language)
    if measure == kinds.COUNT and value != value.to_integral_value():
        raise ValidationError({"value": [_("This indicator counts: give a whole number.")]})
    if measure == kinds.YES_NO and value not in (0, 1):
        raise ValidationError({"value": [_("This indicator is yes or no: give 1 for yes or 0 for no.")]})
    if measure == kinds.QUALITATIVE:
        steps = list(indicator.scale or [])
        if value != value.to_integral_value() or not 0 <= value < len(steps):
            raise ValidationError({"value": [
                _("Choose a step of the scale: %(steps)s.") % {
                    "steps": ", ".join(f"{index} = {step}" for index, step in enumerate(steps))
                }
            ]})
    return value, None, None


def ratio_scale(indicator) -> int:
    """A ratio in per cent (its unit is "%") is numerator / denominator × 100; otherwise × 1."""
    return 100 if str(indicator.unit or "").strip().startswith("%") else 1


def display_decimals(indicator) -> int:
    """Decimals a value of `indicator` is shown with: its own setting, else
    none for counts, yes/no and scales, one for percentages, two otherwise."""
    if indicator.decimals is not None:
        return indicator.decimals
    kinds = type(indicator).Measure
    if indicator.measure in (kinds.COUNT, kinds.YES_NO, kinds.QUALITATIVE):
        return 0
    if indicator.measure == kinds.PERCENTAGE:
        return 1
    return 2
