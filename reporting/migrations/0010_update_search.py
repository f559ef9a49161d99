"""Full-text search over updates (reporting/search.py), on PostgreSQL only.

- the `unaccent` extension, and three text search configurations
  (metroplan_en, metroplan_fr, metroplan_es) that drop accents before
  stemming, so that "énergie", "energie" and "énergies" meet;
- a stored generated `search_vector` on progress updates (the narrative,
  weight A, and the reviewer's comment, weight B, in the three languages) and
  on evidence (the title), each with a GIN index and finer statistics.

The columns are not model fields: only reporting/search.py reads them, and no
write has to know about them (PostgreSQL keeps them up to date). On SQLite this
migration does nothing: search there is a plain substring match.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CONFIGS = {"metroplan_en": ("english", "english_stem"), "metroplan_fr": ("french", "french_stem"),
           "metroplan_es": ("spanish", "spanish_stem")}


def _vector(column: str, weight: str | None = None) -> str:
    parts = []
    for config in CONFIGS:
        vector = f"to_tsvector('{config}'::regconfig, {column})"
        parts.append(f"setweight({vector}, '{weight}')" if weight else vector)
    return " || ".join(parts)


FORWARD = [
    *(
        sql
        for config, (parser_copy, stemmer) in CONFIGS.items()
        for sql in (
            f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = pg_catalog.{parser_copy})",
            f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {stemmer}",
        )
    ),
    "ALTER TABLE reporting_progressupdate ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"{_vector('narrative', 'A')} || {_vector('reviewer_comment', 'B')}) STORED",
    "CREATE INDEX update_search_vector ON reporting_progressupdate USING gin (search_vector)",
    f"ALTER TABLE reporting_evidence ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_vector('title')}) STORED",
    "CREATE INDEX evidence_search_vector ON reporting_evidence USING gin (search_vector)",
    # Finer statistics of the words, so that the planner tells a rare word (use
    # the index) from a common one (read the newest updates first); with the
    # default, a rare word was taken for a common one and a search read a
    # million updates (bench/README.md, "Search").
    "ALTER TABLE reporting_progressupdate ALTER COLUMN search_vector SET STATISTICS 1000",
    "ALTER TABLE reporting_evidence ALTER COLUMN search_vector SET STATISTICS 1000",
]
BACKWARD = [
    "ALTER TABLE reporting_evidence DROP COLUMN search_vector",
    "ALTER TABLE reporting_progressupdate DROP COLUMN search_vector",
    *(f"DROP TEXT SEARCH CONFIGURATION {config}" for config in CONFIGS),
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0009_report_heartbeat"),
    ]

    operations = [
        UnaccentExtension(),  # does nothing on other databases
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
