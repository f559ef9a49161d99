"""Figures on the API resources of the lower apps.

Plans, goals, actions, indicators (actions/) and members and regions
(members/) carry figures (`progress`, `compliance`) that the figures engine
computes; the engine lives in reporting/, above those apps, which therefore
cannot import it. This module is the meeting point: a resource's viewset names
its `figure_kind`, and reporting registers, at start-up, the provider of each
kind (reporting/api/figure_fields.py). The lower apps see only this protocol.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Case, FloatField, Value, When


class FigureProvider(Protocol):
    def attach(self, objects: list, request) -> None:
        """Set the figure attributes the resource's serializer reads on `objects`."""

    def values(self, field: str, queryset, request) -> dict:
        """{pk: value of `field`} for the rows of `queryset` (to sort on it)."""


_providers: dict[str, FigureProvider] = {}


def register(kind: str, provider: FigureProvider) -> None:
    _providers[kind] = provider


def provider(kind: str) -> FigureProvider:
    try:
        return _providers[kind]
    except KeyError:
        raise LookupError(f"no figure provider is registered for {kind!r}") from None


def as_annotation(values: dict) -> Case:
    """An expression that gives each row its value from `values` ({pk: value}):
    the engine's own figure, for the database to sort on."""
    return Case(
        *[When(pk=pk, then=Value(value)) for pk, value in values.items() if value is not None],
        default=Value(None), output_field=FloatField(),
    )
