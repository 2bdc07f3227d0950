"""The audit trail checked against what the city holds: every signed archive's manifest recorded the chain's head
when it was signed ({"entries": n, "hash": h}). Whoever rewrites the history (deletes entries and recomputes every
hash and the head) still contradicts each document signed before the rewrite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from inspect_app.adapters.archive import Archive, Refused, Unreadable
from inspect_app.adapters.filestore import FileStore, MissingFile, StoreUnreachable
from inspect_app.city.verify import MANIFEST_CAP
from inspect_app.domain.evidence.manifest import MANIFEST, parse_manifest
from inspect_app.domain.evidence.submissions import CITY_NAME
from inspect_app.models import AuditEntry, Bundle, CityReport, District, Submission


@dataclass(frozen=True)
class Document:
    """A stored signed archive, and how a person names it."""

    key: str
    name: str


def documents(session: Session) -> Iterator[Document]:
    """Every signed archive this installation stored: the districts' bundles, the city's reports, the submissions
    sent from its own bundles. A ZIP uploaded from elsewhere (no bundle_id) anchors another installation's log."""
    districts = {d.id: d.name for d in session.scalars(select(District))}
    for bundle in session.scalars(select(Bundle).where(Bundle.archive_key.is_not(None)).order_by(Bundle.id)):
        assert bundle.archive_key is not None  # the query's condition, for the type checker
        yield Document(bundle.archive_key, f"第{bundle.version}版{districts.get(bundle.district_id, '')}证据包")
    for report in session.scalars(
        select(CityReport).where(CityReport.archive_key.is_not(None)).order_by(CityReport.id)
    ):
        assert report.archive_key is not None
        yield Document(report.archive_key, f"第{report.version}版{CITY_NAME}汇总报告")
    for submission in session.scalars(
        select(Submission).where(Submission.bundle_id.is_not(None)).order_by(Submission.id)
    ):
        yield Document(
            submission.archive_key,
            f"市中心收到的第{submission.version}版{districts.get(submission.district_id, '')}证据包",
        )


def _anchor(store: FileStore, key: str) -> dict | None:
    """The audit head a stored archive's manifest records; None when it records none (signed before anchors)."""
    with store.open(key) as stream, Archive(stream) as archive:  # the directory and manifest only are read
        if MANIFEST not in archive.members:
            return None
        anchor = parse_manifest(archive.read(MANIFEST, MANIFEST_CAP)).get("audit")
    if (
        not isinstance(anchor, dict)
        or type(anchor.get("entries")) is not int
        or not isinstance(anchor.get("hash"), str)
    ):
        return None
    return anchor


def anchor_problems(session: Session, store: FileStore) -> tuple[int, list[str]]:
    """How many documents anchor the chain, and each one the chain now contradicts (or that could not be read)."""
    hashes = dict(session.execute(select(AuditEntry.seq, AuditEntry.hash)).all())
    checked, problems, seen = 0, [], set()
    for document in documents(session):
        if document.key in seen:  # a bundle the city received is the same file as the district's own
            continue
        seen.add(document.key)
        try:
            anchor = _anchor(store, document.key)
        except StoreUnreachable:
            problems.append(f"{document.name}：文件存储暂时无法访问，无法核对它签字时记录的日志位置（请稍后重试）")
            continue
        except (MissingFile, Unreadable, Refused, ValueError) as error:
            reason = "文件缺失" if isinstance(error, MissingFile) else "文件无法读取"
            problems.append(f"{document.name}：{reason}，无法核对它签字时记录的日志位置（请从备份中恢复该文件）")
            continue
        if anchor is None:
            continue
        checked += 1
        seq, digest = anchor["entries"], anchor["hash"]
        if seq == 0:
            continue
        said = f"{document.name}签字时日志第{seq}条的哈希为{digest[:12]}…"
        if seq not in hashes:
            problems.append(f"{said}，现在日志只有{len(hashes)}条记录、没有第{seq}条：签字之前的日志被删除或重写")
        elif hashes[seq] != digest:
            problems.append(f"{said}，现在不符（现为{hashes[seq][:12]}…）：签字之前的日志被重写")
    return checked, problems
