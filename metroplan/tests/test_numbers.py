"""Numbers as people type them, read by their language: what each language
accepts, what it refuses as ambiguous, and that nothing is rounded."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from metroplan.numbers import format_decimal_input, parse_decimal_input

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(autouse=True)
def english_messages():
    # The language numbers are read in is an argument; the messages are in the active one.
    with translation.override("en"):
        yield


def parse(raw, language):
    return parse_decimal_input(raw, language=language, decimal_places=2, max_digits=14)


def refusal(raw, language) -> str:
    with pytest.raises(ValidationError) as exc:
        parse(raw, language)
    return " ".join(exc.value.messages)


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("fr", "1,5", "1.50"),
        ("fr", "1 234,5", "1234.50"),
        ("fr", f"1{NBSP}234,5", "1234.50"),
        ("fr", f"1{NNBSP}234,5", "1234.50"),
        ("fr", "1 234 567,89", "1234567.89"),
        ("fr", "-2,5", "-2.50"),
        ("fr", "\u22122,5", "-2.50"),  # the typographic minus
        ("fr", " 12 ", "12.00"),
        ("es", "1,5", "1.50"),
        ("es", "1 234,5", "1234.50"),
        ("es", f"1{NNBSP}234,5", "1234.50"),
        ("es", "1.234,5", "1234.50"),
        ("es", "12.345.678", "12345678.00"),
        ("es-mx", "2,5", "2.50"),
        ("en", "1,234.5", "1234.50"),
        ("en", "1234.5", "1234.50"),
        ("en", "1 234.5", "1234.50"),
        ("en", "1,234", "1234.00"),
        ("en", "0.1", "0.10"),
    ],
)
def test_what_a_person_types_is_stored_as_they_meant_it(language, typed, stored):
    assert str(parse(typed, language)) == stored


@pytest.mark.parametrize(
    ("language", "typed", "says"),
    [
        # The defects of the audit: each was stored as another number without a word.
        ("fr", "1.234,5", "is not a number"),
        ("en", "0.125", "at most 2 decimals"),
        ("fr", "0,125", "at most 2 decimals"),
        # A comma is the decimal separator in French and Spanish: three decimals are too many.
        ("fr", "1,234", "at most 2 decimals"),
        ("es", "1,500", "at most 2 decimals"),
        # A point in French or Spanish: a hint, never a guess.
        ("fr", "1.5", "Write decimals with a comma: 1,5."),
        ("es", "1.5", "Write decimals with a comma: 1,5."),
        ("fr", "1.234", "ambiguous: write 1234 for the thousands, or 1,234 for the decimals"),
        ("es", "1.234", "ambiguous"),
        ("es", "10.000", "ambiguous"),
        # A comma in English groups thousands only by three.
        ("en", "1,5", "Write decimals with a point: 1.5."),
        ("en", "2,5", "Write decimals with a point: 2.5."),
        ("en", "0,125", "Write decimals with a point: 0.125."),
        ("en", "12,34,5", "group the digits by three"),
        ("en", "1.234,5", "is not a number"),
        ("fr", "1 23,5", "group the digits by three"),
        # Not numbers at all, in any language.
        ("fr", "douze", "is not a number"),
        ("en", "1e5", "is not a number"),
        ("en", "nan", "is not a number"),
        ("en", "1_000", "is not a number"),
        ("en", "١٢", "is not a number"),
        ("en", "1" * 13, "too large"),
    ],
)
def test_what_is_ambiguous_or_not_a_number_is_refused_and_says_why(language, typed, says):
    assert says in refusal(typed, language)


def test_the_refusal_is_in_the_readers_language():
    with translation.override("fr"):
        assert "Écrivez les décimales avec une virgule : 1,5." in refusal("1.5", "fr")
    with translation.override("es"):
        assert "Escriba los decimales con una coma: 1,5." in refusal("1.5", "es")


def test_the_api_format_is_a_point_whatever_the_language():
    with translation.override("fr"):
        assert parse("1.5", None) == Decimal("1.50")
        assert parse("1234.56", None) == Decimal("1234.56")
        for typed in ["1,5", "1,234.5", "1 234", "0.125"]:
            with pytest.raises(ValidationError):
                parse(typed, None)


def test_a_number_is_never_read_again_as_text():
    # A numeric spreadsheet cell or a JSON number: the same in every language.
    for language in ["fr", "es", "en", None]:
        assert parse(2.5, language) == Decimal("2.50")
        assert parse(1234, language) == Decimal("1234.00")
        assert parse(Decimal("7.25"), language) == Decimal("7.25")
        assert parse(0.1, language) == Decimal("0.10")
    assert "at most 2 decimals" in refusal(0.125, "fr")
    assert "too large" in refusal(1e15, "en")
    with pytest.raises(ValidationError):
        parse(True, "en")


@pytest.mark.parametrize("language", ["fr", "es", "en", None])
@pytest.mark.parametrize("value", ["1.50", "1234.5", "-0.25", "1000000", "0"])
def test_a_value_shown_in_an_input_reads_back_as_the_same_number(language, value):
    shown = format_decimal_input(Decimal(value), language)
    assert parse(shown, language) == Decimal(value)
