"""How long typed text may be: one number per kind of text, used alike by the
form, the API and the spreadsheet import, so that no route takes what another
refuses. (Short texts take their limit from their model field's max_length.)"""

NARRATIVE_MAX_LENGTH = 20_000  # an update's narrative: about ten pages
COMMENT_MAX_LENGTH = 5_000  # a reviewer's comment, a request's reason
