"""Evidence is part of an update: adding or removing it is a new version, and
it shows in the update's history."""

import pytest

from metroplan.services import ConflictError
from metroplan.testing import factories as f
from reporting import services
from reporting.selectors_updates import update_history


@pytest.mark.django_db
def test_adding_and_removing_evidence_is_versioned_and_in_the_history(cast):
    action = f.ActionFactory(members=[cast.member_a])
    update = f.ProgressUpdateFactory(member=cast.member_a, action=action, state="draft")
    opened_on = update.version
    evidence = services.evidence_add(user=cast.focal_a, update=update, url="https://example.org/report",
                                     title="Annual report")
    assert update.version == opened_on + 1
    update.refresh_from_db()
    assert update.version == opened_on + 1

    # A form opened before the evidence was added is now stale.
    with pytest.raises(ConflictError):
        services.update_save(user=cast.focal_a, member=cast.member_a, action=action, period=update.period,
                             narrative="typed earlier", expected_version=opened_on)

    services.evidence_remove(user=cast.focal_a, evidence=evidence)
    update.refresh_from_db()
    assert update.version == opened_on + 2
    evidence_entries = [e for e in update_history(update) if "Annual report" in str(e.subject)]
    assert [(e.what, e.who) for e in evidence_entries] == [("created", cast.focal_a), ("deleted", cast.focal_a)]
    assert evidence_entries[0].changes[0][2] == "https://example.org/report"
