"""Search at 100× the network's data (not a test):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> python -m bench.search \
        [--scale 100] [--requests 15] [--skip-fill]

Fills the scratch database (created if missing, migrated) with the plan, its
periods and actions, `scale` × 141 members, each in six actions, and one update
a member, action and period: ~1,000,000 updates at scale 100 (the demo has
~10,000 at scale 1). Narratives are 4-6 sentences drawn from English, French
and Spanish ones, with accents; 1 update in 20 is a draft; 1 in 10 has a
reviewer's comment and 1 in 8 an evidence title. Words come at every
frequency, from a few hundred updates to most of them. Then ANALYZE, and
for each query: how many updates match, how many are ranked (at most
reporting.search.RANKED_AT_MOST, the newest), and p50 / p95 of

  api    GET /api/v1/updates/?search=… (page of 50, ranked, with snippets) as staff
  focal  the same as a focal point (visibility: approved, or its own member's)
  page   GET /search/?search=… (page of 20) as staff

through the whole Django stack (test client).
"""

import argparse
import os
import statistics
import sys
import time

QUERIES = [
    ("rare word", {"search": "géothermie"}),
    ("rare, another form, no accent", {"search": "geothermique"}),
    ("two words", {"search": "economía circular"}),
    ("common word", {"search": "transport"}),
    ("very common word", {"search": "city"}),
    ("phrase", {"search": '"public transport"'}),
    ("common word, one member", {"search": "transport", "member": "barcelona"}),
    ("common word, one period", {"search": "transport", "period": "2022-Q3"}),
    ("common word, one region and goal", {"search": "énergie", "region": "europe", "goal": "3"}),
    ("evidence title", {"search": "photographies"}),
]

SENTENCES = [
    # English
    "The city council approved the public transport plan for the metropolitan area.",
    "We trained forty officials in participatory budgeting and open data.",
    "Heat islands were mapped in every district with the university.",
    "The city launched a circular economy fund for small businesses.",
    "Public transport ridership grew after the new bus lanes opened.",
    "A gender equality unit now reviews every city procurement.",
    "The city shared its climate adaptation strategy with the network.",
    "Housing cooperatives received land at reduced cost in the city.",
    "Solar roofs now power two public schools.",
    "Our metropolitan observatory published its first indicators report.",
    # French
    "La métropole a adopté un plan de transport public pour les quartiers périphériques.",
    "Les énergies renouvelables couvrent désormais un tiers des bâtiments municipaux.",
    "Nous avons formé les équipes à la participation citoyenne et aux données ouvertes.",
    "Un programme d'économie circulaire soutient les coopératives de quartier.",
    "Les îlots de chaleur ont été cartographiés avec l'université.",
    "Des toits solaires alimentent deux écoles publiques depuis septembre.",
    "La ville a partagé sa stratégie d'adaptation climatique avec le réseau.",
    "Les transports en commun ont gagné des voyageurs grâce aux nouvelles voies.",
    "Une cellule égalité femmes-hommes examine chaque marché public.",
    "L'observatoire métropolitain a publié ses premiers indicateurs.",
    # Spanish
    "La ciudad aprobó un plan de transporte público para el área metropolitana.",
    "El programa de economía circular apoya a las cooperativas de barrio.",
    "Las energías renovables cubren un tercio de los edificios municipales.",
    "Capacitamos a cuarenta funcionarios en presupuesto participativo.",
    "Las islas de calor se cartografiaron con la universidad.",
    "Techos solares abastecen a dos escuelas públicas desde septiembre.",
    "La ciudad compartió su estrategia de adaptación climática con la red.",
    "El transporte público ganó pasajeros con los nuevos carriles de autobús.",
    "Una unidad de igualdad de género revisa cada contratación pública.",
    "El observatorio metropolitano publicó sus primeros indicadores.",
]
# Sentence i is drawn with a probability falling from ~18 % (the first) to ~1 %
# (the last), so that words come at many frequencies; RARE is added to 1 update
# in 2,000.
RARE = "Une étude de géothermie profonde est lancée avec le service géologique."
COMMENTS = ["Please add the figures for the last quarter.", "Merci de préciser les chiffres du transport.",
            "Por favor, añada las cifras de energía."]
TITLES = ["Photographies du chantier", "Informe anual de movilidad", "Council decision (PDF)",
          "Rapport d'évaluation énergétique", "Minutes of the steering committee"]


def setup_django() -> None:
    # The test settings: plain static files (no manifest to build), no throttling.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metroplan.settings_test")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def fill(scale: int) -> None:
    """The plan and periods (load_plan), then members, participations,
    updates and evidence in a few INSERT … SELECT statements."""
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("load_plan", verbosity=0, stdout=open(os.devnull, "w"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_progressupdate")
        if cursor.fetchone()[0]:
            print("Updates already there; use a fresh database to fill again.", file=sys.stderr)
            return
        cursor.execute(
            """
            INSERT INTO members_member (slug, name, country, country_code, membership_type, latitude, longitude,
                                        confidence, source, region_id, version, time_zone)
            SELECT m.slug || '-' || n, m.name || ' ' || n, m.country, m.country_code, m.membership_type,
                   m.latitude, m.longitude, m.confidence, m.source, m.region_id, 1, m.time_zone
            FROM members_member m, generate_series(2, %s) n
            """,
            [scale],
        )
        cursor.execute(
            """
            INSERT INTO actions_participation (action_id, member_id, is_demo)
            SELECT a.id, m.id, true
            FROM members_member m
            JOIN LATERAL (
                SELECT id FROM actions_action ORDER BY md5(m.id::text || id::text) LIMIT 6
            ) a ON true
            ON CONFLICT DO NOTHING
            """
        )
        started = time.monotonic()
        cursor.execute(
            """
            INSERT INTO reporting_progressupdate (member_id, action_id, period_id, state, status, narrative,
                no_change, reviewer_comment, created, modified, first_submitted_at, submitted_at, version, is_demo)
            SELECT p.member_id, p.action_id, r.id,
                   CASE WHEN h %% 20 = 0 THEN 'draft' ELSE 'approved' END, 'on_track',
                   (SELECT string_agg(s.sentences[1 + floor(power(((h / k) %% 997) / 997.0, 2) * 30)::int], ' ')
                    FROM (SELECT %s::text[] AS sentences) s, generate_series(1, 4 + h %% 3) k)
                   || CASE WHEN h %% 2000 = 7 THEN ' ' || %s ELSE '' END,
                   false,
                   CASE WHEN h %% 10 = 1 THEN (%s::text[])[1 + h %% 3] ELSE '' END,
                   now(), now(),
                   CASE WHEN h %% 20 = 0 THEN NULL ELSE r.deadline - 3 END,
                   CASE WHEN h %% 20 = 0 THEN NULL ELSE r.deadline - 3 END, 1, true
            FROM actions_participation p
            JOIN reporting_reportingperiod r ON true
            CROSS JOIN LATERAL (SELECT abs(hashtext(p.id::text || '-' || r.id::text)) AS h) hashed
            """,
            [SENTENCES, RARE, COMMENTS],
        )
        print(f"  updates inserted in {time.monotonic() - started:.0f} s", file=sys.stderr)
        cursor.execute(
            """
            INSERT INTO reporting_evidence (update_id, title, file, file_name, url, added_at)
            SELECT id, (%s::text[])[1 + id %% 5], '', '', 'https://example.org/evidence/' || id, now()
            FROM reporting_progressupdate WHERE id %% 8 = 0
            """,
            [TITLES],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed(client, path: str, params: dict, runs: int) -> tuple[float, float, object]:
    times, response = [], None
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, params, response.status_code, response.content[:300])
    times.sort()
    return statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)], response


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--skip-fill", action="store_true")
    args = parser.parse_args(argv)
    setup_django()

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.api import ensure_database
    from members.models import ApiToken, FocalPoint, Member
    from reporting.models import Evidence, ProgressUpdate
    from reporting.search import _configurations, _Matches

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("bench.search measures PostgreSQL: set DATABASE_URL=postgres://…/<scratch database>.", file=sys.stderr)
        return 2
    ensure_database()
    call_command("migrate", verbosity=0, interactive=False)
    if not args.skip_fill:
        print(f"Filling at scale {args.scale} (several minutes at 100)…", file=sys.stderr)
        started = time.monotonic()
        fill(args.scale)
        print(f"  filled in {time.monotonic() - started:.0f} s", file=sys.stderr)

    User = get_user_model()
    staff, _ = User.objects.get_or_create(username="bench-search-staff", defaults={"is_staff": True})
    staff.groups.add(*__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.filter(
        name="Secretariat"))
    focal, _ = User.objects.get_or_create(username="bench-search-focal")
    FocalPoint.objects.get_or_create(user=focal, defaults={"member": Member.objects.get(slug="barcelona")})
    ApiToken.objects.filter(user__in=[staff, focal]).delete()
    from metroplan.testing.factories import make_token

    _, staff_key = make_token(staff, scope=ApiToken.Scope.READ)
    _, focal_key = make_token(focal, scope=ApiToken.Scope.READ)
    api = Client(HTTP_AUTHORIZATION=f"Token {staff_key}")
    api_focal = Client(HTTP_AUTHORIZATION=f"Token {focal_key}")
    page = Client()
    page.force_login(staff)
    from metroplan.testing.second_factor import client_passes_second_factor

    client_passes_second_factor(page, staff)  # a staff session has passed its second factor

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('reporting_progressupdate')), "
                       "pg_size_pretty(pg_relation_size('update_search_vector'))")
        table_size, index_size = cursor.fetchone()
    total = ProgressUpdate.objects.count()
    print(f"Data: {total:,} updates ({table_size} with indexes; GIN index {index_size}), "
          f"{Evidence.objects.count():,} evidence, {Member.objects.count():,} members; "
          f"{args.requests} requests each; times in ms, p50 (p95).")
    print("| query | updates matching | ranked | API, staff | API, focal point | page, staff |")
    print("|---|---|---|---|---|---|")
    for label, params in QUERIES:
        matching = ProgressUpdate.objects.filter(_Matches(params["search"], _configurations()))
        for name in ("member", "period"):
            if name in params:
                matching = matching.filter(**{f"{name}__{'slug' if name == 'member' else 'code'}": params[name]})
        if "region" in params:
            matching = matching.filter(member__region__slug=params["region"], action__goal__code=params["goal"])
        matches = matching.count()  # every one, not capped
        api_p50, api_p95, response = timed(api, "/api/v1/updates/", {**params, "plan": "2021-2023"}, args.requests)
        count = response.json()["count"]
        focal_p50, focal_p95, _ = timed(api_focal, "/api/v1/updates/", {**params, "plan": "2021-2023"},
                                        args.requests)
        page_p50, page_p95, _ = timed(page, "/search/", params, args.requests)
        print(f"| {label}: `{params}` | {matches:,} ({matches / total:.1%}) | {count:,} | "
              f"{api_p50:.0f} ({api_p95:.0f}) | {focal_p50:.0f} ({focal_p95:.0f}) | {page_p50:.0f} ({page_p95:.0f}) |",
              flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
