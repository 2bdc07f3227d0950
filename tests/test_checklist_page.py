"""The checklist page's use case: what the page shows and offers follows the reader and the campaign."""

from __future__ import annotations

import pytest
from support import make_user, open_inspection_with_photo

from inspect_app.campaigns import operations as campaigns
from inspect_app.inspection import operations as inspections
from inspect_app.inspection.checklist_page import checklist_page
from inspect_app.shared.errors import NotFound


def test_the_inspector_edits_and_the_leader_reads_the_history(app, session):
    inspector, inspection, photo = open_inspection_with_photo(app, session)
    inspections.answer_item(session, inspector.actor, inspection.id, "A1", "pass")
    # Who did it comes from the actor alone.
    assert (inspection.inspector_id, photo.uploaded_by_id) == (inspector.id, inspector.id)
    leader = make_user(session, "leader", "150602")

    mine = checklist_page(session, inspector.actor, inspection.id)
    assert (mine.editable, mine.reviewable, mine.frozen, mine.events) == (True, False, None, None)
    assert set(mine.answers) == {"A1"} and mine.answers["A1"].updated_by_id == inspector.id
    assert mine.missing and mine.waiting == [] and mine.conflicts == {}

    theirs = checklist_page(session, leader.actor, inspection.id)
    assert not theirs.editable and not theirs.reviewable  # not submitted yet
    assert [e.what for e in theirs.events]  # leaders read what was done to it


def test_a_closed_campaign_freezes_the_page(app, session):
    inspector, inspection, _ = open_inspection_with_photo(app, session)
    campaigns.close_campaign(session, make_user(session, "city").actor, inspection.campaign_id)
    page = checklist_page(session, inspector.actor, inspection.id)
    assert page.frozen and not page.editable


def test_another_districts_inspection_is_not_found(app, session):
    _, inspection, _ = open_inspection_with_photo(app, session)
    with pytest.raises(NotFound):
        checklist_page(session, make_user(session, "inspector", "150603").actor, inspection.id)
