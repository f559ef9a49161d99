"""What every service shares: the errors it raises and the version check."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

__all__ = ["ConflictError", "PermissionDenied", "ServiceError", "ValidationError", "check_version"]


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
