"""One search vector per update, its evidence titles included (PostgreSQL only;
reporting/search.py, bench/README.md "Search").

0010 gave each update a generated vector of its narrative and comment, and each
evidence one of its title; a search looked for the words in both and merged
the two lists. A word common in evidence titles made the second list slow
(1.2 s at 100× the network's data): PostgreSQL read the updates newest first
looking for those with a matching title. Now each update's vector holds its
narrative (weight A), its reviewer's comment (B) and its evidence titles (C),
in the three configurations, so that one GIN index answers every search.

A generated column may not read another table, so the vector is kept by
triggers: one on the update (before a write of its narrative or comment) and
one on evidence (after a title is added, changed or removed: its update's
vector is made again). No Python code writes it. On SQLite this migration does
nothing (search there is a substring match).
"""

from django.db import migrations

CONFIGS = ("metroplan_en", "metroplan_fr", "metroplan_es")


def _vector(column: str, weight: str) -> str:
    return " || ".join(f"setweight(to_tsvector('{config}'::regconfig, {column}), '{weight}')" for config in CONFIGS)


def _generated(column: str, weight: str | None = None) -> str:
    parts = [f"to_tsvector('{config}'::regconfig, {column})" for config in CONFIGS]
    return " || ".join(f"setweight({part}, '{weight}')" for part in parts) if weight else " || ".join(parts)


FORWARD = [
    # The vector of an update: its own text and the titles of its evidence.
    f"""
    CREATE FUNCTION reporting_update_search_vector(p_update bigint, p_narrative text, p_comment text)
    RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT {_vector('p_narrative', 'A')} || {_vector('p_comment', 'B')} || coalesce(
            (SELECT {_vector("string_agg(title, ' ' ORDER BY id)", 'C')}
             FROM reporting_evidence WHERE update_id = p_update),
            ''::tsvector)
    $$
    """,
    """
    CREATE FUNCTION reporting_update_search_vector_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := reporting_update_search_vector(NEW.id, NEW.narrative, NEW.reviewer_comment);
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION reporting_evidence_search_vector_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE reporting_progressupdate u
        SET search_vector = reporting_update_search_vector(u.id, u.narrative, u.reviewer_comment)
        WHERE u.id IN (
            SELECT id FROM (VALUES (CASE WHEN TG_OP <> 'INSERT' THEN OLD.update_id END),
                                   (CASE WHEN TG_OP <> 'DELETE' THEN NEW.update_id END)) AS ids(id)
        );
        RETURN NULL;
    END $$
    """,
    "DROP INDEX IF EXISTS evidence_search_vector",
    "ALTER TABLE reporting_evidence DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE reporting_progressupdate DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE reporting_progressupdate ADD COLUMN search_vector tsvector",
    "UPDATE reporting_progressupdate SET search_vector = "
    "reporting_update_search_vector(id, narrative, reviewer_comment)",
    "CREATE TRIGGER reporting_update_search_vector BEFORE INSERT OR UPDATE OF narrative, reviewer_comment "
    "ON reporting_progressupdate FOR EACH ROW EXECUTE FUNCTION reporting_update_search_vector_write()",
    "CREATE TRIGGER reporting_evidence_search_vector AFTER INSERT OR DELETE OR UPDATE OF title, update_id "
    "ON reporting_evidence FOR EACH ROW EXECUTE FUNCTION reporting_evidence_search_vector_write()",
    "CREATE INDEX update_search_vector ON reporting_progressupdate USING gin (search_vector)",
    # Finer statistics of the words: the planner tells a rare word (the index)
    # from a common one (the newest updates first); see 0010.
    "ALTER TABLE reporting_progressupdate ALTER COLUMN search_vector SET STATISTICS 1000",
]
BACKWARD = [
    "DROP TRIGGER reporting_evidence_search_vector ON reporting_evidence",
    "DROP TRIGGER reporting_update_search_vector ON reporting_progressupdate",
    "ALTER TABLE reporting_progressupdate DROP COLUMN search_vector",
    "DROP FUNCTION reporting_evidence_search_vector_write()",
    "DROP FUNCTION reporting_update_search_vector_write()",
    "DROP FUNCTION reporting_update_search_vector(bigint, text, text)",
    # 0010's columns and indexes.
    "ALTER TABLE reporting_progressupdate ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"{_generated('narrative', 'A')} || {_generated('reviewer_comment', 'B')}) STORED",
    "CREATE INDEX update_search_vector ON reporting_progressupdate USING gin (search_vector)",
    f"ALTER TABLE reporting_evidence ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_generated('title')}) "
    "STORED",
    "CREATE INDEX evidence_search_vector ON reporting_evidence USING gin (search_vector)",
    "ALTER TABLE reporting_progressupdate ALTER COLUMN search_vector SET STATISTICS 1000",
    "ALTER TABLE reporting_evidence ALTER COLUMN search_vector SET STATISTICS 1000",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0013_reminder_schedule_steps_digests"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]
