"""What every service shares: the errors it raises and the version check."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _

__all__ = [
    "ConflictError", "PermissionDenied", "ServiceError", "ValidationError", "check_integer_ranges", "check_version",
    "integer_range",
]


class ServiceError(Exception):
    """A rule refused the operation; `message` says why, for the user."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ConflictError(ServiceError):
    """The object changed since the caller read it (a stale version)."""

    code = "conflict"

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message)
        self.current_version = current_version


def check_version(obj, expected_version: int | None) -> None:
    """Refuse a write made on an older version of `obj` than the stored one."""
    if expected_version is not None and int(expected_version) != obj.version:
        raise ConflictError(
            _(
                "Someone else saved this %(thing)s since you opened it "
                "(you had version %(had)s, it is now at version %(now)s)."
            ) % {"thing": obj._meta.verbose_name, "had": expected_version, "now": obj.version},
            current_version=obj.version,
        )


def integer_range(field) -> tuple[int, int]:
    """The values an integer model field can hold on every supported database
    (PostgreSQL's column ranges; SQLite would take more and PostgreSQL refuse it)."""
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]


def check_integer_ranges(obj) -> None:
    """Refuse, naming the field, an integer that its column cannot hold, before
    the database does it with an error."""
    errors = {}
    for field in obj._meta.concrete_fields:
        if not isinstance(field, models.IntegerField) or field.primary_key or field.is_relation:
            continue
        value = getattr(obj, field.attname)
        bounds = BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())
        if value is None or not isinstance(value, int) or bounds is None:
            continue
        low, high = bounds
        if not low <= value <= high:
            errors[field.name] = [_("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]
    if errors:
        raise ValidationError(errors)
