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
