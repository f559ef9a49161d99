"""Serializer fields the whole API shares."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from metroplan.numbers import parse_decimal_input


class DecimalInputField(serializers.DecimalField):
    """A decimal read by metroplan.numbers, in the API's own format: a JSON
    number or a string with a point, whatever the request's language. More
    decimals than the field keeps are refused, never rounded."""

    def to_internal_value(self, data):
        try:
            return parse_decimal_input(
                data, language=None, decimal_places=self.decimal_places, max_digits=self.max_digits
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
