"""The yardstick "SQL floor": for each API list, one hand-written PostgreSQL
statement that returns the page's rows with the same content as the endpoint's
`results` (related codes, nested rows as JSON, and the figures), by the rules of
DESIGN.md ("Derived figures"). Self-contained: nothing is taken from the app.

Parameters: %(plan)s (the current plan's id), %(today)s, %(limit)s.
"""

# Indicator, action figures of the plan's actions (or of every plan: {plans} is
# a condition on the goal `g`).
FIGURES = """
means AS (
    SELECT iv.indicator_id, p."end" AS period_end, AVG(iv.value) AS mean
    FROM reporting_indicatorvalue iv
    JOIN reporting_progressupdate u ON u.id = iv.update_id
    JOIN reporting_reportingperiod p ON p.id = u.period_id
    JOIN actions_indicator i ON i.id = iv.indicator_id AND i.action_id = u.action_id
    JOIN actions_action a ON a.id = i.action_id
    JOIN actions_goal g ON g.id = a.goal_id
    WHERE u.state = 'approved' AND iv.value IS NOT NULL AND {plans}
    GROUP BY iv.indicator_id, p."end"
),
latest AS (
    SELECT DISTINCT ON (indicator_id) indicator_id, mean AS latest_value
    FROM means ORDER BY indicator_id, period_end DESC
),
indicator_figures AS (
    SELECT i.id, i.action_id, i.retired, l.latest_value,
           LEAST(1.0, GREATEST(0.0, COALESCE(
               (l.latest_value::float8 - i.baseline::float8) / NULLIF(i.target::float8 - i.baseline::float8, 0),
               0.0))) AS progress
    FROM actions_indicator i
    JOIN actions_action a ON a.id = i.action_id
    JOIN actions_goal g ON g.id = a.goal_id
    LEFT JOIN latest l ON l.indicator_id = i.id
    WHERE {plans}
),
action_figures AS (
    SELECT a.id, a.goal_id, g.plan_id, a.weight, a.status, a.retired,
           COALESCE(AVG(f.progress) FILTER (WHERE NOT f.retired),
                    CASE a.status WHEN 'completed' THEN 1.0 WHEN 'not_started' THEN 0.0 ELSE 0.5 END) AS progress,
           COUNT(f.id) FILTER (WHERE NOT f.retired) AS indicator_count
    FROM actions_action a
    JOIN actions_goal g ON g.id = a.goal_id
    LEFT JOIN indicator_figures f ON f.action_id = a.id
    WHERE {plans}
    GROUP BY a.id, g.plan_id
)"""

WEIGHTED = """SUM(af.progress * af.weight) FILTER (WHERE NOT af.retired AND af.status <> 'cancelled')
    / NULLIF(SUM(af.weight) FILTER (WHERE NOT af.retired AND af.status <> 'cancelled'), 0)"""

PLANS = "WITH " + FIGURES.format(plans="TRUE") + f""",
plan_figures AS (
    SELECT af.plan_id, {WEIGHTED} AS progress, COUNT(*) FILTER (WHERE NOT af.retired) AS action_count
    FROM action_figures af GROUP BY af.plan_id
)
SELECT pl.code, pl.name, pl.subtitle, pl.start_date, pl.end_date, pl.status, pl.is_current, pf.progress,
       (SELECT COUNT(*) FROM actions_goal g WHERE g.plan_id = pl.id AND NOT g.retired),
       COALESCE(pf.action_count, 0)
FROM actions_plan pl LEFT JOIN plan_figures pf ON pf.plan_id = pl.id
ORDER BY pl.start_date DESC LIMIT %(limit)s
"""

GOALS = "WITH " + FIGURES.format(plans="g.plan_id = %(plan)s") + f""",
goal_figures AS (
    SELECT af.goal_id, {WEIGHTED} AS progress, NULLIF(COUNT(*) FILTER (WHERE NOT af.retired), 0) AS action_count
    FROM action_figures af GROUP BY af.goal_id
)
SELECT g.code, pl.code, g.title_en, g.description_en, g."order",
       ARRAY(SELECT s.sustainabledevelopmentgoal_id FROM actions_goal_sdgs s WHERE s.goal_id = g.id ORDER BY 1),
       g.retired, g.version, gf.progress, gf.action_count
FROM actions_goal g JOIN actions_plan pl ON pl.id = g.plan_id LEFT JOIN goal_figures gf ON gf.goal_id = g.id
WHERE g.plan_id = %(plan)s
ORDER BY g."order", g.code LIMIT %(limit)s
"""

ACTIONS = "WITH " + FIGURES.format(plans="g.plan_id = %(plan)s") + """
SELECT a.code, g.code, pl.code, a.title_en, a.description_en, lead.username, a.start_date, a.end_date, a.status,
       a.weight, a."order", a.retired,
       ARRAY(SELECT s.sustainabledevelopmentgoal_id FROM actions_action_sdgs s WHERE s.action_id = a.id ORDER BY 1),
       ARRAY(SELECT m.slug FROM actions_participation pa JOIN members_member m ON m.id = pa.member_id
             WHERE pa.action_id = a.id ORDER BY m.slug),
       af.indicator_count, af.progress, a.version
FROM actions_action a
JOIN actions_goal g ON g.id = a.goal_id
JOIN actions_plan pl ON pl.id = g.plan_id
LEFT JOIN auth_user lead ON lead.id = a.lead_id
JOIN action_figures af ON af.id = a.id
WHERE g.plan_id = %(plan)s
ORDER BY g."order", a."order", a.code LIMIT %(limit)s
"""

INDICATORS = "WITH " + FIGURES.format(plans="g.plan_id = %(plan)s") + """
SELECT i.id, i.code, a.code, pl.code, i.name_en, i.description_en, i.unit, i.baseline, i.target, i.direction,
       i.retired,
       (SELECT COALESCE(json_agg(json_build_object('year', ms.year, 'value', ms.value) ORDER BY ms.year), '[]')
        FROM actions_milestone ms WHERE ms.indicator_id = i.id),
       ROUND(f.latest_value, 2), f.progress, i.version
FROM actions_indicator i
JOIN actions_action a ON a.id = i.action_id
JOIN actions_goal g ON g.id = a.goal_id
JOIN actions_plan pl ON pl.id = g.plan_id
JOIN indicator_figures f ON f.id = i.id
WHERE g.plan_id = %(plan)s
ORDER BY g."order", a."order", a.code, i."order", i.code LIMIT %(limit)s
"""

# Compliance in the newest period of the plan whose deadline has passed: every
# expected (member, action) slot and its outcome.
SLOTS = """
period AS (
    SELECT id, code, start, "end", deadline FROM reporting_reportingperiod
    WHERE plan_id = %(plan)s AND deadline < %(today)s ORDER BY "end" DESC LIMIT 1
),
slots AS (
    SELECT pa.member_id,
           CASE WHEN u.first_submitted_at IS NULL THEN CASE WHEN %(today)s <= p.deadline THEN 'due' ELSE 'missing' END
                WHEN (u.first_submitted_at AT TIME ZONE 'UTC')::date <= p.deadline THEN 'on_time'
                WHEN EXISTS (SELECT 1 FROM reporting_periodreopening r
                             WHERE r.period_id = p.id AND r.member_id = pa.member_id AND r.state = 'granted'
                               AND r.until >= (u.first_submitted_at AT TIME ZONE 'UTC')::date) THEN 'excused'
                ELSE 'late' END AS outcome
    FROM period p
    JOIN actions_participation pa ON TRUE
    JOIN actions_action a ON a.id = pa.action_id
    JOIN actions_goal g ON g.id = a.goal_id
    LEFT JOIN reporting_progressupdate u
           ON u.member_id = pa.member_id AND u.action_id = pa.action_id AND u.period_id = p.id
    WHERE g.plan_id = %(plan)s AND NOT a.retired AND a.status <> 'cancelled'
      AND a.start_date <= p."end" AND a.end_date >= p.start
      AND EXISTS (SELECT 1 FROM members_membership s WHERE s.member_id = pa.member_id AND s.standing = 'active'
                  AND s.start <= p."end" AND (s."end" IS NULL OR s."end" >= p.start))
      AND NOT EXISTS (SELECT 1 FROM members_membership s WHERE s.member_id = pa.member_id
                      AND s.standing IN ('suspended', 'left', 'exempted')
                      AND s.start <= p."end" AND (s."end" IS NULL OR s."end" >= p.start))
)"""

COUNTS = """COUNT(sl.outcome) AS expected,
           COUNT(*) FILTER (WHERE sl.outcome = 'on_time') AS on_time,
           COUNT(*) FILTER (WHERE sl.outcome = 'late') AS late,
           COUNT(*) FILTER (WHERE sl.outcome = 'excused') AS excused,
           COUNT(*) FILTER (WHERE sl.outcome = 'missing') AS missing,
           COUNT(*) FILTER (WHERE sl.outcome = 'due') AS due"""

RATE = """CASE WHEN c.expected - c.due - c.excused > 0
            THEN c.on_time::float8 / (c.expected - c.due - c.excused) END"""

MEMBERS = "WITH " + SLOTS + f""",
counts AS (SELECT sl.member_id, {COUNTS} FROM slots sl GROUP BY sl.member_id)
SELECT m.slug, m.name, m.country, m.country_code, r.slug, m.membership_type, m.latitude, m.longitude,
       m.confidence, m.source, m.version, (SELECT code FROM period),
       COALESCE(c.expected, 0), COALESCE(c.on_time, 0), COALESCE(c.late, 0), COALESCE(c.excused, 0),
       COALESCE(c.missing, 0), COALESCE(c.due, 0), {RATE}
FROM members_member m
JOIN members_region r ON r.id = m.region_id
LEFT JOIN counts c ON c.member_id = m.id
ORDER BY m.name LIMIT %(limit)s
"""

REGIONS = "WITH " + SLOTS + f""",
counts AS (
    SELECT m.region_id, {COUNTS}
    FROM slots sl JOIN members_member m ON m.id = sl.member_id GROUP BY m.region_id
)
SELECT r.slug, r.name, r."order", (SELECT COUNT(*) FROM members_member m WHERE m.region_id = r.id),
       (SELECT code FROM period),
       COALESCE(c.expected, 0), COALESCE(c.on_time, 0), COALESCE(c.late, 0), COALESCE(c.excused, 0),
       COALESCE(c.missing, 0), COALESCE(c.due, 0), {RATE}
FROM members_region r LEFT JOIN counts c ON c.region_id = r.id
ORDER BY r."order", r.name LIMIT %(limit)s
"""

PERIODS = """
SELECT p.code, pl.code, p.start, p."end", p.deadline, p.is_open, p.version,
       COUNT(u.id), COUNT(u.id) FILTER (WHERE u.state <> 'draft'), COUNT(u.id) FILTER (WHERE u.state = 'approved')
FROM reporting_reportingperiod p
JOIN actions_plan pl ON pl.id = p.plan_id
LEFT JOIN reporting_progressupdate u ON u.period_id = p.id
WHERE p.plan_id = %(plan)s
GROUP BY p.id, pl.code
ORDER BY p.start LIMIT %(limit)s
"""

UPDATES = """
WITH page AS (
    SELECT u.id, p.start, m.name, a.code
    FROM reporting_progressupdate u
    JOIN reporting_reportingperiod p ON p.id = u.period_id
    JOIN members_member m ON m.id = u.member_id
    JOIN actions_action a ON a.id = u.action_id
    WHERE p.plan_id = %(plan)s ORDER BY p.start DESC, m.name, a.code LIMIT %(limit)s
)
SELECT u.id, m.slug, a.code, p.code, pl.code, u.state, u.status, u.narrative, u.no_change, u.reviewer_comment,
       u.created, u.modified, u.first_submitted_at, u.submitted_at, sb.username, u.reviewed_at, rb.username,
       CASE WHEN u.first_submitted_at IS NULL THEN NULL
            WHEN (u.first_submitted_at AT TIME ZONE 'UTC')::date <= p.deadline THEN 'on_time'
            WHEN EXISTS (SELECT 1 FROM reporting_periodreopening r
                         WHERE r.period_id = u.period_id AND r.member_id = u.member_id AND r.state = 'granted'
                           AND r.until >= (u.first_submitted_at AT TIME ZONE 'UTC')::date) THEN 'excused'
            ELSE 'late' END,
       u.version, u.is_demo,
       (SELECT COALESCE(json_agg(json_build_object(
                   'indicator', iv.indicator_id, 'indicator_code', i.code, 'value', iv.value,
                   'not_available', iv.not_available, 'reason', iv.not_available_reason) ORDER BY i."order", i.code),
               '[]')
        FROM reporting_indicatorvalue iv JOIN actions_indicator i ON i.id = iv.indicator_id WHERE iv.update_id = u.id),
       (SELECT COALESCE(json_agg(json_build_object(
                   'id', e.id, 'title', e.title, 'url', e.url, 'file', e.file, 'added_at', e.added_at)
                   ORDER BY e.added_at), '[]')
        FROM reporting_evidence e WHERE e.update_id = u.id)
FROM page
JOIN reporting_progressupdate u ON u.id = page.id
JOIN reporting_reportingperiod p ON p.id = u.period_id
JOIN actions_plan pl ON pl.id = p.plan_id
JOIN members_member m ON m.id = u.member_id
JOIN actions_action a ON a.id = u.action_id
LEFT JOIN auth_user sb ON sb.id = u.submitted_by_id
LEFT JOIN auth_user rb ON rb.id = u.reviewed_by_id
ORDER BY page.start DESC, page.name, page.code
"""

REPORTS = """
SELECT r.id, pl.code, r.kind, p.code, r.as_of, r.state, r.failure_reason, r.attempts, r.corrects_id,
       r.correction_note, u.username, r.created, r.started_at, r.finished_at, r.html <> '', r.pdf, r.xlsx, r.csv
FROM reporting_report r
JOIN actions_plan pl ON pl.id = r.plan_id
JOIN reporting_reportingperiod p ON p.id = r.period_id
LEFT JOIN auth_user u ON u.id = r.requested_by_id
WHERE r.plan_id = %(plan)s
ORDER BY r.created DESC LIMIT %(limit)s
"""

STATEMENTS = {
    "plans": PLANS, "goals": GOALS, "actions": ACTIONS, "indicators": INDICATORS, "members": MEMBERS,
    "regions": REGIONS, "periods": PERIODS, "updates": UPDATES, "reports": REPORTS,
}
