"""The 验收核查表 as an .xlsx: any version exported as officials print it, and such a sheet, edited or filled in,
imported back as a new draft (every bad row named, nothing stored while one is bad)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from inspect_app.adapters import spreadsheet
from inspect_app.audit import trail as audit
from inspect_app.campaigns.checklists import TARGET, get_version, template_of
from inspect_app.domain.checklists.checklist import template_problems
from inspect_app.domain.checklists.checklist_sheet import RowProblem, printed_sheets, read_printed
from inspect_app.domain.identity.permissions import Action, Actor
from inspect_app.models import ChecklistVersion
from inspect_app.models.types import utcnow
from inspect_app.shared.access import require
from inspect_app.shared.errors import Invalid

MAX_IMPORT_ROWS = 2000  # a checklist of MAX_ITEMS items and its sections fits many times over


class ImportRejected(Exception):
    """The sheet was not imported; `problems` names every bad row."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__("；".join(str(p) for p in problems))
        self.problems = problems


def export_version(session: Session, actor: Actor, version_id: int) -> tuple[str, bytes]:
    """The version as the 验收核查表 officials print (a draft once it has no problem), and its file name."""
    version = get_version(session, actor, version_id)
    problems = template_problems(version.content)
    if problems:
        raise Invalid(f"草稿还有{len(problems)}处问题，改正后才能导出")
    template = template_of(version)
    data = spreadsheet.write_printed(printed_sheets(template))
    filename = re.sub(r'[\\/:*?"<>|\s]+', "_", f"{template.name}（{template.version}版）") + ".xlsx"
    return filename, data


def import_version(
    session: Session, actor: Actor, filename: str, data: bytes, max_rows: int = MAX_IMPORT_ROWS
) -> ChecklistVersion:
    """A printed (filled or edited) sheet as a new draft; ImportRejected naming every bad row, storing nothing."""
    require(actor, Action.MANAGE_CHECKLISTS)
    try:
        sheets = spreadsheet.read_sheets(filename, data, max_rows)
    except spreadsheet.SpreadsheetError as error:
        raise ImportRejected([RowProblem(0, str(error))]) from None
    content, problems = read_printed(sheets)
    if content is None:
        raise ImportRejected(problems)
    now = utcnow()
    draft = ChecklistVersion(content=content, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    audit.record(
        session,
        actor,
        "import_checklist",
        TARGET,
        draft.id,
        None,
        {"file": filename[-120:], "label": content["version"]},
    )
    session.commit()
    return draft
