"""The roles of DESIGN §1 and what each may do — the definition the database is synced to."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    # 轮训: textbook, courses, cohorts, attendance, exams, certificates (docs/training.md).
    "alliances.textbookmodule",
    "alliances.textbookversion",
    "alliances.trainingcourse",
    "alliances.coursemodule",
    "alliances.trainingcohort",
    "alliances.trainingsession",
    "alliances.attendance",
    "alliances.examresult",
    "alliances.certificate",
    # 反扒队抓获, each linked to its case and suspect (docs/alliances.md).
    "alliances.catch",
]
ALLIANCES_PII = ["alliances.guard", "alliances.memberorganisation"]
# 值守与检查: guard teams' units on the board, inspections of member organisations.
ALLIANCES_OPS = [
    "alliances.dutyunit",
    "alliances.inspection",
    "alliances.inspectionitem",
    "alliances.rectification",
]
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
                    *ALLIANCES_OPS,
                ],
                "view",
            ),
            _grant(PRECINCT_MAP, *EDIT),
            _grant(["alliances.inspection"], "view_pii"),
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
            # Inspects member organisations and writes them up; the duty units are the
            # sync job's to change, so the officer only sees them.
            _grant(ALLIANCES_OPS, "view"),
            _grant(["alliances.inspection", "alliances.inspectionitem", "alliances.rectification"], *EDIT),
            _grant(["alliances.inspection"], "view_pii"),
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
        own=_merge(
            _grant(ALLIANCES, "view"),
            _grant(["alliances.guard"], "view_pii"),
            # Their organisation's inspections (which they sign) and their teams' duty units.
            _grant(ALLIANCES_OPS, "view"),
        ),
    ),
    RoleDef(
        "guard_lead",
        "保安队长",
        "Guard team lead",
        "本队排班、签到与事件",
        _grant(["core.station", *PRECINCT_PUBLICISH], "view"),
        # The lead works for a member organisation and sees its guards and rosters, masked.
        own=_grant([*ALLIANCES, *ALLIANCES_OPS], "view"),
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
                *ALLIANCES_OPS,
            ],
            "view",
        ),
        reads_across_stations=True,
    ),
]

# 阳光平台 (zhengyi/sunshine): officers who write for the public draft; the station head reviews
# and publishes (reviewer ≠ author is the service's rule); community officers answer feedback.
SUNSHINE = [
    "sunshine.publication",
    "sunshine.publicationversion",
    "sunshine.withdrawal",
    "sunshine.progressentry",
    "sunshine.feedback",
]
_SUNSHINE_GRANTS: dict[str, dict[str, list[str]]] = {
    "station_head": _merge(
        # The mirror's own copies of alert tables and lookup rows (sunshine.deployment).
        _grant(
            [
                *SUNSHINE,
                "sunshine.lookupthrottle",
                "sunshine.publishedsummary",
                "sunshine.publishedlookup",
                # The stored renderings of the public pages (sunshine.page_store).
                "sunshine.publicgeneration",
                "sunshine.storedpage",
            ],
            "view",
        ),
        _grant(SUNSHINE, "add", "change"),
        _grant(["sunshine.publicationversion", "sunshine.feedback"], "view_pii"),
    ),
    "community_officer": _merge(
        _grant(SUNSHINE, "view"),
        _grant(["sunshine.publication", "sunshine.publicationversion"], "add"),
        _grant(["sunshine.feedback"], "change", "view_pii"),
    ),
    "investigator": _merge(
        _grant(SUNSHINE, "view"), _grant(["sunshine.publication", "sunshine.publicationversion"], "add")
    ),
    "bureau": _grant(SUNSHINE, "view"),
}
_SUNSHINE_OWN: dict[str, dict[str, list[str]]] = {
    # A drafting officer edits and sees in clear only the drafts they wrote.
    "community_officer": _grant(["sunshine.publicationversion"], "change", "view_pii"),
    "investigator": _grant(["sunshine.publicationversion"], "change", "view_pii"),
}
ROLES = [
    replace(
        r,
        rules=_merge(r.rules, _SUNSHINE_GRANTS.get(r.code, {})),
        own=_merge(r.own, _SUNSHINE_OWN.get(r.code, {})),
    )
    for r in ROLES
]

# 案件 (zhengyi/cases, docs/cases.md): investigators open and work the station's cases and see
# their own cases' parties in clear; the station head reads every case (and its parties in
# clear); officers and the sub-bureau read the case files, masked, without the documents.
# Dispatchers get nothing: 受案 is the investigating officer's legal act, not the call-taker's.
CASES = [
    "cases.case",
    "cases.stagechange",
    "cases.party",
    "cases.measure",
    "cases.extension",
    "cases.document",
]
CASES_READ = [c for c in CASES if c != "cases.document"]
_CASES_GRANTS: dict[str, dict[str, list[str]]] = {
    "station_head": _merge(_grant(CASES, "view"), _grant(["cases.party"], "view_pii")),
    "investigator": _grant(CASES, "view", "add", "change"),
    "officer": _grant(CASES_READ, "view"),
    # The community officer records the 反扒队's catches against the suspects of cases, so
    # reads cases as any officer does (parties masked, no documents).
    "community_officer": _grant(CASES_READ, "view"),
    "bureau": _grant(CASES_READ, "view"),
}
_CASES_OWN: dict[str, dict[str, list[str]]] = {
    "investigator": _grant(["cases.party"], "view_pii"),
}
ROLES = [
    replace(
        r,
        rules=_merge(r.rules, _CASES_GRANTS.get(r.code, {})),
        own=_merge(r.own, _CASES_OWN.get(r.code, {})),
    )
    for r in ROLES
]

ROLE_CODES = [r.code for r in ROLES]
