"""The open-data package: one CSV per resource of the approved, public data
and a Frictionless Data Package descriptor (`datapackage.json`) describing
every field, in one zip.

- Its CSVs are the API's own CSV lists (GET /api/v1/<resource>/?format=csv),
  read as an integrator with a read token reads them: no staff's or member's
  view, so no drafts, no submissions under review, no draft plan. One shape
  per object: the package can never disagree with the API.
- Field types come from the API's schema (/api/schema/), which tests hold to
  what the server does.
- It is built in the background (Celery, through the outbox) and kept under a
  key made of the change feed's public position and the figures version: the
  same data gives the same package, any change to it a new one.
- What the build costs is the updates' CSV (Python's work: ~90% of the rows)
  and the plans' figures (the engine's cold pass after a change, half of it
  waiting on the database); the worker reads the two at once, in two
  processes (`package_zip`).
  Measured by `bench.sync` (docs/performance.md).
"""

import contextlib
import csv
import io
import json
import logging
import os
import pickle
import signal
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import Max
from django.urls import resolve
from django.utils import timezone

from metroplan.files import private_name
from metroplan.models import Change
from metroplan.outbox import outbox_enqueue
from reporting.figures.cache import current_version
from reporting.models import OpenDataPackage

logger = logging.getLogger(__name__)

RESOURCES = ("plans", "goals", "actions", "indicators", "members", "regions", "periods", "updates", "reports")
BUILD_TASK = "reporting.tasks.build_open_data"
State = OpenDataPackage.State
PACKAGE_NAME = "metroplan-open-data"
TYPES = {"integer": "integer", "number": "number", "boolean": "boolean"}
FORMATS = {"date": "date", "date-time": "datetime", "decimal": "number"}


def package_key() -> str:
    """The state of the public data: the last change every reader may see, and the figures version."""
    position = Change.objects.filter(public=True).aggregate(last=Max("pk"))["last"] or 0
    return f"{position}-{current_version() or 'none'}"


def package_current() -> tuple[OpenDataPackage, bool]:
    """The package of the data as it now is, and whether it is built. One that
    is not is queued for building (once, whoever asks)."""
    key = package_key()
    with transaction.atomic():
        package, created = OpenDataPackage.objects.get_or_create(key=key)
        if created or package.state == State.FAILED:
            OpenDataPackage.objects.filter(pk=package.pk).update(state=State.QUEUED, failure_reason="")
            outbox_enqueue(BUILD_TASK, package_id=package.pk)
            package.state = State.QUEUED
    return package, package.state == State.DONE


def package_latest_built() -> OpenDataPackage | None:
    return OpenDataPackage.objects.filter(state=State.DONE).order_by("-finished_at").first()


def public_reader():
    """A signed-in reader who is neither staff nor a member's focal point: what
    an integrator's read token sees (the caches of metroplan.permissions say so,
    so that no row of the user is needed)."""
    user = get_user_model()(username="open-data", is_active=True)
    user._metroplan_is_secretariat = False
    user._metroplan_member = None
    return user


def api_csv(resource: str):
    """GET <SITE_URL>/api/v1/<resource>/?format=csv as the public reader gets
    it: its bytes, chunk by chunk (the API streams its CSV lists)."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    path = f"/api/v1/{resource}/"
    site = urlsplit(settings.SITE_URL)  # asked as the site: its host is allowed, its links are the site's
    request = APIRequestFactory().get(path, {"format": "csv"}, HTTP_HOST=site.netloc, secure=site.scheme == "https")
    force_authenticate(request, user=public_reader())
    match = resolve(path)
    response = match.func(request, *match.args, **match.kwargs)
    if response.streaming:
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        return response.streaming_content
    response.render()
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.content[:200]!r}")
    return [response.content]


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema and schema[combined]:
            return _resolve({**schema[combined][0], **{k: v for k, v in schema.items() if k != combined}},
                            components)
    return schema


def _field(name: str, row_schema: dict, components: dict) -> dict:
    """A Table Schema field for a CSV column (nested names are `a.b`)."""
    schema = row_schema
    for part in name.split("."):
        properties = _resolve(schema, components).get("properties", {})
        schema = properties.get(part, {})
    schema = _resolve(schema, components)
    field = {"name": name}
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "array" or kind == "object":
        field["type"] = "string"
        field["description"] = "A list: plain values joined by ';', objects as JSON."
    elif fmt in FORMATS:
        field["type"] = FORMATS[fmt]
    else:
        field["type"] = TYPES.get(kind, "string")
    if field["type"] == "boolean":
        field["trueValues"], field["falseValues"] = ["True", "true"], ["False", "false"]
    if schema.get("description"):
        field["description"] = " ".join(str(schema["description"]).split())
    if schema.get("enum") and field["type"] == "string":
        field.setdefault("constraints", {})["enum"] = [value for value in schema["enum"] if value is not None]
    return field


def descriptor(headers: dict[str, list[str]], schema: dict | None = None) -> dict:
    """The Frictionless Data Package descriptor of the CSVs (their headers by
    resource), from the API's schema (generated unless given)."""
    schema = schema if schema is not None else _schema()
    components = schema["components"]["schemas"]
    resources = []
    for resource, header in headers.items():
        listing = schema["paths"][f"/api/v1/{resource}/"]["get"]
        page = _resolve(listing["responses"]["200"]["content"]["application/json"]["schema"], components)
        row_schema = page["properties"]["results"]["items"]
        resources.append({
            "name": resource,
            "path": f"{resource}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": f"GET /api/v1/{resource}/?format=csv as any API reader sees it.",
            "schema": {"fields": [_field(name, row_schema, components) for name in header]},
        })
    return {
        "name": PACKAGE_NAME,
        "title": "metroplan: the strategic plan, its members and their approved progress",
        "profile": "tabular-data-package",
        "created": timezone.now().isoformat(),
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": resources,
    }


# The CSV that is most of the package's rows: read by the build's own
# process, straight into the zip, while a child process (a core of its own:
# Python's work, which threads of one process cannot share) reads the others
# and generates the API's schema (the plans' figures are the engine's cold
# pass after a change). docs/performance.md.
MAIN_RESOURCE = "updates"
# zlib's fastest: the CSVs of 10x (145 MB) in ~0.5 s instead of ~1.4 s, the zip ~30% bigger
COMPRESS_LEVEL = 1
_DONE = "done"


def _can_fork() -> bool:
    """Whether the others can be read by a child process: not inside a
    transaction (another connection would not see what it has not
    committed), not on an in-memory database (no other connection sees it)."""
    return hasattr(os, "fork") and not any(
        wrapper.in_atomic_block or (wrapper.vendor == "sqlite" and wrapper.is_in_memory_db())
        for wrapper in connections.all()
    )


def _write_others(resources: list[str], directory: Path) -> None:
    """The child's work: each resource's CSV into <directory>/<resource>.csv,
    the API's schema into schema.pickle, then the `done` mark."""
    for resource in resources:
        with open(directory / f"{resource}.csv", "wb") as out:
            for chunk in api_csv(resource):
                out.write(chunk)
    (directory / "schema.pickle").write_bytes(pickle.dumps(_schema()))
    (directory / _DONE).touch()


def _fork_others(resources: list[str], directory: Path) -> int:
    """Start a child process doing _write_others; its pid. The child opens
    its own connections: this process's are closed first, so that no
    connection is ever used on both sides of the fork."""
    connections.close_all()
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        _write_others(resources, directory)
        status = 0
    except BaseException:
        (directory / "error").write_text(traceback.format_exc())
    finally:
        try:
            connections.close_all()
        finally:
            os._exit(status)  # never the parent's exit handlers (Celery's, pytest's)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(pid: int, directory: Path) -> None:
    """Wait for the child; raise what it failed with."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # reaped by a SIGCHLD handler: the files tell, once it is gone
        while _alive(pid) and not ((directory / _DONE).exists() or (directory / "error").exists()):
            time.sleep(0.05)
    if not (directory / _DONE).exists():
        error = directory / "error"
        reason = error.read_text() if error.exists() else "the process ended without a word"
        raise RuntimeError(f"open-data: reading the CSVs failed:\n{reason}")


def _add_csv(archive: zipfile.ZipFile, resource: str, chunks) -> list[str]:
    """Write a resource's CSV into the zip; its header."""
    first = b""
    with archive.open(f"{resource}.csv", "w") as member:
        for chunk in chunks:
            if b"\n" not in first:
                first += chunk
            member.write(chunk)
    line = first.split(b"\n", 1)[0].decode("utf-8-sig")
    return next(csv.reader(io.StringIO(line)), [])


def package_zip() -> bytes:
    """The zip: one CSV per resource and datapackage.json.

    Where it can (_can_fork: the worker's build), the updates' CSV is read by
    this process while a child process reads the other CSVs into temporary
    files: the two run on two cores. Otherwise all on this connection, one
    after the other."""
    headers = {}
    buffer = io.BytesIO()
    schema = None
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        if not _can_fork():
            for resource in RESOURCES:
                headers[resource] = _add_csv(archive, resource, api_csv(resource))
        else:
            others = [resource for resource in RESOURCES if resource != MAIN_RESOURCE]
            with tempfile.TemporaryDirectory(prefix="metroplan-open-data-") as name:
                directory = Path(name)
                pid = _fork_others(others, directory)
                try:
                    headers[MAIN_RESOURCE] = _add_csv(archive, MAIN_RESOURCE, api_csv(MAIN_RESOURCE))
                except BaseException:
                    os.kill(pid, signal.SIGKILL)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                    raise
                _wait(pid, directory)
                for resource in others:
                    with open(directory / f"{resource}.csv", "rb") as spool:
                        headers[resource] = _add_csv(archive, resource, iter(lambda: spool.read(1024 * 1024), b""))
                schema = pickle.loads((directory / "schema.pickle").read_bytes())
        archive.writestr("datapackage.json", json.dumps(descriptor(headers, schema), indent=2, ensure_ascii=False))
    return buffer.getvalue()


def package_build(*, package_id: int) -> OpenDataPackage | None:
    """Build one package, once: claim it (queued → running), write the zip to
    private storage, mark it done. Returns None when there was nothing to do."""
    now = timezone.now()
    if not OpenDataPackage.objects.filter(pk=package_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=now
    ):
        return None
    package = OpenDataPackage.objects.get(pk=package_id)
    try:
        content = package_zip()
        package.file.save(private_name("open-data", f"{PACKAGE_NAME}.zip"), ContentFile(content), save=False)
    except Exception as exc:
        OpenDataPackage.objects.filter(pk=package_id).update(
            state=State.FAILED, failure_reason=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    OpenDataPackage.objects.filter(pk=package_id).update(
        state=State.DONE, file=package.file.name, finished_at=timezone.now()
    )
    _forget_older(package_id)
    package.refresh_from_db()
    return package


def _forget_older(package_id: int) -> None:
    """Older packages' files: gone once a newer one is built (their rows stay as a log)."""
    storage = OpenDataPackage._meta.get_field("file").storage
    for old in OpenDataPackage.objects.filter(state=State.DONE, pk__lt=package_id).exclude(file=""):
        name = old.file.name
        OpenDataPackage.objects.filter(pk=old.pk).update(file="")
        transaction.on_commit(lambda name=name: storage.delete(name))
