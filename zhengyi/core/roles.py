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
ALERTS_READ = [
    "alerts.alert",
    "alerts.alertevent",
    "alerts.unit",
    "alerts.unitcrew",
    "alerts.assignment",
    "alerts.boardevent",
]
# The field work of an alert: its timeline, its assignments, the units' status and position.
ALERTS_FIELD_WORK = ["alerts.alert", "alerts.alertevent", "alerts.assignment", "alerts.unit"]
ALERTS_REFERENCE = ["alerts.subcategory", "alerts.handlingstandard", "alerts.handlingrule"]
# The ledger's tables are public by design (docs/ledger.md); only the commitment salts are not.
LEDGER_PUBLIC = [
    "ledger.loghead",
    "ledger.entry",
    "ledger.tile",
    "ledger.checkpoint",
    "ledger.logkey",
    "ledger.witness",
    "ledger.cosignature",
]
ALLIANCES = [
    "alliances.alliance",
    "alliances.memberorganisation",
    "alliances.guard",
    "alliances.guardabsence",
    "alliances.team",
    "alliances.shifttemplate",
    "alliances.coverageneed",
    "alliances.roster",
    "alliances.rosterassignment",
]
ALLIANCES_PII = ["alliances.guard", "alliances.memberorganisation"]
PRECINCT_PUBLICISH = ["precinct.space", "precinct.zone", "precinct.building", "precinct.landmark"]
EDIT = ["add", "change", "delete"]


STATION, OWN = "station", "own"


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    name_en: str
    description: str
    rules: dict[str, list[str]] = field(default_factory=dict)  # model label → actions
    reads_across_stations: bool = False
    # model label → actions allowed only on the rows the user is responsible for (the
    # model's ``own_path``), e.g. a patrol officer changes the alerts of the unit they crew.
    own: dict[str, list[str]] = field(default_factory=dict)

    def grants(self) -> dict[tuple[str, str], str]:
        """(model, action) → scope: ``station`` for ``rules``, ``own`` for ``own``."""
        granted = {(m, a): STATION for m, actions in self.rules.items() for a in actions}
        for model, actions in self.own.items():
            for action in actions:
                # One scope per (model, action): a rule must not say both.
                if (model, action) in granted:
                    raise ValueError(f"{self.code}: {action} {model} is granted twice")
                granted[(model, action)] = OWN
        return granted


def _grant(models: list[str], *actions: str) -> dict[str, list[str]]:
    return {m: list(actions) for m in models}


def _merge(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for model, actions in part.items():
            merged.setdefault(model, [])
            merged[model] += [a for a in actions if a not in merged[model]]
    return merged


_STAFF_VIEW = _grant(["core.station", *PRECINCT_MAP, *ALERTS_READ, *ALERTS_REFERENCE, *LEDGER_PUBLIC], "view")

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
                    *LEDGER_PUBLIC,
                    "ledger.entrysalt",
                    *ALLIANCES,
                ],
                "view",
            ),
            _grant(PRECINCT_MAP, *EDIT),
            _grant(["alerts.handlingstandard", "alerts.handlingrule", "alerts.unit"], "add", "change"),
            _grant(["alerts.alert", "alerts.alertevent", "alerts.assignment"], "add", "change"),
            _grant(["alerts.unitcrew"], "add", "delete"),
            _grant(["core.user", "precinct.propertycompany", "alerts.alert", *ALLIANCES_PII], "view_pii"),
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
            # Sets who crews each unit for the shift.
            _grant(["alerts.unitcrew"], "add", "delete"),
            _grant(["alerts.alert"], "view_pii"),
        ),
    ),
    RoleDef(
        "officer",
        "民警/辅警",
        "Officer",
        "处置本人所在出警单位受指派的警情，现场反馈",
        # Sees the whole station's alerts (caller masked), but changes only its own: the
        # alerts its unit was sent to, their steps, and its unit's status and position.
        _STAFF_VIEW,
        own=_grant(ALERTS_FIELD_WORK, "change"),
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
            # 联盟与培训 are the community officer's: guards, members, rosters and swaps.
            _grant(ALLIANCES, "view", *EDIT),
            _grant(ALLIANCES_PII, "view_pii"),
        ),
    ),
    RoleDef(
        "property_staff",
        "物业/商户",
        "Property or merchant staff",
        "本楼宇访客登记与本单位保安",
        _grant(["core.station", *PRECINCT_PUBLICISH], "view"),
        # Only their own organisation's guards (and the rosters of the alliance they are in);
        # as the employer they may see their own guards' names and phones in clear.
        own=_merge(_grant(ALLIANCES, "view"), _grant(["alliances.guard"], "view_pii")),
    ),
    RoleDef(
        "guard_lead",
        "保安队长",
        "Guard team lead",
        "本队排班、签到与事件",
        _grant(["core.station", *PRECINCT_PUBLICISH], "view"),
        # The lead works for a member organisation and sees its guards and rosters, masked.
        own=_grant(ALLIANCES, "view"),
    ),
    RoleDef("public", "公众", "Member of the public", "阳光平台：公开信息与本人案件查询", {}),
    RoleDef(
        "bureau",
        "分局/市局",
        "Sub-bureau or city user",
        "跨所只读：所辖各派出所的数据与统计",
        _grant(
            [
                *CORE_REFERENCE,
                "core.objectchange",
                *PRECINCT_MAP,
                *ALERTS_READ,
                *ALERTS_REFERENCE,
                *LEDGER_PUBLIC,
                *ALLIANCES,
            ],
            "view",
        ),
        reads_across_stations=True,
    ),
]

ROLE_CODES = [r.code for r in ROLES]
