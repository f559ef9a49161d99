"""What every service shares: the errors it raises and the version check."""

from django.core.exceptions import PermissionDenied, ValidationError

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
            f"Someone else saved this {obj._meta.verbose_name} since you opened it "
            f"(you had version {expected_version}, it is now at version {obj.version}).",
            current_version=obj.version,
        )
