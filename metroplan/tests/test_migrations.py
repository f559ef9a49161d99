import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    # Exits with SystemExit(1) when a migration is missing.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_migrations_create_the_sdgs_and_the_secretariat_group():
    from django.contrib.auth.models import Group

    from actions.models import SustainableDevelopmentGoal

    assert SustainableDevelopmentGoal.objects.count() == 17
    assert SustainableDevelopmentGoal.objects.get(number=11).name == "Sustainable cities and communities"
    assert Group.objects.filter(name="Secretariat").exists()


@pytest.mark.django_db(transaction=True)
def test_existing_actions_get_their_goals_plan_and_a_weight_in_range():
    from datetime import date

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("actions", "0003_action_history_tracks_sdgs")]
    after = [("actions", "0006_action_code_unique_in_plan_and_weight_range")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    plan = old.get_model("actions", "Plan").objects.create(
        code="2021-2023", name="Plan", start_date=date(2021, 1, 1), end_date=date(2023, 12, 31)
    )
    goal = old.get_model("actions", "Goal").objects.create(plan=plan, code="1", title="Goal")
    old.get_model("actions", "Action").objects.create(
        goal=goal, code="1.1", title="Weightless", start_date=date(2021, 1, 1), end_date=date(2023, 12, 31), weight=0
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from actions.models import Action

    action = Action.objects.get(code="1.1")
    assert (action.plan_id, action.weight) == (plan.pk, 1)
