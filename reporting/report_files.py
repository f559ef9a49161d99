"""A report's files, in any language: the one way to get them.

    rendered = report_file(report, "pdf", "fr")   # html, pdf, pptx, xlsx, csv
    FileResponse(rendered.file, filename=rendered.name, content_type=rendered.content_type, ...)

Every rendering is made from the report's frozen snapshot (so the numbers are
the same in every language) the first time it is asked for, then kept in the
storage of the report's files under
`reports/<id>/<snapshot>/r<RENDER_VERSION>/<language>/<name>` and served from there. A
build renders the site's default language at once (its PDF, XLSX and CSV are
also the Report's `pdf`, `xlsx` and `csv` fields); the other languages are
rendered on demand. The pages (reporting/views_reports.py) and the API's file
endpoint call `report_file`; the report's page shows `report_body`.

RENDER_VERSION grows when the look of the renderings changes, so that files
rendered by older code are made again (the snapshot, and so every number,
stays as it was).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.utils import translation
from django.utils.crypto import salted_hmac

from reporting.models import Report

RENDER_VERSION = 3  # 3: the split of disaggregated indicators in the XLSX and CSV
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FORMATS = tuple(CONTENT_TYPES)
BODY = "body.html"  # the page's fragment, kept next to the files


class NotRendered(LookupError):
    """The report has no snapshot yet (not built), or the format or language is unknown."""


@dataclass
class ReportFile:
    """A rendering of a report, ready for metroplan.files.serve_file."""

    file: FieldFile  # the stored rendering
    name: str  # the name to download it under
    content_type: str
    language: str
    fmt: str

    @property
    def inline(self) -> bool:
        """The HTML opens in the browser; the other formats download."""
        return self.fmt == "html"


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def resolve_language(language: str | None) -> str:
    """`language` if the site has it; None: the active language (the reader's)."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    if language not in languages():
        raise NotRendered(language)
    return language


def _storage():
    return Report._meta.get_field("pdf").storage


def download_name(report: Report, fmt: str, language: str) -> str:
    return (f"report-{report.plan.code}-{report.kind}-{report.period.code}-{report.as_of}-{report.pk}"
            f"-{language}.{fmt}")


def _path(snapshot: dict, language: str, fmt: str) -> str:
    """Where a rendering of `snapshot` is kept: named by the report and by the
    moment its snapshot was taken, so that a rendering is never served for
    another snapshot (a build that lost its race, a database restored over
    kept files). Short enough for a FileField's 100 characters whatever the
    report (downloads are named by `download_name`, not by the stored name)."""
    meta = snapshot["meta"]
    # Keyed with the secret key: a stored name cannot be guessed (no URL maps to the storage anyway).
    taken = salted_hmac("report-rendering", f"{meta['report_id']} {meta['generated_at']}").hexdigest()[:24]
    return f"reports/{meta['report_id']}/{taken}/r{RENDER_VERSION}/{language}/report.{fmt}"


def _render(snapshot: dict, fmt: str, language: str, target, shared: dict | None = None) -> None:
    """Write the rendering of `snapshot` in `fmt` and `language` to the binary
    file `target`. `shared` keeps the body and the document between formats
    of one call (the PDF prints the HTML document)."""
    from reporting import rendering

    shared = {} if shared is None else shared

    def body() -> str:
        if "body" not in shared:
            shared["body"] = rendering.render_html(snapshot, language)
        return shared["body"]

    def document() -> str:
        if "document" not in shared:
            shared["document"] = rendering.render_document(snapshot, language, body())
        return shared["document"]

    if fmt == "xlsx":
        rendering.write_xlsx(snapshot, language, target)
    elif fmt == "csv":
        text = open(target.fileno(), "w", encoding="utf-8-sig", newline="", closefd=False)  # noqa: SIM115
        rendering.write_csv(snapshot, language, text)
        text.flush()
    elif fmt == "pdf":
        target.write(rendering.render_pdf(snapshot, language, document()))
    elif fmt == "pptx":
        from reporting.report_deck import render_pptx

        target.write(render_pptx(snapshot, language))
    elif fmt == "html":
        target.write(document().encode("utf-8"))
    elif fmt == BODY:
        target.write(body().encode("utf-8"))
    else:
        raise NotRendered(fmt)


def _store(path: str, snapshot: dict, fmt: str, language: str, *, replace: bool = False,
           shared: dict | None = None) -> str:
    """Render into a temporary file (XLSX and CSV are written row by row), then
    copy it into storage by chunks; returns the stored name. `replace`: a
    build's rendering replaces what an earlier, unfinished attempt left."""
    storage = _storage()
    if replace and storage.exists(path):
        storage.delete(path)
    with tempfile.TemporaryFile() as target:
        _render(snapshot, fmt, language, target, shared)
        target.seek(0)
        stored = storage.save(path, File(target, name=os.path.basename(path)))
    if stored != path:  # rendered at the same moment by another request: keep one
        storage.delete(stored)
    return path


def render_files(report: Report, snapshot: dict, language: str, formats=(*FORMATS, BODY)) -> dict[str, str]:
    """Render `formats` of `snapshot` in `language` into storage now (a build
    does this for the default language); returns {format: stored name}."""
    names, shared = {}, {}
    for fmt in formats:
        names[fmt] = _store(_path(snapshot, language, fmt), snapshot, fmt, language, replace=True, shared=shared)
    return names


def renderable(report: Report) -> bool:
    """Whether the report's files can be had, from the row alone (lists defer
    the snapshot): it is built, and its build stored the default language's
    files (a build stores them with the snapshot, in one transaction)."""
    return report.state == Report.State.DONE and bool(report.pdf)


def _stored(report: Report, fmt: str, language: str) -> str:
    if not renderable(report) or "meta" not in (report.snapshot or {}):
        raise NotRendered(report.pk)
    path = _path(report.snapshot, language, fmt)
    if not _storage().exists(path):
        _store(path, report.snapshot, fmt, language)
    return path


def report_file_formats(report: Report) -> list[str]:
    """The formats a report can be downloaded in, from the row alone (no query,
    no rendering): every format, once it is built."""
    return list(FORMATS) if renderable(report) else []


def report_file(report: Report, fmt: str, language: str | None = None) -> ReportFile:
    """The report in format `fmt` (html, pdf, pptx, xlsx, csv) and `language`
    (default: the active language, i.e. the reader's), rendered from its
    snapshot the first time and kept in storage. Raises NotRendered for a
    report not built yet, an unknown format or an unknown language."""
    if fmt not in CONTENT_TYPES:
        raise NotRendered(fmt)
    language = resolve_language(language)
    path = _stored(report, fmt, language)
    # A stored file (its storage and name), which metroplan.files.serve_file streams, hands to
    # nginx or redirects to a signed URL; reading it opens it.
    stored = FieldFile(report, Report._meta.get_field("pdf"), path)
    return ReportFile(file=stored, name=download_name(report, fmt, language),
                      content_type=CONTENT_TYPES[fmt], language=language, fmt=fmt)


def report_body(report: Report, language: str | None = None) -> str:
    """The report's body in `language`, for its page (kept like the files)."""
    language = resolve_language(language)
    with _storage().open(_stored(report, BODY, language), "rb") as handle:
        return handle.read().decode("utf-8")
