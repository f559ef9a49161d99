"""Private files (uploaded evidence, built reports): where they are stored and
the one way they are served.

Storage. Every private file goes through the "private" alias of Django's
STORAGES (a directory on the file system by default, S3-compatible object
storage with django-storages when configured: README, "Files"). Nothing serves
that storage as a static path: there is no /media/ route, in DEBUG or not, and
stored names are random (`private_name`), so a name tells nothing and cannot be
guessed. The name a person gave the file is kept by its model for
Content-Disposition.

Serving. `serve_file` is called by every view that hands out a private file,
page or API, after the view has found the object through `visible_to(user)`.
It answers If-None-Match (304), then, by PRIVATE_FILES_DELIVERY:

- "stream" (default): the bytes from Django, in chunks (constant memory), with
  a strong ETag, Content-Disposition and byte ranges (206, 416; If-Range);
- "accel": an empty answer with `X-Accel-Redirect` to the file under
  PRIVATE_FILES_ACCEL_PREFIX, which nginx serves (internal location, ranges
  included; deploy/nginx.conf), for files on the file system;
- "redirect": a 302 to a signed URL that expires after PRIVATE_FILES_URL_EXPIRY
  seconds, for storages that sign URLs (S3); others stream.
"""

import hashlib
import logging
import mimetypes
import re
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect, StreamingHttpResponse
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

PRIVATE_STORAGE = "private"
DELIVERY_MODES = ("stream", "accel", "redirect")
CHUNK_SIZE = 64 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
ETAG = re.compile(r'(W/)?"[\x21\x23-\x7e]*"')


class _PrivateStorage(LazyObject):
    """The "private" STORAGES alias, looked up when first used (and again when
    a test changes STORAGES)."""

    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE]


_private_storage = _PrivateStorage()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_ROOT"):
        _private_storage._wrapped = empty


def private_storage():
    """For `FileField(storage=private_storage)`: the private storage."""
    return _private_storage


def private_name(folder: str, original_name: str) -> str:
    """A random storage name in `folder`, keeping only the original name's
    extension (lower case): nothing in it says whose file it is or what it is
    called."""
    suffix = PurePosixPath(original_name or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = ""
    return f"{folder}/{secrets.token_hex(16)}{suffix}"


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a `Range` header asks for, or None to send the whole
    file (no header, another unit, a malformed value, or several ranges, which
    a server may answer whole). Raises RangeNotSatisfiable when the range lies
    past the end of the file."""
    if not header:
        return None
    match = RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last != "" and int(last) < start:
        return None  # malformed: ignored
    if start >= size:
        raise RangeNotSatisfiable
    end = size - 1 if last == "" else int(last)
    return ByteRange(start, min(end, size - 1))


def strong_etag(*parts) -> str:
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _etag_matches_weakly(header: str, etag: str) -> bool:
    """If-None-Match: weak comparison (W/ is ignored); `*` matches."""
    if header.strip() == "*":
        return True
    return any(match.group(0).removeprefix("W/") == etag for match in ETAG.finditer(header))


def _chunks(handle, start: int, length: int):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _delivery() -> str:
    mode = getattr(settings, "PRIVATE_FILES_DELIVERY", "stream")
    if mode not in DELIVERY_MODES:  # settings parse it; a test may set anything
        raise ValueError(f"PRIVATE_FILES_DELIVERY must be one of {DELIVERY_MODES}, got {mode!r}")
    return mode


def _signs_urls(storage) -> bool:
    """Whether the storage hands out URLs that grant access by themselves
    (django-storages' S3 with query-string authentication)."""
    return bool(getattr(storage, "querystring_auth", False))


def serve_file(
    request,
    file,
    *,
    filename: str,
    content_type: str | None = None,
    inline: bool = False,
    etag: str | None = None,
) -> HttpResponse:
    """The answer to a download of `file`: a stored file (a FieldFile of the
    private storage) or bytes in hand (a django File such as ContentFile).
    The caller has already checked that the user may see it.

    `filename` is what the person's browser saves it as; `etag` defaults to a
    digest of the stored name (stored files never change: a new file is a new
    name) or of the bytes in hand."""
    storage = getattr(file, "storage", None)
    name = file.name if storage is not None else None
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    disposition = content_disposition_header(not inline, filename)
    if etag is None:
        if storage is not None:
            etag = strong_etag("stored", name)
        else:
            file.seek(0)
            etag = strong_etag("bytes", hashlib.sha256(file.read()).hexdigest())
    headers = {"ETag": etag, "Content-Disposition": disposition}

    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and _etag_matches_weakly(if_none_match, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response

    mode = _delivery()
    if storage is not None and mode == "accel" and isinstance(storage, FileSystemStorage):
        # nginx serves the bytes (and ranges) from its internal location.
        response = HttpResponse(content_type=content_type, headers=headers)
        response["X-Accel-Redirect"] = settings.PRIVATE_FILES_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
        return response
    if storage is not None and mode == "redirect" and _signs_urls(storage):
        url = storage.url(
            name,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": content_type},
            expire=settings.PRIVATE_FILES_URL_EXPIRY,
        )
        return HttpResponseRedirect(url)

    try:
        handle = storage.open(name, "rb") if storage is not None else file
        size = storage.size(name) if storage is not None else file.size
    except FileNotFoundError:
        logger.error("Private file %s is missing from its storage", name)
        raise Http404 from None
    try:
        wanted = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        if storage is not None:
            handle.close()
        response = HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}", "ETag": etag})
        response["Accept-Ranges"] = "bytes"
        return response
    if_range = request.headers.get("If-Range")
    if wanted is not None and if_range is not None and if_range.strip() != etag:
        wanted = None  # the client's copy is another version: send it whole
    start, length = (wanted.start, wanted.length) if wanted else (0, size)
    status = 206 if wanted else 200
    if storage is None:  # bytes in hand (a rendered page): answered as they are
        handle.seek(start)
        body = b"" if request.method == "HEAD" else handle.read(length)
        response = HttpResponse(body, status=status, content_type=content_type, headers=headers)
    else:
        if request.method == "HEAD":
            handle.close()
            body = iter(())
        else:
            body = _chunks(handle, start, length)
        response = StreamingHttpResponse(body, status=status, content_type=content_type, headers=headers)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if wanted:
        response["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    return response


class PrivateFileSystemStorage(FileSystemStorage):
    """A directory (MEDIA_ROOT) that no URL leads to: a private file has no
    public address, it is served by `serve_file` after the visibility rule."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them with metroplan.files.serve_file.")
