"""Demo data: offices, about 60 stations near the nine seats, one inspector and one leader per 旗区."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inspect_app.adapters.passwords import Passwords
from inspect_app.campaigns.operations import load_checklist_version, open_campaign, prepare_campaign
from inspect_app.domain.directory.credit_code import ALPHABET, check_character
from inspect_app.domain.directory.districts import DISTRICTS, DistrictInfo
from inspect_app.domain.directory.stations import HostType
from inspect_app.domain.identity.permissions import Role
from inspect_app.models import Campaign, District, Office, Station, User

DEMO_PASSWORD = "demo12315"
CAMPAIGN_NAME = "2026年度自查验收"
# The city's logins: the center, its inspector for spot checks (市级抽查), the admin.
CITY_LOGINS = (
    ("city", Role.CITY, "市12315中心"),
    ("city.inspector", Role.CITY_INSPECTOR, "市级检查员"),
    ("admin", Role.ADMIN, "系统管理员"),
)

OFFICES = {
    "150602": ("林荫市场监管所", "富兴市场监管所"),
    "150603": ("青春山市场监管所", "哈巴格希市场监管所"),
    "150621": ("树林召市场监管所", "王爱召市场监管所"),
    "150622": ("薛家湾市场监管所", "沙圪堵市场监管所"),
    "150623": ("敖勒召其市场监管所", "上海庙市场监管所"),
    "150624": ("乌兰市场监管所", "棋盘井市场监管所"),
    "150625": ("锡尼市场监管所", "独贵塔拉市场监管所"),
    "150626": ("嘎鲁图市场监管所", "图克市场监管所"),
    "150627": ("阿勒腾席热市场监管所", "札萨克市场监管所"),
}
SCENIC = {
    "150602": "东胜植物园",
    "150603": "康巴什乌兰木伦湖",
    "150621": "响沙湾",
    "150622": "准格尔召",
    "150623": "城川民族干部学院红色旅游区",
    "150624": "阿尔寨石窟",
    "150625": "七星湖",
    "150626": "萨拉乌苏遗址",
    "150627": "成吉思汗陵",
}
# (host type, short name pattern, host organisation pattern); {d} is the district name without 区/旗.
HOSTS = (
    (HostType.MALL, "{d}万达广场", "鄂尔多斯市{d}万达广场商业管理有限公司"),
    (HostType.MALL, "{d}王府井百货", "鄂尔多斯市王府井百货有限责任公司{d}分公司"),
    (HostType.SUPERMARKET, "{d}维多利超市", "内蒙古维多利商业（集团）有限公司{d}分公司"),
    (HostType.SUPERMARKET, "{d}佳盛超市", "鄂尔多斯市佳盛商贸有限责任公司{d}分公司"),
    (HostType.MARKET, "{seat}农贸市场", "{d}{seat}农贸市场管理有限公司"),
    (HostType.MARKET, "{d}建材市场", "鄂尔多斯市{d}建材市场经营有限公司"),
    (HostType.ENTERPRISE, "{d}中国移动营业厅", "中国移动通信集团内蒙古有限公司鄂尔多斯分公司"),
    (HostType.ENTERPRISE, "{d}国美电器", "鄂尔多斯市国美电器有限公司{d}分公司"),
    (HostType.ENTERPRISE, "{d}汽车销售服务中心", "鄂尔多斯市{d}汽车销售服务有限公司"),
    (HostType.OTHER, "{d}政务服务中心", "{d}政务服务中心"),
)
ROADS = ("迎宾路", "鄂尔多斯大街", "天骄路", "团结路", "民族街")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = (
    "建国",
    "海英",
    "志强",
    "丽娜",
    "晓东",
    "敏",
    "巴特尔",
    "乌云",
    "其其格",
    "文杰",
    "秀兰",
    "斯琴",
    "俊峰",
    "雅楠",
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    district: str | None


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(User))


def credit_code(rng: random.Random, district_code: str) -> str:
    """A well-formed credit code of a company registered in `district_code`."""
    body = "91" + district_code + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


def _short(info: DistrictInfo) -> str:
    return info.name[:-1] if len(info.name) > 2 else info.name


def _stations_of(
    rng: random.Random, info: DistrictInfo, district: District, offices: list[Office], count: int
) -> list[Station]:
    hosts = rng.sample(HOSTS, count - 1)
    hosts.append((HostType.SCENIC_AREA, SCENIC[info.code], SCENIC[info.code] + "旅游区管理有限公司"))
    seat = info.seat.removesuffix("镇").removesuffix("城区")
    stations = []
    for index, (host_type, short, host) in enumerate(hosts, start=1):
        short = short.format(d=_short(info), seat=seat)
        stations.append(
            Station(
                number=f"{info.code}-{index:03d}",
                name=f"{short}12315消费维权服务站",
                host_organisation=host.format(d=_short(info), seat=seat),
                credit_code=credit_code(rng, info.code),
                host_type=host_type,
                district=district,
                office=offices[index % len(offices)],
                address=f"{info.name}{info.seat}{rng.choice(ROADS)}{rng.randint(1, 199)}号",
                latitude=round(info.latitude + rng.uniform(-0.03, 0.03), 6),
                longitude=round(info.longitude + rng.uniform(-0.03, 0.03), 6),
                head_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                phone=f"0477-{rng.randint(3000000, 8999999)}",
                staff_full_time=rng.randint(0, 2),
                staff_part_time=rng.randint(1, 3),
                established_on=date(rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                is_odr=host_type in (HostType.MALL, HostType.SUPERMARKET, HostType.ENTERPRISE) and rng.random() < 0.5,
                is_demonstration=rng.random() < 0.15,
            )
        )
    return stations


def _office(rng: random.Random, info: DistrictInfo, district: District, name: str) -> Office:
    """A demo office with an address and the officer responsible for its area."""
    town = name.removesuffix("市场监管所")
    return Office(
        district=district,
        name=name,
        address=f"{info.name}{town}{rng.choice(ROADS)}{rng.randint(1, 99)}号",
        officer_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        officer_phone=f"0477-{rng.randint(3000000, 8999999)}",
    )


def default_template() -> dict:
    """The default checklist template shipped with the app."""
    text = resources.files("inspect_app").joinpath("data/checklist_default.json").read_text(encoding="utf-8")
    return json.loads(text)


def seed(session: Session, passwords: Passwords, seed_value: int = 12315) -> list[DemoLogin]:
    """Fill an empty database with the demo; returns the logins created."""
    rng = random.Random(seed_value)
    office_rng = random.Random(seed_value + 1)  # apart, so the stations stay what they always were
    password_hash = passwords.hash(DEMO_PASSWORD)
    logins: list[DemoLogin] = []
    districts = {d.code: d for d in session.scalars(select(District))}
    for info in DISTRICTS:
        district = districts[info.code]
        offices = [_office(office_rng, info, district, name) for name in OFFICES[info.code]]
        session.add_all(offices)
        session.add_all(_stations_of(rng, info, district, offices, 7 if info.code in ("150602", "150627") else 6))
        for role, prefix, title in ((Role.INSPECTOR, "inspector", "检查员"), (Role.LEADER, "leader", "分管领导")):
            username = f"{prefix}.{info.slug}"
            session.add(
                User(
                    username=username,
                    display_name=f"{info.name}{title}",
                    role=role,
                    district=district,
                    password_hash=password_hash,
                )
            )
            logins.append(DemoLogin(username, role, info.name))
    for username, role, name in CITY_LOGINS:
        session.add(User(username=username, display_name=name, role=role, password_hash=password_hash))
        logins.append(DemoLogin(username, role, None))
    session.commit()
    version, _ = load_checklist_version(session, default_template())
    if not session.scalar(select(func.count()).select_from(Campaign)):
        _open_campaign(session, version.id)
    return logins


def _open_campaign(session: Session, version_id: int) -> None:
    """The demo's campaign, prepared on all nine districts and opened by the city, as its pages would."""
    city = session.scalars(select(User).where(User.username == "city")).one()
    campaign = prepare_campaign(
        session,
        city.actor,
        {
            "name": CAMPAIGN_NAME,
            "starts_on": date(2026, 9, 1).isoformat(),
            "deadline": date(2026, 12, 15).isoformat(),
            "checklist_version": str(version_id),
            "districts": [str(d.id) for d in session.scalars(select(District))],
        },
    )
    open_campaign(session, city.actor, campaign.id)


def demo_logins(session: Session) -> list[DemoLogin]:
    """The demo accounts present in the database (for printing at start-up)."""
    names = [f"{prefix}.{info.slug}" for info in DISTRICTS for prefix in ("inspector", "leader")]
    names += [username for username, _, _ in CITY_LOGINS]
    users = session.scalars(select(User).where(User.username.in_(names), User.active.is_(True))).all()
    by_name = {user.username: user for user in users}
    return [
        DemoLogin(n, user.role, user.district.name if user.district else None)
        for n in names
        if (user := by_name.get(n)) is not None
    ]
