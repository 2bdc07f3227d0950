"""Accounts from a spreadsheet: every row checked before any is stored, each new account with a one-time password."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from inspect_app.accounts.operations import OneTimeLogin, add_with_one_time_passwords
from inspect_app.adapters import spreadsheet
from inspect_app.adapters.passwords import Passwords
from inspect_app.directory.excel import ImportRejected, RowError
from inspect_app.domain.identity.accounts import AccountFields, normal_username, parse_account
from inspect_app.domain.identity.permissions import ROLE_LABELS, Actor
from inspect_app.models import User

# Chinese header → account field, in the template's order.
COLUMNS = {
    "登录名": "username",
    "姓名": "display_name",
    "角色": "role",
    "所属旗区": "district",
    "手机号": "phone",
    "邮箱": "email",
}
REQUIRED_HEADERS = ("登录名", "姓名", "角色")
HEADER_OF = {name: header for header, name in COLUMNS.items()}
WIDTHS = [24, 14, 14, 14, 18, 28]
MAX_ROWS = 500  # every account costs one Argon2id hash: a bigger file is better split than waited on
EXAMPLE_ROWS = [
    ["inspector.dongsheng2", "王海英", "检查员", "东胜区", "13904770001", "wang.haiying@example.com"],
    ["leader.hangjin", "李建国", "分管领导", "150625", "0477-8123456", ""],
]
_GUIDE = [
    (
        "登录名",
        "必填",
        "3至40位小写字母、数字、点、短横线或下划线，以字母或数字开头，如 inspector.dongsheng2；"
        "不能与已有账号或本文件的其他行重复",
    ),
    ("姓名", "必填", "不超过40个字"),
    ("角色", "必填", f"只能填：{'、'.join(ROLE_LABELS.values())}"),
    ("所属旗区", "检查员、分管领导必填", "旗区名称或代码，如 东胜区 或 150602；市12315中心和系统管理员不填"),
    ("手机号", "选填", "手机或固定电话，7至20位，只能包含数字、空格、短横线和括号"),
    ("邮箱", "选填", "接收待办事项提醒的邮箱，如 wang.li@example.com；不填则不发邮件（旧模板没有此列也可导入）"),
    (
        "说明",
        "",
        "第一行是表头，请勿修改列名；从第二行起每行一个账号，示例行请替换或删除。"
        "只要有一行有错，整个文件都不会导入。导入成功后，页面列出每个账号的一次性密码（只显示这一次），请打印或抄下交给本人；本人首次登录时须修改密码",
    ),
]


def _cell(record: dict[str, Any], header: str) -> Any:
    return record.get(header)


def _plan(session: Session, rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[AccountFields], list[RowError]]:
    """Check every row, and the logins against each other and the accounts there are."""
    wanted = {normal_username(_cell(r, "登录名")) for _, r in rows}
    taken = set(session.scalars(select(User.username).where(User.username.in_(wanted)))) if wanted else set()
    first_row: dict[str, int] = {}
    planned: list[AccountFields] = []
    errors: list[RowError] = []
    for row, record in rows:
        fields, problems = parse_account(*(_cell(record, h) for h in COLUMNS))
        errors.extend(
            RowError(row, message if HEADER_OF[name] in message else f"{HEADER_OF[name]}：{message}")
            for name, message in problems.items()
        )
        login = normal_username(_cell(record, "登录名"))
        if "username" not in problems and login in first_row:
            errors.append(RowError(row, f"登录名 {login} 与第{first_row[login]}行重复"))
        elif "username" not in problems and login in taken:
            errors.append(RowError(row, f"登录名 {login} 已有账号使用"))
        first_row.setdefault(login, row)
        if fields is not None:
            planned.append(fields)
    return planned, errors


def import_accounts(
    session: Session, passwords: Passwords, actor: Actor, filename: str, data: bytes
) -> list[OneTimeLogin]:
    """Create every account of the file, or none: a row with any problem stops the whole file."""
    try:
        rows = spreadsheet.read_rows(filename, data, REQUIRED_HEADERS, MAX_ROWS)
    except spreadsheet.SpreadsheetError as error:
        raise ImportRejected(str(error)) from None
    if not rows:
        raise ImportRejected("文件中只有表头，没有账号")
    planned, errors = _plan(session, rows)
    if errors:
        raise ImportRejected(errors)
    try:
        created = add_with_one_time_passwords(session, passwords, actor, planned, "import")
        session.commit()
    except IntegrityError as error:
        session.rollback()  # someone created one of these logins meanwhile
        raise ImportRejected("导入期间有人新建了同名账号，未导入任何账号，请重新上传") from error
    except BaseException:
        session.rollback()
        raise
    return created


def template_workbook() -> bytes:
    """The import template: the headers, two example rows, and a sheet explaining every column."""
    guide = spreadsheet.Sheet("填写说明", ["列名", "是否必填", "填写说明"], [list(g) for g in _GUIDE], [12, 20, 90])
    return spreadsheet.write_workbook("账号", list(COLUMNS), EXAMPLE_ROWS, WIDTHS, extra_sheets=[guide])
