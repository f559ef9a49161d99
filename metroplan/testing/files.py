"""Files for upload tests."""

import functools
import io
import zipfile


@functools.cache
def zip_bomb_xlsx(unpacked_mb: int = 450) -> bytes:
    """A few MB of .xlsx whose one sheet unpacks to `unpacked_mb` MB of XML (built once per run)."""
    out = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 200_000
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            written = 0
            while written < unpacked_mb * 1024 * 1024:
                member.write(row)
                written += len(row)
    return out.getvalue()


def response_bytes(response) -> bytes:
    """A test client response's body, whether streamed (CSV lists, files) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content
