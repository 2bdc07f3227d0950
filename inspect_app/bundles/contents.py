"""What a bundle version holds, digested part by part from the report's own data: a version may be signed only while
its contents are what its preview showed (domain/fingerprint.py), and its narrative is held against its figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy.orm import Session

from inspect_app.adapters.filestore import FileStore
from inspect_app.bundles.report.data import ReportData, StationReport, gather_report
from inspect_app.domain.checklists.checklist import Outcome
from inspect_app.domain.evidence import fingerprint as digests
from inspect_app.domain.evidence.narrative import Figures, figure_mismatches
from inspect_app.models import Bundle

NO_FINGERPRINT = "这一版生成时没有记录内容指纹"


def station_part(station: StationReport) -> str:
    """The name a station's inspection goes by, in the list of what changed."""
    return f"服务站 {station.number} {station.name} 的检查"


def parts(data: ReportData) -> dict[str, Any]:
    """Everything the report shows, by named part; the signer, the signing time and the generation time are left out
    (they are what the sign-off adds)."""
    named: dict[str, Any] = {station_part(s): _portable(asdict(s)) for s in data.stations}
    named["名录表"] = data.directory
    named["文字说明"] = data.narrative
    named["汇总数字"] = data.totals
    named["封面信息"] = [data.district, data.district_code, data.bureau, data.campaign, data.starts_on, data.deadline]
    if data.orders:  # a part only once there are orders: versions built before them keep their fingerprint
        named["整改通知"] = [asdict(order) for order in data.orders]
    return named


def _portable(value: Any) -> Any:
    """Files by their content-addressed name, not where this server keeps the store (a restored copy elsewhere
    holds the same version)."""
    if isinstance(value, PurePath):
        return value.name
    if isinstance(value, dict):
        return {k: _portable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_portable(v) for v in value]
    return value


def recorded(data: ReportData) -> dict[str, Any]:
    """The columns a built version keeps of what its preview showed."""
    part_digests = digests.contents(parts(data))
    return {
        "fingerprint": digests.fingerprint(part_digests),
        "part_digests": part_digests,
        "built_at": data.generated_at,
    }


@dataclass(frozen=True)
class Check:
    changes: tuple[str, ...]  # what changed since the preview, in Chinese; empty: the version still holds
    data: ReportData | None  # the contents now (None when they could not be gathered)

    @property
    def expired(self) -> bool:
        return bool(self.changes)


def gather(
    session: Session, store: FileStore, bundle: Bundle, leader: str = "", signed_at=None, fetch: bool = True
) -> ReportData:
    """The version's report data as of now (reads the rows the report reads; lays nothing out); `fetch=False`
    leaves its files in the store (gather_report)."""
    return gather_report(
        session,
        bundle.district_id,
        bundle.campaign_id,
        leader_name=leader,
        narrative=bundle.narrative,
        store=store,
        signed_at=signed_at,
        generated_at=bundle.built_at,
        fetch=fetch,
    )


def compare(bundle: Bundle, data: ReportData) -> tuple[str, ...]:
    """What differs between the version's preview and `data`, in Chinese."""
    if not bundle.fingerprint or bundle.part_digests is None:
        return (NO_FINGERPRINT,)
    now = digests.contents(parts(data))
    if digests.fingerprint(now) == bundle.fingerprint:
        return ()
    return tuple(digests.described(bundle.part_digests, now)) or ("内容有改动",)


def check(session: Session, store: FileStore, bundle: Bundle) -> Check:
    """Whether the built version still holds what its preview showed: from the rows and which files the store
    holds, none of them read (a page showing a version on a bucket would otherwise fetch every photo of the
    district to this server). The fingerprint names files by their content-addressed name, the same either way."""
    try:
        data = gather(session, store, bundle, fetch=False)
    except FileNotFoundError as error:  # a photo gone from the store: the version cannot be signed as previewed
        return Check((str(error),), None)
    return Check(compare(bundle, data), data)


def expired_message(bundle: Bundle, changes: tuple[str, ...]) -> str:
    """Why the version cannot be signed, and what to do."""
    return (
        f"第{bundle.version}版证据包已过期：生成预览后内容有变化（{'；'.join(changes)}）。"
        "请重新生成，核对新的预览后再签字"
    )


def figures(data: ReportData) -> Figures:
    """The version's own figures, as its narrative would quote them."""
    totals = data.totals
    return Figures(
        stations=totals.stations,
        done=totals.submitted,
        outcomes={Outcome(o.outcome): o.count for o in totals.outcomes},
        average_score=totals.average_score,
        recommended=totals.recommended,
    )


def figure_warnings(narrative: str, data: ReportData | None) -> list[str]:
    """The figures the narrative quotes that differ from the version's own."""
    return figure_mismatches(narrative, figures(data)) if data is not None else []
