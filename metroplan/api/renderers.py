"""CSV for every list: `?format=csv` gives the same rows as the JSON list, with
the same filters, one row per object and nested fields flattened."""

import csv
import io
import json

from rest_framework.renderers import BaseRenderer

from metroplan.spreadsheets import csv_text

_PLAIN = frozenset({str, int, bool, float, type(None)})


def flatten(row: dict, prefix: str = "") -> dict:
    """{"progress": {"value": 0.5}} → {"progress.value": 0.5}; lists of plain
    values become "a;b"; lists of objects become JSON."""
    flat = {}
    for key, value in row.items():
        name = prefix + key if prefix else key
        if type(value) in _PLAIN:  # most cells: nothing to flatten (one check, not two isinstance)
            flat[name] = value
        elif isinstance(value, dict):
            flat.update(flatten(value, prefix=f"{name}."))
        elif isinstance(value, list):
            if all(not isinstance(item, (dict, list)) for item in value):
                flat[name] = ";".join("" if item is None else str(item) for item in value)
            else:
                flat[name] = json.dumps(value, ensure_ascii=False, default=str)
        else:
            flat[name] = value
    return flat


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        else:
            rows = [data]
        flat_rows = [flatten(dict(row)) for row in rows]
        header: list[str] = []
        for row in flat_rows:
            header.extend(key for key in row if key not in header)
        if not header and renderer_context and renderer_context.get("view") is not None:
            header = list(renderer_context["view"].get_serializer().fields.keys())
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        for row in flat_rows:
            writer.writerow({key: csv_text(value) for key, value in row.items()})
        return out.getvalue().encode(self.charset)
