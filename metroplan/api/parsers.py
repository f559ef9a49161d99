"""The API's parsers: DRF's, plus two refusals on the parsed data.

They run when a view reads `request.data`, after authentication, so that
nothing parses a body for a client that is not allowed in:

- a NUL character (0x00) anywhere in the data is a 400: PostgreSQL can neither
  store nor compare such text;
- JSON nested too deeply for the parser is a 400, not a RecursionError.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

from metroplan.middleware import has_nul


class NulCharacter(exceptions.APIException):
    status_code = 400
    default_detail = _("The request contains a NUL character, which is not allowed in text.")
    default_code = "invalid"


def _refuse_nul(data):
    if has_nul(data) or (hasattr(data, "lists") and has_nul(dict(data.lists()))):
        raise NulCharacter()
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(_("JSON parse error - the data is nested too deeply.")) from exc
        return _refuse_nul(data)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _refuse_nul(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _refuse_nul(result.data)
        return result
