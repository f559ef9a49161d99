"""A report's files, the one place that says which exist and where each is:
the report page, its downloads and the API's `/reports/{id}/files/{format}`
all ask `report_file`.

Formats and languages plug in here: a new rendering (a deck, a rendering per
language) adds its format to REPORT_FORMATS and its look-up to `report_file`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile, File

from reporting.models import Report

# Format → (content type, opened in the browser rather than saved).
REPORT_FORMATS: dict[str, tuple[str, bool]] = {
    "html": ("text/html; charset=utf-8", True),
    "pdf": ("application/pdf", False),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    "csv": ("text/csv; charset=utf-8", False),
}


@dataclass(frozen=True)
class ReportFile:
    """A file of a report, ready for metroplan.files.serve_file."""

    file: File  # a stored FieldFile, or bytes in hand (the HTML page)
    filename: str
    content_type: str
    inline: bool


def report_languages(report: Report) -> list[str]:
    """The languages the report is rendered in (reports are built in the
    site's default language)."""
    return [settings.LANGUAGE_CODE]


def report_file_stem(report: Report) -> str:
    return f"report-{report.plan.code}-{report.kind}-{report.period.code}-{report.as_of}-{report.pk}"


def report_file_formats(report: Report) -> list[str]:
    """The formats a report has files in, read from the row alone (no query,
    no rendering; a list reads `has_html` instead of the deferred HTML)."""
    if report.state != Report.State.DONE:
        return []
    has_html = report.has_html if hasattr(report, "has_html") else bool(report.html)
    return [fmt for fmt in REPORT_FORMATS if (has_html if fmt == "html" else bool(getattr(report, fmt)))]


def report_file(report: Report, fmt: str, language: str | None = None) -> ReportFile | None:
    """The `fmt` file of a built report in `language` (None: the report's own),
    or None when there is no such file. The caller has checked that the user
    may see the report."""
    if report.state != Report.State.DONE or fmt not in REPORT_FORMATS:
        return None
    if language is not None and language not in report_languages(report):
        return None
    content_type, inline = REPORT_FORMATS[fmt]
    filename = f"{report_file_stem(report)}.{fmt}"
    if fmt == "html":
        from reporting.rendering import render_document

        if not report.html:
            return None
        content = render_document(report.snapshot, report.html).encode("utf-8")
        return ReportFile(ContentFile(content, name=filename), filename, content_type, inline)
    stored = getattr(report, fmt)
    if not stored:
        return None
    return ReportFile(stored, filename, content_type, inline)
