"""Search across what members wrote: the narratives, the reviewers' comments
and the evidence titles of progress updates, among the updates a user may see
(the caller passes `ProgressUpdate.objects.visible_to(user)`; nothing here
widens it).

PostgreSQL: full-text search (migrations reporting/0010_update_search and
0014_update_search_one_vector). Each update has a stored `search_vector` of
its narrative (weight A), reviewer's comment (weight B) and evidence titles
(weight C), kept by triggers, read in the English, French and Spanish
configurations together (all three drop accents before stemming): an
update's language is not recorded, so the words searched are read in the
three languages too. "énergies" finds "énergie", "economia" finds
"economía". The syntax is websearch_to_tsquery's ("quoted phrase", or,
-word). Results are ranked with ts_rank (by the weights: a narrative match
counts most, an evidence title least), and the page's snippets are
ts_headline's, in the first language whose reading of the field matches, the
user's own first.

Elsewhere (SQLite, the embedded default): every word must appear, as typed
but in any case, in one of those fields; a narrative match ranks above a
comment or evidence match; snippets are the text around the first match.

Snippets are HTML: the text escaped, with only <mark> around the matches.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Case, Exists, Expression, F, FloatField, OuterRef, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from metroplan.db import any_of
from reporting.models import Evidence, ProgressUpdate

# The language of the words searched → its text search configuration.
CONFIGURATIONS = {"en": "metroplan_en", "fr": "metroplan_fr", "es": "metroplan_es"}
SEARCH_MAX_LENGTH = 200
RANKED_AT_MOST = 2000  # PostgreSQL: the newest matches ranked (updates_search)
# PostgreSQL: a search whose matches the planner expects to be fewer than
# sqrt(FEW_MATCHES × RANKED_AT_MOST × the updates) finds them all, then keeps
# the newest; more, and it reads the newest updates until it has enough
# (`_newest_matches`; figures in bench/README.md, "Search").
FEW_MATCHES = 1.0
# Markers ts_headline puts around a match: private-use characters, removed from
# the text first, so that the text can be escaped and only they become <mark>.
START, STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=40, MinWords=15, ShortWord=2, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
TITLE_OPTIONS = f'StartSel="{START}", StopSel="{STOP}", HighlightAll=true'
FALLBACK_CONTEXT = 90  # characters either side of the first match (SQLite)


@dataclass(frozen=True)
class Snippet:
    field: str  # "narrative", "reviewer_comment" or "evidence"
    html: SafeString


@dataclass
class Match:
    """How an update matched a search: its rank and highlighted snippets."""

    rank: float
    snippets: list[Snippet] = field(default_factory=list)


def _configurations(preferred: str | None = None) -> list[str]:
    """The three configurations, the reader's language first."""
    order = [preferred] if preferred in CONFIGURATIONS else []
    order += [code for code in CONFIGURATIONS if code not in order]
    return [CONFIGURATIONS[code] for code in order]


def _tsquery(configs: list[str], text: str) -> tuple[str, list]:
    """The words as a tsquery: their reading in each configuration, or-ed."""
    sql = " || ".join(f"websearch_to_tsquery('{config}', %s)" for config in configs)
    return f"({sql})", [text] * len(configs)


class _OnUpdateVector(Expression):
    """SQL on the update's stored vector, in the query's own table (the vector
    is no model field, so it is read by the table's alias)."""

    def __init__(self, text: str, configs: list[str]):
        super().__init__()
        self.text, self.configs = text, configs

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        query, params = _tsquery(self.configs, self.text)
        return self.sql(table, query, params)


class _Matches(_OnUpdateVector):
    """The update's narrative, comment or one of its evidence titles matches the words."""

    output_field = BooleanField()
    conditional = True

    def sql(self, table, query, params):
        return f"{table}.search_vector @@ {query}", params


class _Rank(_OnUpdateVector):
    """ts_rank of the update's vector (narrative A, comment B, evidence titles C)."""

    output_field = FloatField()

    def sql(self, table, query, params):
        return f"ts_rank({table}.search_vector, {query}, 1)", params


def _terms(text: str) -> list[str]:
    return [term for term in (word.strip('"') for word in text.split()) if term][:20]


def _rank(text: str) -> Expression:
    """How well an update matches: higher is better."""
    if connection.vendor == "postgresql":
        return _Rank(text, _configurations())
    # Substrings: every word in the narrative ranks above a match elsewhere.
    in_narrative = Q()
    for term in _terms(text):
        in_narrative &= Q(narrative__icontains=term)
    return Case(When(in_narrative, then=Value(1.0)), default=Value(0.5), output_field=FloatField())


def updates_search(queryset, *, text: str):
    """The updates of `queryset` that match `text`, best first, each annotated
    with `search_rank`.

    On PostgreSQL the updates ranked are the RANKED_AT_MOST newest matches of
    `queryset` (the updates a user may see, filtered): with a million updates,
    a common word matches hundreds of thousands, and ranking them all would
    read all their vectors. Their ids are found first (one query on the
    update's vector, which holds its evidence titles too: the planner's best
    way, the GIN index for a rare word or with narrow filters, the newest
    updates first for a common one), then ranked; a count of RANKED_AT_MOST
    means "at least that many"."""
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if connection.vendor == "postgresql":
        ids = _newest_matches(queryset.filter(_Matches(text, _configurations())))
        return queryset.filter(any_of("pk", ids)).annotate(search_rank=_rank(text)).order_by("-search_rank", "-pk")
    terms = _terms(text)
    if not terms:
        return queryset.none()
    for term in terms:
        titled = Evidence.objects.filter(update=OuterRef("pk"), title__icontains=term)
        queryset = queryset.filter(
            Q(narrative__icontains=term) | Q(reviewer_comment__icontains=term) | Exists(titled)
        )
    return queryset.annotate(search_rank=_rank(text)).order_by("-search_rank", "-pk")


def _newest_matches(matching) -> list[int]:
    """The ids of the RANKED_AT_MOST newest updates of `matching`, the planner's
    estimate of their number choosing the way (PostgreSQL).

    Reading the updates newest first until RANKED_AT_MOST match costs about
    RANKED_AT_MOST × updates / matches rows; finding every match (the GIN
    index, or the other filters' indexes) then sorting them costs about
    `matches` rows. Left to itself the planner reads newest first too often:
    a common word with two filters that keep 1 % of the updates read 430,000
    of a million updates (2.4 s), where finding its 4,500 matches took 0.26 s.
    Its estimate of the matches is the better guide (it runs over: each
    word's three readings are counted as if independent), so it is asked
    first (EXPLAIN: the query is planned twice, a few milliseconds; ~25 ms
    at 100× under load). `pk + 0` keeps it from answering "every match,
    newest first" with the primary key's index."""
    if matching.query.is_empty():
        return []
    estimate, updates = _estimated_rows(matching)
    if estimate * estimate <= FEW_MATCHES * RANKED_AT_MOST * max(updates, estimate):
        newest = matching.order_by((F("pk") + 0).desc())
    else:
        newest = matching.order_by("-pk")
    return list(newest.values_list("pk", flat=True)[:RANKED_AT_MOST])


def _estimated_rows(queryset) -> tuple[float, float]:
    """The planner's estimate of the rows of `queryset`, and of all updates."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [ProgressUpdate._meta.db_table]
        )
        updates = cursor.fetchone()[0]  # -1: never analysed
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"]), float(updates)


def ranked_at_most() -> int | None:
    """How many matches at most a search ranks (None: all of them)."""
    return RANKED_AT_MOST if connection.vendor == "postgresql" else None


def search_matches(*, update_ids, text: str, preferred: str | None = None) -> dict[int, Match]:
    """{update id: Match} for a page of updates found by `updates_search`
    (two queries whatever the page's size). `preferred` is the reader's
    language, tried first for the snippets."""
    update_ids = [int(pk) for pk in update_ids]
    text = text.strip()[:SEARCH_MAX_LENGTH]
    if not update_ids or not text:
        return {}
    if connection.vendor == "postgresql":
        return _matches_postgresql(update_ids, text, preferred)
    return _matches_substring(update_ids, text)


def _ranked(update_ids, text) -> dict[int, Match]:
    ranks = ProgressUpdate.objects.filter(any_of("pk", update_ids)).order_by().annotate(search_rank=_rank(text))
    return {pk: Match(rank=float(rank)) for pk, rank in ranks.values_list("pk", "search_rank")}


def _highlighted(marked: str) -> SafeString:
    return mark_safe(escape(marked).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped


def _headline(column: str, configs: list[str], text: str, options: str) -> tuple[str, list]:
    """ts_headline of `column` in the first configuration whose reading of it
    matches the words; NULL when none does."""
    whens, params = [], []
    for config in configs:
        query = f"websearch_to_tsquery('{config}', %s)"
        whens.append(
            f"WHEN to_tsvector('{config}', {column}) @@ {query} "
            f"THEN ts_headline('{config}', translate({column}, %s, ''), {query}, %s)"
        )
        params += [text, START + STOP, text, options]
    return f"CASE {' '.join(whens)} END", params


def _matches_postgresql(update_ids, text, preferred) -> dict[int, Match]:
    configs = _configurations(preferred)
    matches = _ranked(update_ids, text)
    narrative, narrative_params = _headline("narrative", configs, text, HEADLINE_OPTIONS)
    comment, comment_params = _headline("reviewer_comment", configs, text, HEADLINE_OPTIONS)
    title, title_params = _headline("title", configs, text, TITLE_OPTIONS)
    sql = f"""
        SELECT id, 0, 'narrative', {narrative} FROM reporting_progressupdate WHERE id = ANY(%s)
        UNION ALL
        SELECT id, 1, 'reviewer_comment', {comment} FROM reporting_progressupdate WHERE id = ANY(%s)
        UNION ALL
        SELECT update_id, 2, 'evidence', {title} FROM reporting_evidence WHERE update_id = ANY(%s)
        ORDER BY 1, 2
    """
    params = [*narrative_params, update_ids, *comment_params, update_ids, *title_params, update_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, _order, field_name, marked in cursor.fetchall():
            if marked and pk in matches:
                matches[pk].snippets.append(Snippet(field_name, _highlighted(marked)))
    return matches


def _substring_snippet(text: str, terms: list[str], *, whole: bool = False) -> SafeString | None:
    """The text around the first match of any term, escaped, every match in <mark>."""
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return None
    start, end = (0, len(text)) if whole else (
        max(0, first.start() - FALLBACK_CONTEXT), min(len(text), first.end() + FALLBACK_CONTEXT)
    )
    window = text[start:end]
    pieces, at = [], 0
    for found in pattern.finditer(window):
        pieces += [escape(window[at:found.start()]), "<mark>", escape(found.group()), "</mark>"]
        at = found.end()
    pieces.append(escape(window[at:]))
    html = "".join(pieces)
    return mark_safe(("… " if start else "") + html + (" …" if end < len(text) else ""))  # noqa: S308 - escaped


def _matches_substring(update_ids, text) -> dict[int, Match]:
    terms = _terms(text)
    matches = _ranked(update_ids, text)
    texts = ProgressUpdate.objects.filter(pk__in=update_ids).order_by()
    for pk, narrative, comment in texts.values_list("pk", "narrative", "reviewer_comment"):
        match = matches.setdefault(pk, Match(rank=0.0))
        for name, value in (("narrative", narrative), ("reviewer_comment", comment)):
            snippet = _substring_snippet(value, terms)
            if snippet is not None:
                match.snippets.append(Snippet(name, snippet))
    titles = Evidence.objects.filter(update_id__in=update_ids).order_by("update_id", "pk")
    for update_id, title in titles.values_list("update_id", "title"):
        snippet = _substring_snippet(title, terms, whole=True)
        if snippet is not None and update_id in matches:
            matches[update_id].snippets.append(Snippet("evidence", snippet))
    return matches
