"""The nine 旗区 of 鄂尔多斯市: national division code, name, seat and its position."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name: str
    seat: str
    latitude: float
    longitude: float
    slug: str  # pinyin, used for demo logins


DISTRICTS: tuple[DistrictInfo, ...] = (
    DistrictInfo("150602", "东胜区", "东胜城区", 39.82, 109.96, "dongsheng"),
    DistrictInfo("150603", "康巴什区", "康巴什", 39.61, 109.78, "kangbashi"),
    DistrictInfo("150621", "达拉特旗", "树林召镇", 40.40, 110.04, "dalate"),
    DistrictInfo("150622", "准格尔旗", "薛家湾镇", 39.87, 111.23, "zhungeer"),
    DistrictInfo("150623", "鄂托克前旗", "敖勒召其镇", 38.18, 107.48, "etuokeqian"),
    DistrictInfo("150624", "鄂托克旗", "乌兰镇", 39.10, 107.98, "etuoke"),
    DistrictInfo("150625", "杭锦旗", "锡尼镇", 39.83, 108.74, "hangjin"),
    DistrictInfo("150626", "乌审旗", "嘎鲁图镇", 38.60, 108.84, "wushen"),
    DistrictInfo("150627", "伊金霍洛旗", "阿勒腾席热镇", 39.56, 109.74, "yijinhuoluo"),
)
