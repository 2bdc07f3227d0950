"""Checklist drafts: copied from a published version, edited with errors kept, published for good, audited."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from support import make_user

from inspect_app.campaigns import checklists
from inspect_app.campaigns import operations as campaigns
from inspect_app.demo.seed import default_template
from inspect_app.domain.checklists.checklist import TemplateError, canonical_data, content_digest, parse_template
from inspect_app.models import AuditEntry, Campaign, ChecklistVersion
from inspect_app.shared.errors import Forbidden, Invalid, NotFound


@pytest.fixture
def admin(session):
    return make_user(session, "admin", username="admin.checklists")


@pytest.fixture
def published(session):
    version, _ = checklists.load_checklist_version(session, default_template())
    return version


def entries(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def edited(draft: ChecklistVersion, **changes) -> dict:
    content = canonical_data(parse_template(draft.content))
    content.update(changes)
    return content


def test_a_copy_is_a_draft_with_the_next_label_that_no_campaign_may_use(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    assert not draft.is_published and draft.based_on_id == published.id
    assert (draft.name, draft.version, draft.content_sha256) == (None, None, None)  # a draft has no identity yet
    assert draft.content["version"] == "2026.2" and draft.content["sections"] == published.content["sections"]
    assert [v.id for v in campaigns.published_versions(session)] == [published.id]
    with pytest.raises(ValueError, match="published"):
        session.add(
            Campaign(
                name="用草稿的批次",
                starts_on=date(2027, 9, 1),
                deadline=date(2027, 12, 1),
                checklist_version_id=draft.id,
            )
        )
        session.flush()
    session.rollback()
    entry = entries(session, "copy_checklist")[0]
    assert (entry.user_id, entry.target_id, entry.details) == (
        admin.id,
        draft.id,
        {"from": published.id, "label": "2026.2"},
    )


def test_saving_keeps_a_draft_with_errors_and_says_what_is_wrong(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    content = edited(draft)
    content["sections"][0]["items"][0]["points"] = 10
    problems = checklists.save_draft(session, admin.actor, draft.id, content)
    assert [(p.path, p.message) for p in problems] == [("total_points", "各项分值合计 102 分，与总分 100 分不符")]
    session.refresh(draft)
    assert draft.content["sections"][0]["items"][0]["points"] == 10 and not draft.is_published
    with pytest.raises(TemplateError) as refused:
        checklists.publish_draft(session, admin.actor, draft.id)
    assert [str(p) for p in refused.value.problems] == ["各项分值合计 102 分，与总分 100 分不符"]
    session.refresh(draft)
    assert not draft.is_published and entries(session, "publish_checklist") == []
    assert [e.target_id for e in entries(session, "save_checklist_draft")] == [draft.id]


def test_publishing_makes_a_version_no_one_can_change_or_delete(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    content = edited(draft, total_points=102)
    content["sections"][0]["items"][0]["points"] = 10
    checklists.save_draft(session, admin.actor, draft.id, content)
    version, created = checklists.publish_draft(session, admin.actor, draft.id)
    assert created and version.id == draft.id and version.is_published
    assert (version.name, version.version) == ("12315消费维权服务站验收核查表", "2026.2")
    assert version.content_sha256 == content_digest(version.content) == content_digest(content)
    assert [v.version for v in campaigns.published_versions(session)] == ["2026.2", "2026.1"]
    assert entries(session, "publish_checklist")[0].details == {"label": "2026.2", "sha256": version.content_sha256}
    with pytest.raises(Invalid, match="已发布"):
        checklists.save_draft(session, admin.actor, version.id, content)
    with pytest.raises(Invalid, match="已发布"):
        checklists.delete_draft(session, admin.actor, version.id)
    # Below the use cases, the model refuses too.
    version.content = {**version.content, "name": "改过的"}
    with pytest.raises(ValueError, match="immutable"):
        session.commit()
    session.rollback()
    session.delete(session.get(ChecklistVersion, published.id))
    with pytest.raises(ValueError, match="never deleted"):
        session.flush()
    session.rollback()
    assert session.get(ChecklistVersion, version.id).content["name"] == "12315消费维权服务站验收核查表"


def test_publishing_content_equal_to_a_published_version_gives_that_version(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    checklists.save_draft(session, admin.actor, draft.id, edited(draft, version="2026.1"))
    version, created = checklists.publish_draft(session, admin.actor, draft.id)
    assert not created and version.id == published.id
    assert session.get(ChecklistVersion, draft.id) is None
    assert entries(session, "delete_checklist_draft")[0].details == {"same_as": published.id}


def test_a_label_taken_by_a_different_published_version_is_refused_on_the_label(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    content = edited(draft, version="2026.1")
    content["sections"][0]["items"][0]["guidance"] = "新的指引"
    problems = checklists.save_draft(session, admin.actor, draft.id, content)
    assert [(p.path, p.message) for p in problems] == [
        ("version", "版本号“2026.1”已用于已发布的“12315消费维权服务站验收核查表”，请改用新的版本号")
    ]
    with pytest.raises(TemplateError):
        checklists.publish_draft(session, admin.actor, draft.id)


def test_publish_only_what_was_previewed(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    seen = content_digest(draft.content)
    checklists.save_draft(session, admin.actor, draft.id, edited(draft, name="新核查表"))
    with pytest.raises(Invalid, match="预览后又被修改"):
        checklists.publish_draft(session, admin.actor, draft.id, expected=seen)
    version, created = checklists.publish_draft(
        session, admin.actor, draft.id, expected=content_digest(session.get(ChecklistVersion, draft.id).content)
    )
    assert created and version.name == "新核查表"


def test_two_admins_publishing_at_once_publish_once(app, session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    checklists.save_draft(session, admin.actor, draft.id, edited(draft, name="并发核查表"))
    maker, outcomes, go = app.extensions["db_sessionmaker"], [], threading.Barrier(2)

    def publish() -> None:
        own = maker()
        try:
            go.wait()
            outcomes.append(checklists.publish_draft(own, admin.actor, draft.id)[1])
        except Invalid as error:
            outcomes.append(str(error))
        finally:
            own.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == ["True", checklists.PUBLISHED_ALREADY]
    assert len(entries(session, "publish_checklist")) == 1


def test_deleting_a_draft(session, admin, published):
    draft = checklists.copy_version(session, admin.actor, published.id)
    checklists.delete_draft(session, admin.actor, draft.id)
    assert session.get(ChecklistVersion, draft.id) is None
    assert entries(session, "delete_checklist_draft")[0].target_id == draft.id
    with pytest.raises(NotFound):
        checklists.delete_draft(session, admin.actor, draft.id)


@pytest.mark.parametrize("role, code", [("city", None), ("leader", "150602"), ("inspector", "150602")])
def test_only_the_admin_manages_checklists(session, published, role, code):
    other = make_user(session, role, code)
    with pytest.raises(Forbidden):
        checklists.copy_version(session, other.actor, published.id)
    assert session.scalar(select(func.count()).select_from(ChecklistVersion)) == 1


def test_the_lists_show_drafts_with_their_problems_and_versions_with_their_campaigns(
    session, admin, published, make_campaign
):
    make_campaign(version=published)
    draft = checklists.copy_version(session, admin.actor, published.id)
    checklists.save_draft(session, admin.actor, draft.id, edited(draft, total_points=99))
    listing = checklists.list_versions(session, admin.actor)
    assert [(d.id, d.label, d.problem_count) for d in listing.drafts] == [
        (draft.id, "12315消费维权服务站验收核查表 2026.2", 1)
    ]
    assert [(v.id, v.campaigns) for v in listing.published] == [(published.id, ["2026年度自查验收"])]


def test_the_command_line_load_publishes_in_the_canonical_form(session):
    data = default_template()
    version, created = checklists.load_checklist_version(session, data)
    assert created and version.is_published and version.content == canonical_data(parse_template(data))
    assert version.content_sha256 == content_digest(version.content)
    # The same template written out in full is the same version.
    again, created_again = checklists.load_checklist_version(session, canonical_data(parse_template(data)))
    assert again.id == version.id and not created_again


def test_an_empty_install_starts_from_the_shipped_default_checklist(session, admin):
    assert checklists.shipped_template_published(session) is False
    draft = checklists.copy_shipped(session, admin.actor)
    assert draft.based_on_id is None and not draft.is_published
    assert draft.content == {**canonical_data(parse_template(default_template())), "version": "2026.2"}
    assert entries(session, "copy_checklist")[0].details == {"from": "default", "label": "2026.2"}
    checklists.load_checklist_version(session, default_template())
    assert checklists.shipped_template_published(session) is True
