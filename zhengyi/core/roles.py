"""The roles of DESIGN §1 and what each may do — the definition the database is synced to."""

from __future__ import annotations

from dataclasses import dataclass, field

CORE_REFERENCE = ["core.station", "core.bureau", "core.role", "core.rolerule"]
PRECINCT_MAP = [
    "precinct.space",
    "precinct.zone",
    "precinct.building",
    "precinct.landmark",
    "precinct.spacearea",
    "precinct.networknode",
    "precinct.networkedge",
    "precinct.connector",
    "precinct.propertycompany",
]
ALERTS_READ = ["alerts.alert", "alerts.alertevent", "alerts.unit", "alerts.assignment", "alerts.boardevent"]
ALERTS_REFERENCE = ["alerts.subcategory", "alerts.handlingstandard", "alerts.handlingrule"]
PRECINCT_PUBLICISH = ["precinct.space", "precinct.zone", "precinct.building", "precinct.landmark"]
EDIT = ["add", "change", "delete"]


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    name_en: str
    description: str
    rules: dict[str, list[str]] = field(default_factory=dict)  # model label → actions
    reads_across_stations: bool = False


def _grant(models: list[str], *actions: str) -> dict[str, list[str]]:
    return {m: list(actions) for m in models}


def _merge(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for model, actions in part.items():
            merged.setdefault(model, [])
            merged[model] += [a for a in actions if a not in merged[model]]
    return merged


_STAFF_VIEW = _grant(["core.station", *PRECINCT_MAP, *ALERTS_READ, *ALERTS_REFERENCE], "view")

ROLES: list[RoleDef] = [
    RoleDef(
        "station_head",
        "所长/教导员",
        "Station head",
        "全所数据、审批、统计与配置",
        _merge(
            _grant(
                [
                    *CORE_REFERENCE,
                    "core.user",
                    "core.objectchange",
                    "core.accesslog",
                    "core.apitoken",
                    *PRECINCT_MAP,
                    *ALERTS_READ,
                    *ALERTS_REFERENCE,
                ],
                "view",
            ),
            _grant(PRECINCT_MAP, *EDIT),
            _grant(["alerts.handlingstandard", "alerts.handlingrule", "alerts.unit"], "add", "change"),
            _grant(["alerts.alert", "alerts.alertevent", "alerts.assignment"], "add", "change"),
            _grant(["core.user", "precinct.propertycompany", "alerts.alert"], "view_pii"),
        ),
    ),
    RoleDef(
        "dispatcher",
        "指挥员/接警员",
        "Dispatcher",
        "接警、派警与指挥调度",
        _merge(
            _STAFF_VIEW,
            _grant(["alerts.alert", "alerts.alertevent", "alerts.assignment"], "add", "change"),
            _grant(["alerts.unit"], "change"),
            _grant(["alerts.alert"], "view_pii"),
        ),
    ),
    RoleDef(
        "officer",
        "民警/辅警",
        "Officer",
        "处置指派的警情，现场反馈",
        _merge(
            _STAFF_VIEW,
            _grant(["alerts.alertevent", "alerts.assignment", "alerts.unit"], "add", "change"),
            # Field updates (checklist, steps) on the station's alerts.
            _grant(["alerts.alert"], "change"),
        ),
    ),
    RoleDef("investigator", "办案民警", "Investigator", "办理案件", _STAFF_VIEW),
    RoleDef("video_analyst", "视频研判员", "Video analyst", "视频研判与证据管理", _STAFF_VIEW),
    RoleDef(
        "community_officer",
        "社区民警",
        "Community officer",
        "基础信息登记、走访、联盟与培训",
        _merge(
            _STAFF_VIEW,
            _grant(["core.objectchange"], "view"),
            _grant(PRECINCT_MAP, *EDIT),
            _grant(["precinct.propertycompany"], "view_pii"),
        ),
    ),
    RoleDef(
        "property_staff",
        "物业/商户",
        "Property or merchant staff",
        "本楼宇访客登记与本单位保安",
        _grant(["core.station", *PRECINCT_PUBLICISH], "view"),
    ),
    RoleDef(
        "guard_lead",
        "保安队长",
        "Guard team lead",
        "本队排班、签到与事件",
        _grant(["core.station", *PRECINCT_PUBLICISH], "view"),
    ),
    RoleDef("public", "公众", "Member of the public", "阳光平台：公开信息与本人案件查询", {}),
    RoleDef(
        "bureau",
        "分局/市局",
        "Sub-bureau or city user",
        "跨所只读：所辖各派出所的数据与统计",
        _grant(
            [*CORE_REFERENCE, "core.objectchange", *PRECINCT_MAP, *ALERTS_READ, *ALERTS_REFERENCE], "view"
        ),
        reads_across_stations=True,
    ),
]

ROLE_CODES = [r.code for r in ROLES]
