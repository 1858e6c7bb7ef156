"""The tables behind :mod:`zhengyi.alerts.demo_history`: who calls 110 where, when and about what.

Pure data, no Django. Every number here is a plausible shape, not a measured one: relative daily
rates per zone kind, hour-of-day and weekday profiles, holiday factors, priorities, how calls get
reclassified, and the short Chinese texts. The generator scales the rates so that the whole
precinct averages ``daily_mean`` alerts a day. The two story effects (酒吧联盟, 商业圈联盟) are
*not* here: they are multiplicative changes applied by the generator from the alliances' start
dates, so later statistics can rediscover them from the records alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# --------------------------------------------------------------------------------------------
# Time profiles (local time, Asia/Shanghai). Relative weights; normalised by the generator.
# --------------------------------------------------------------------------------------------
HOUR_PROFILES: dict[str, tuple[float, ...]] = {
    # bar street: from the evening into the small hours (hours < NIGHT_SPILL_HOUR belong to the
    # night that started the day before)
    "night": (1.7, 1.4, 1.0, 0.6, 0.3, 0.15, 0.08, 0.08, 0.1, 0.12, 0.15, 0.2,
              0.25, 0.25, 0.25, 0.3, 0.35, 0.45, 0.6, 0.8, 1.05, 1.4, 1.8, 2.0),
    "shopping": (0.12, 0.06, 0.04, 0.03, 0.03, 0.04, 0.08, 0.15, 0.25, 0.35, 0.6, 0.85,
                 1.0, 1.1, 1.3, 1.4, 1.45, 1.5, 1.6, 1.7, 1.6, 1.3, 0.8, 0.4),
    "office": (0.05, 0.03, 0.03, 0.03, 0.03, 0.05, 0.1, 0.3, 0.8, 1.5, 1.8, 1.7,
               1.2, 1.3, 1.7, 1.7, 1.6, 1.4, 0.9, 0.55, 0.35, 0.25, 0.15, 0.08),
    "residential": (0.6, 0.4, 0.25, 0.15, 0.1, 0.12, 0.3, 0.6, 0.8, 0.85, 0.9, 0.95,
                    1.0, 0.95, 0.9, 0.9, 0.95, 1.1, 1.3, 1.5, 1.6, 1.6, 1.4, 1.0),
    "daytime": (0.05, 0.03, 0.02, 0.02, 0.02, 0.05, 0.2, 0.4, 0.8, 1.4, 1.7, 1.7,
                1.5, 1.5, 1.7, 1.7, 1.6, 1.3, 1.0, 0.8, 0.6, 0.4, 0.2, 0.1),
    "rush": (0.15, 0.1, 0.07, 0.05, 0.05, 0.1, 0.4, 1.3, 2.0, 1.5, 0.9, 0.85,
             0.9, 0.85, 0.85, 0.9, 1.1, 1.7, 2.0, 1.4, 0.9, 0.7, 0.5, 0.3),
    "general": (0.3, 0.2, 0.15, 0.12, 0.1, 0.15, 0.35, 0.6, 0.9, 1.1, 1.2, 1.2,
                1.15, 1.1, 1.15, 1.2, 1.2, 1.25, 1.3, 1.35, 1.3, 1.15, 0.9, 0.6),
}  # fmt: skip
NIGHT_PROFILES = frozenset({"night"})
NIGHT_SPILL_HOUR = 6
SUMMER_MONTHS = frozenset({6, 7, 8, 9})
SUMMER_EVENING_HOURS = (19, 20, 21, 22, 23)
SUMMER_EVENING_BOOST = 1.25  # warm evenings: more of the day's alerts fall after 19:00

# Monday … Sunday. For "night" streams the weekday is the evening's: Friday night, Saturday night.
WEEK_PROFILES: dict[str, tuple[float, ...]] = {
    "fri_sat": (0.72, 0.72, 0.78, 0.9, 1.45, 1.6, 0.95),
    "weekend": (0.85, 0.85, 0.85, 0.9, 1.05, 1.3, 1.25),
    "weekday": (1.15, 1.15, 1.15, 1.15, 1.1, 0.35, 0.3),
    "resident": (0.95, 0.95, 0.95, 0.95, 1.0, 1.1, 1.1),
    "commute": (1.1, 1.05, 1.05, 1.05, 1.1, 0.85, 0.8),
    "flat": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}

# --------------------------------------------------------------------------------------------
# Seasons and holidays
# --------------------------------------------------------------------------------------------
# 春节 (first day of the lunar year).
SPRING_FESTIVAL: dict[int, date] = {
    y: date.fromisoformat(d)
    for y, d in (
        (2014, "2014-01-31"), (2015, "2015-02-19"), (2016, "2016-02-08"), (2017, "2017-01-28"),
        (2018, "2018-02-16"), (2019, "2019-02-05"), (2020, "2020-01-25"), (2021, "2021-02-12"),
        (2022, "2022-02-01"), (2023, "2023-01-22"), (2024, "2024-02-10"), (2025, "2025-01-29"),
        (2026, "2026-02-17"), (2027, "2027-02-06"), (2028, "2028-01-26"), (2029, "2029-02-13"),
        (2030, "2030-02-03"), (2031, "2031-01-23"), (2032, "2032-02-11"), (2033, "2033-01-31"),
        (2034, "2034-02-19"), (2035, "2035-02-08"), (2036, "2036-01-28"), (2037, "2037-02-15"),
        (2038, "2038-02-04"), (2039, "2039-01-24"), (2040, "2040-02-12"),
    )
}  # fmt: skip


def spring_festival(year: int) -> date:
    """春节 of ``year`` (outside the table: 5 February, close enough for a demo)."""
    return SPRING_FESTIVAL.get(year, date(year, 2, 5))


# Day offsets from 春节: the CBD empties for the holiday week, shoulders on either side.
CNY_CORE = (-2, 6)
CNY_BEFORE = (-12, -3)
CNY_AFTER = (7, 14)
NATIONAL_DAY = ((10, 1), (10, 7))
RAIN_MONTHS = frozenset({5, 6, 7, 8, 9})  # 汛期: waterlogging, mostly
RAIN_FACTOR = (0.35, 2.5)  # (dry season, rainy season)


@dataclass(frozen=True)
class Season:
    cny_before: float = 1.0
    cny_core: float = 1.0
    cny_after: float = 1.0
    national_day: float = 1.0
    summer: float = 1.0


SEASONS: dict[str, Season] = {
    # CBD towers empty out for the holidays; shops and bars less so; 春运 fills the hub before.
    "office": Season(0.75, 0.25, 0.6, 0.3, 1.0),
    "retail": Season(0.9, 0.55, 0.8, 1.15, 1.05),
    "bar": Season(0.9, 0.5, 0.8, 1.2, 1.08),
    "village": Season(0.8, 0.5, 0.7, 0.85, 1.08),
    "transport": Season(1.35, 0.5, 1.2, 1.2, 1.0),
    "road": Season(0.9, 0.45, 0.85, 0.8, 1.0),
    "park": Season(1.0, 1.2, 1.0, 1.4, 1.1),
    "convention": Season(0.8, 0.4, 0.8, 0.8, 1.0),
    "flat": Season(),
}
SEASON_OF_KIND: dict[str, str] = {
    "office": "office",
    "business": "retail",
    "bar_street": "bar",
    "urban_village": "village",
    "residential": "village",
    "transport": "transport",
    "park": "park",
    "convention": "convention",
    "_road": "road",
}
ROAD_KIND = "_road"  # pseudo zone kind: the main roads between zones
GENERIC_KIND = "_generic"

# 会展中心: "100多场大小展会" a year, several halls at once: ~100 days a year with a show on, as
# runs of 2–4 days with gaps of 3–12 days (none around 春节).
SHOW_DAYS = (2, 5)  # numpy integers(lo, hi): 2, 3 or 4
SHOW_GAP = (3, 13)
EVENT_FACTOR = (0.3, 2.8)  # (no show, show day) multipliers on the convention zone's rates

# --------------------------------------------------------------------------------------------
# Streams: what each kind of zone produces
# --------------------------------------------------------------------------------------------
PLACE_MODES = ("building", "area", "underground", "skywalk", "road")


@dataclass(frozen=True)
class StreamDef:
    """One kind of alert in one kind of zone, with its own time and place pattern."""

    key: str
    rate: float  # relative alerts/day for all zones of the kind together
    subcategories: dict[str, float]
    hours: str
    week: str
    places: dict[str, float]
    buildings: dict[str, float] = field(default_factory=dict)  # building category → weight
    sources: str = "default"
    events: bool = False  # follows the convention centre's show days
    rain: bool = False  # follows the rainy season


S = StreamDef
_HELP = {"lost_property": 0.5, "lost_person": 0.25, "medical": 0.25}
_DESK = {"consultation": 0.6, "misdial": 0.15, "service": 0.15, "conduct": 0.1}

STREAMS: dict[str, tuple[StreamDef, ...]] = {
    "bar_street": (
        S("bar_order", 2.9, {"fight": 0.9, "drunk": 1.2, "disturbance": 0.45, "noise": 0.2, "assault": 0.15},
          "night", "fri_sat", {"building": 0.45, "area": 0.55}, {"commercial": 1}, "bar"),
        S("bar_dispute", 0.8, {"consumer": 1}, "night", "fri_sat", {"building": 0.7, "area": 0.3}, {"commercial": 1}, "bar"),
        S("bar_theft", 0.7, {"theft": 0.6, "pickpocket": 0.25, "snatch": 0.15}, "night", "fri_sat",
          {"building": 0.5, "area": 0.5}, {"commercial": 1}, "bar"),
        S("bar_help", 0.8, {"medical": 0.35, "lost_property": 0.5, "lost_person": 0.15}, "night", "fri_sat",
          {"building": 0.3, "area": 0.7}, {"commercial": 1}, "help"),
        S("bar_traffic", 0.3, {"illegal_parking": 0.6, "collision": 0.4}, "night", "fri_sat", {"area": 1}, sources="traffic"),
        S("bar_desk", 0.1, _DESK, "general", "flat", {"area": 0.5, "building": 0.5}, {"commercial": 1}, "desk"),
    ),
    "business": (
        S("shop_theft", 2.0, {"theft": 1}, "shopping", "weekend",
          {"building": 0.55, "underground": 0.25, "area": 0.15, "skywalk": 0.05}, {"commercial": 8, "office_tower": 1}, "theft"),
        S("shop_pickpocket", 1.4, {"pickpocket": 1}, "shopping", "weekend",
          {"underground": 0.55, "area": 0.25, "building": 0.15, "skywalk": 0.05}, {"commercial": 8, "office_tower": 1}, "theft"),
        S("shop_crime", 0.45, {"snatch": 0.35, "fraud": 0.4, "robbery": 0.1, "assault": 0.15}, "shopping", "weekend",
          {"area": 0.5, "building": 0.4, "underground": 0.1}, {"commercial": 8, "office_tower": 1}),
        S("shop_dispute", 1.1, {"consumer": 0.85, "labour": 0.1, "neighbour": 0.05}, "shopping", "weekend",
          {"building": 0.75, "area": 0.25}, {"commercial": 8, "office_tower": 1}),
        S("shop_help", 1.4, {"lost_person": 0.3, "lost_property": 0.55, "medical": 0.15}, "shopping", "weekend",
          {"building": 0.4, "area": 0.35, "underground": 0.15, "skywalk": 0.1}, {"commercial": 8, "office_tower": 1}, "help"),
        S("shop_order", 0.6, {"fight": 0.35, "suspicious": 0.35, "disturbance": 0.2, "drunk": 0.1}, "shopping", "weekend",
          {"area": 0.5, "building": 0.4, "underground": 0.1}, {"commercial": 8, "office_tower": 1}),
        S("shop_traffic", 0.7, {"collision": 0.45, "illegal_parking": 0.45, "congestion": 0.1}, "rush", "commute",
          {"area": 1}, sources="traffic"),
        S("shop_hazard", 0.2, {"lift": 0.6, "fall": 0.25, "building_fire": 0.15}, "general", "flat",
          {"building": 1}, {"commercial": 3, "office_tower": 1}),
        S("shop_desk", 0.35, _DESK, "general", "flat", {"area": 0.5, "building": 0.5}, {"commercial": 3, "office_tower": 1}, "desk"),
    ),
    "office": (
        S("office_theft", 1.9, {"theft": 0.8, "burglary": 0.2}, "office", "weekday", {"building": 0.85, "area": 0.15},
          {"office_tower": 6, "commercial": 1, "under_construction": 0.5}),
        S("office_fraud", 1.5, {"fraud": 0.35, "telecom_fraud": 0.5, "pyramid": 0.15}, "office", "weekday",
          {"building": 0.9, "area": 0.1}, {"office_tower": 1}, "fraud"),
        S("office_dispute", 0.9, {"labour": 0.6, "consumer": 0.3, "neighbour": 0.1}, "office", "weekday",
          {"building": 0.8, "area": 0.2}, {"office_tower": 4, "commercial": 1}),
        S("office_mass", 0.15, {"wage_dispute": 0.6, "gathering": 0.4}, "office", "weekday", {"building": 0.7, "area": 0.3},
          {"under_construction": 4, "office_tower": 1, "public": 2}),
        S("office_hazard", 0.55, {"lift": 0.6, "fall": 0.25, "building_fire": 0.15}, "office", "weekday", {"building": 1},
          {"office_tower": 4, "under_construction": 2, "public": 1, "commercial": 1}),
        S("office_help", 0.9, {"lost_property": 0.5, "medical": 0.3, "lost_person": 0.1, "locked_out": 0.1}, "office", "weekday",
          {"building": 0.5, "area": 0.35, "skywalk": 0.1, "underground": 0.05}, {"office_tower": 3, "commercial": 2, "public": 2}, "help"),
        S("office_order", 0.6, {"suspicious": 0.55, "disturbance": 0.25, "fight": 0.2}, "general", "flat",
          {"building": 0.5, "area": 0.5}, {"office_tower": 3, "commercial": 1, "public": 1}),
        S("office_traffic", 1.2, {"collision": 0.4, "illegal_parking": 0.45, "congestion": 0.15}, "rush", "commute",
          {"area": 1}, sources="traffic"),
        S("office_desk", 0.5, _DESK, "office", "weekday", {"area": 0.4, "building": 0.6}, {"office_tower": 1}, "desk"),
    ),
    "transport": (
        S("hub_theft", 0.8, {"pickpocket": 0.6, "theft": 0.4}, "rush", "commute", {"underground": 0.75, "area": 0.25}, sources="theft"),
        S("hub_help", 0.8, {"lost_property": 0.6, "lost_person": 0.2, "medical": 0.2}, "rush", "commute",
          {"underground": 0.6, "area": 0.4}, sources="help"),
        S("hub_order", 0.4, {"disturbance": 0.3, "suspicious": 0.4, "fight": 0.2, "drunk": 0.1}, "rush", "commute",
          {"underground": 0.4, "area": 0.6}),
        S("hub_misc", 0.3, {"consumer": 0.5, "fraud": 0.2, "consultation": 0.3}, "rush", "commute",
          {"area": 0.6, "underground": 0.4}),
        S("hub_traffic", 0.35, {"congestion": 0.5, "collision": 0.3, "illegal_parking": 0.2}, "rush", "commute",
          {"area": 1}, sources="traffic"),
    ),
    "urban_village": (
        S("village_dispute", 2.2, {"neighbour": 0.4, "family": 0.35, "labour": 0.1, "consumer": 0.15}, "residential", "resident",
          {"building": 0.75, "area": 0.25}, {"residential": 1}),
        S("village_order", 1.7, {"noise": 0.4, "fight": 0.25, "gambling": 0.1, "prostitution": 0.05, "suspicious": 0.15, "drunk": 0.05},
          "residential", "resident", {"building": 0.5, "area": 0.5}, {"residential": 1}),
        S("village_theft", 1.2, {"theft": 0.5, "burglary": 0.35, "snatch": 0.15}, "residential", "resident",
          {"building": 0.6, "area": 0.4}, {"residential": 1}),
        S("village_fraud", 0.4, {"telecom_fraud": 0.75, "fraud": 0.25}, "general", "resident", {"building": 1},
          {"residential": 1}, "fraud"),
        S("village_help", 1.2, {"locked_out": 0.45, "medical": 0.25, "lost_person": 0.15, "lost_property": 0.15},
          "residential", "resident", {"building": 0.7, "area": 0.3}, {"residential": 1}, "help"),
        S("village_fire", 0.12, {"building_fire": 0.8, "vehicle_fire": 0.2}, "residential", "flat",
          {"building": 0.85, "area": 0.15}, {"residential": 1}),
        S("village_fall", 0.08, {"fall": 1}, "general", "flat", {"building": 1}, {"residential": 1}),
        S("village_flood", 0.06, {"flood": 1}, "general", "flat", {"area": 1}, rain=True),
        S("village_traffic", 0.4, {"illegal_parking": 0.7, "collision": 0.3}, "rush", "flat", {"area": 1}, sources="traffic"),
        S("village_desk", 0.35, _DESK, "general", "flat", {"area": 0.5, "building": 0.5}, {"residential": 1}, "desk"),
        S("village_mass", 0.05, {"wage_dispute": 1}, "general", "weekday", {"area": 1}),
    ),
    "convention": (
        S("cec_help", 0.8, {"lost_person": 0.35, "lost_property": 0.5, "medical": 0.15}, "daytime", "flat",
          {"building": 0.6, "area": 0.3, "skywalk": 0.1}, {"public": 1}, "help", events=True),
        S("cec_theft", 0.35, {"theft": 0.5, "pickpocket": 0.5}, "daytime", "flat", {"building": 0.7, "area": 0.3},
          {"public": 1}, "theft", events=True),
        S("cec_dispute", 0.2, {"consumer": 1}, "daytime", "flat", {"building": 0.8, "area": 0.2}, {"public": 1}, events=True),
        S("cec_traffic", 0.3, {"congestion": 0.6, "illegal_parking": 0.4}, "daytime", "flat", {"area": 1},
          sources="traffic", events=True),
        S("cec_order", 0.12, {"suspicious": 0.6, "disturbance": 0.4}, "daytime", "flat", {"building": 0.5, "area": 0.5},
          {"public": 1}, events=True),
        S("cec_desk", 0.1, {"consultation": 1}, "daytime", "flat", {"building": 1}, {"public": 1}, "desk", events=True),
    ),
    "park": (
        S("park_help", 0.45, {"lost_person": 0.5, "medical": 0.3, "lost_property": 0.2}, "daytime", "weekend",
          {"area": 0.85, "skywalk": 0.15}, sources="help"),
        S("park_order", 0.15, {"noise": 0.5, "suspicious": 0.3, "fight": 0.2}, "daytime", "weekend", {"area": 1}),
        S("park_theft", 0.1, {"theft": 0.6, "snatch": 0.4}, "daytime", "weekend", {"area": 1}),
        S("park_misc", 0.1, {"neighbour": 0.5, "consultation": 0.5}, "daytime", "weekend", {"area": 1}),
    ),
    ROAD_KIND: (
        S("road_traffic", 3.0, {"collision": 0.45, "congestion": 0.25, "illegal_parking": 0.28, "vehicle_fire": 0.02},
          "rush", "commute", {"road": 1}, sources="traffic"),
        S("road_help", 0.3, {"medical": 0.6, "lost_person": 0.4}, "general", "flat", {"road": 1}, sources="help"),
        S("road_flood", 0.15, {"flood": 1}, "general", "flat", {"road": 1}, rain=True),
        S("road_order", 0.15, {"drunk": 0.4, "fight": 0.3, "suspicious": 0.3}, "general", "flat", {"road": 1}),
    ),
    GENERIC_KIND: (  # any other zone kind a precinct may have
        S("zone_help", 0.4, _HELP, "general", "flat", {"building": 0.5, "area": 0.5}, {"residential": 1, "commercial": 1}, "help"),
        S("zone_dispute", 0.3, {"neighbour": 0.5, "family": 0.3, "consumer": 0.2}, "residential", "resident",
          {"building": 0.6, "area": 0.4}, {"residential": 1}),
        S("zone_theft", 0.2, {"theft": 0.7, "burglary": 0.3}, "general", "flat", {"building": 0.6, "area": 0.4}, {"residential": 1}),
        S("zone_order", 0.2, {"noise": 0.5, "suspicious": 0.3, "fight": 0.2}, "residential", "resident", {"area": 1}),
    ),
}  # fmt: skip
del S

# --------------------------------------------------------------------------------------------
# Sources, priorities, reclassification, handling
# --------------------------------------------------------------------------------------------
SOURCE_ORDER = ("phone_110", "walk_in", "online", "patrol", "video", "guard")
SOURCE_PROFILES: dict[str, tuple[float, ...]] = {
    "default": (0.80, 0.05, 0.03, 0.06, 0.03, 0.03),
    "bar": (0.76, 0.01, 0.01, 0.12, 0.04, 0.06),
    "theft": (0.70, 0.10, 0.04, 0.06, 0.06, 0.04),
    "fraud": (0.55, 0.25, 0.18, 0.0, 0.0, 0.02),
    "help": (0.82, 0.07, 0.03, 0.04, 0.02, 0.02),
    "traffic": (0.84, 0.0, 0.02, 0.08, 0.06, 0.0),
    "desk": (0.70, 0.12, 0.18, 0.0, 0.0, 0.0),
}
BAR_NIGHT_HOURS = frozenset({21, 22, 23, 0, 1, 2})
BAR_NIGHT_PATROL_BOOST = 2.5  # patrols on the bar street find more themselves at night
# After an alliance starts, its guards report more of what happens in their area (a shift of
# source, not extra alerts): weight added to "guard" at full effect.
GUARD_SHIFT = {"bar": 0.15, "theft": 0.12}
ANTI_PICKPOCKET_ARREST = 0.02  # share of scoped thefts where 反扒队 caught someone (after ramp)

# (P1, P2, P3, P4) for the subcategory as finally classified.
PRIORITY_MIX: dict[str, tuple[float, float, float, float]] = {
    "theft": (0.15, 0.55, 0.3, 0), "pickpocket": (0.3, 0.55, 0.15, 0), "robbery": (1, 0, 0, 0),
    "snatch": (0.8, 0.2, 0, 0), "fraud": (0, 0.3, 0.6, 0.1), "telecom_fraud": (0.1, 0.6, 0.3, 0),
    "pyramid": (0, 0.2, 0.7, 0.1), "assault": (0.9, 0.1, 0, 0), "burglary": (0.2, 0.6, 0.2, 0),
    "fight": (0.6, 0.4, 0, 0), "disturbance": (0.3, 0.6, 0.1, 0), "drunk": (0.2, 0.6, 0.2, 0),
    "noise": (0, 0.1, 0.7, 0.2), "gambling": (0, 0.4, 0.6, 0), "prostitution": (0, 0.3, 0.7, 0),
    "suspicious": (0.1, 0.6, 0.3, 0), "gathering": (0.5, 0.5, 0, 0), "wage_dispute": (0.3, 0.6, 0.1, 0),
    "fall": (0.7, 0.3, 0, 0), "lift": (0.8, 0.2, 0, 0), "flood": (0.4, 0.5, 0.1, 0),
    "collision": (0.3, 0.6, 0.1, 0), "congestion": (0, 0.3, 0.6, 0.1), "illegal_parking": (0, 0, 0.6, 0.4),
    "building_fire": (1, 0, 0, 0), "vehicle_fire": (0.9, 0.1, 0, 0), "lost_person": (0.6, 0.4, 0, 0),
    "lost_property": (0, 0, 0.4, 0.6), "locked_out": (0, 0.1, 0.6, 0.3), "medical": (0.8, 0.2, 0, 0),
    "neighbour": (0, 0.15, 0.75, 0.1), "consumer": (0, 0.15, 0.7, 0.15), "labour": (0, 0.2, 0.7, 0.1),
    "family": (0.1, 0.4, 0.5, 0), "conduct": (0, 0, 0.3, 0.7), "service": (0, 0, 0.2, 0.8),
    "consultation": (0, 0, 0, 1), "misdial": (0, 0, 0, 1),
}  # fmt: skip


@dataclass(frozen=True)
class Reclass:
    """How a call that ends as this subcategory was first reported, and how often."""

    share: float
    category: str  # initial category
    priority: int  # initial priority (the final one is at least one level lower)
    reported_as: str  # what the caller said, for the description


RECLASS: dict[str, Reclass] = {
    "theft": Reclass(0.10, "criminal", 1, "被抢劫"),
    "pickpocket": Reclass(0.08, "criminal", 1, "被抢夺"),
    "lost_property": Reclass(0.10, "criminal", 2, "财物被盗"),
    "neighbour": Reclass(0.08, "public_order", 2, "有人打架"),
    "consumer": Reclass(0.08, "public_order", 2, "有人打架"),
    "family": Reclass(0.10, "public_order", 1, "有人打架"),
    "labour": Reclass(0.06, "mass_incident", 2, "多人聚集闹事"),
    "drunk": Reclass(0.06, "criminal", 1, "有人被打伤"),
    "collision": Reclass(0.10, "traffic", 1, "车祸有人受伤"),
    "suspicious": Reclass(0.10, "criminal", 1, "有人撬门盗窃"),
    "noise": Reclass(0.04, "public_order", 2, "有人打架"),
}
SUBCATEGORY_DROPPED = 0.03  # the dispatcher left 细类 empty

# Minutes; the defaults of the handling standard (services/standards.py), per category.
FEEDBACK_MINUTES: dict[str, int] = {
    "criminal": 60, "public_order": 60, "mass_incident": 30, "disaster": 30, "traffic": 60,
    "fire": 30, "assistance": 120, "dispute": 120, "complaint": 24 * 60, "other": 24 * 60,
}  # fmt: skip
PHONE_ONLY = frozenset({"consultation", "misdial", "conduct", "service"})  # never dispatched
NO_DISPATCH_BY_PRIORITY = (0.0, 0.0, 0.0, 0.05)  # P1 … P4: handled by phone
NO_DISPATCH_DESK = {"walk_in": 0.3, "online": 0.3}  # P3–P4 reported at the station or online
# received → on scene (minutes): lognormal (median, sigma) by initial priority
RESPONSE = {1: (3.2, 0.35), 2: (3.6, 0.32), 3: (7.0, 0.45), 4: (9.0, 0.5)}
DISPATCH_DELAY = {1: (0.5, 1.5), 2: (0.5, 2.5), 3: (1.0, 4.0), 4: (1.5, 4.0)}  # minutes, uniform
EN_ROUTE_DELAY = {1: (0.0, 0.8), 2: (0.0, 1.5), 3: (0.0, 2.0), 4: (0.0, 2.0)}
BAR_ORDER_RESPONSE_FACTOR = 0.8  # the bar street has its own tighter target and a post nearby
CLEAR_MEDIAN = {"criminal": 40, "public_order": 30, "dispute": 40, "mass_incident": 60, "fire": 45}
CLEAR_DEFAULT_MEDIAN = 25
CLEAR_RANGE = (10.0, 90.0)
PHONE_CLEAR = (6.0, 2.0, 30.0)  # median, min, max minutes when no one is sent
FEEDBACK_MEDIAN_SHARE = 0.35  # feedback after clearing, median as a share of the target
FEEDBACK_SIGMA = 0.75  # → ~92% within the target

# --------------------------------------------------------------------------------------------
# Texts: short, plausible, and free of personal data
# --------------------------------------------------------------------------------------------
AREA_PHRASES: dict[str, tuple[str, ...]] = {
    "bar_street": ("路边", "中段", "出入口", "露天座位区"),
    "business": ("步行街", "商场外广场", "公交站旁", "商场出入口"),
    "office": ("写字楼下广场", "人行道", "地面停车场", "公交站旁"),
    "transport": ("公交场站", "出租车候客区", "枢纽广场", "长途候车区"),
    "urban_village": ("巷道内", "村内篮球场旁", "出租屋楼下", "村口牌坊附近", "菜市场门口"),
    "convention": ("展馆入口", "会展广场", "登录大厅外", "停车场"),
    "park": ("山脚步道", "湖边", "风筝广场", "登山道"),
}
BUILDING_SUFFIXES: dict[str, tuple[str, ...]] = {  # office towers get a floor instead
    "residential": ("", "楼下", "楼道内", "天台"),
    "commercial": ("一楼", "负一楼", "门口", "二楼", "三楼"),
    "public": ("门口", "大厅", "广场"),
    "under_construction": ("工地", "项目部门口"),
}
DEFAULT_AREA_PHRASES = ("路边", "广场", "出入口")
ROAD_PHRASES = ("路口", "辅道", "公交站附近", "人行横道", "路段")

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "theft": ("报警人称手机被盗", "报警人称放在桌上的背包被人拿走", "报警人称停放的电动车被盗"),
    "pickpocket": (
        "报警人称在通道内钱包被扒",
        "报警人称乘扶梯时手机被人从口袋扒走",
        "报警人称在人群中挎包被划开、财物被扒",
    ),
    "robbery": ("报警人称被人持械抢走财物", "报警人称在通道内被人拦截抢走手机"),
    "snatch": ("报警人称手机被骑车男子抢夺后逃离", "报警人称挎包被人从身后抢走"),
    "fraud": (
        "报警人称网购付款后对方失联",
        "报警人称被以投资理财名义骗取钱款",
        "报警人称所购商品与承诺严重不符，疑似被骗",
    ),
    "telecom_fraud": (
        "报警人称接到冒充客服的电话后转账被骗",
        "报警人称被冒充公检法人员诱导转账",
        "报警人称刷单返利被骗",
    ),
    "pyramid": ("群众举报写字楼内有公司疑似组织传销活动", "报警人称被亲友以高薪工作为由骗入传销组织"),
    "assault": ("报警人称与人发生冲突后被打伤", "现场有人受伤流血，疑似被人殴打"),
    "burglary": ("报警人称出租屋门锁被撬、屋内财物被盗", "报警人称回家发现窗户被撬、现金被盗"),
    "fight": ("多人在路边发生打斗", "酒后双方发生口角并互殴", "报警称有人持酒瓶打架"),
    "disturbance": ("有人在店内无故滋扰顾客", "一名男子在路边大声叫骂、拦截路人"),
    "drunk": ("一名男子醉酒后在路边滋事", "醉酒人员在店门口吵闹、不肯离开", "有人醉倒在路边，身边无人照看"),
    "noise": (
        "报警人称楼下商铺音响声音过大影响休息",
        "报警人称邻居深夜喧哗扰民",
        "报警人称附近夜间施工噪音扰民",
    ),
    "gambling": ("群众举报出租屋内有人聚众赌博", "群众举报棋牌室内疑似赌博"),
    "prostitution": ("群众举报出租屋内疑似有卖淫嫖娼活动",),
    "suspicious": ("保安发现有人在停车场反复查看车辆", "报警人称有可疑人员尾随", "有人在楼内逐层推门查看"),
    "gathering": ("一群人聚集在大楼门口反映诉求", "多人在广场聚集拉横幅"),
    "wage_dispute": ("多名工人聚集讨要被拖欠的工资", "工地工人聚集在项目部门口讨薪"),
    "fall": ("报警人称楼上坠落物品砸到车辆", "外墙瓷砖脱落，险些砸到行人"),
    "lift": ("电梯故障，有人被困轿厢内", "电梯突然停运，多人被困"),
    "flood": ("暴雨后路面积水，车辆熄火被困", "通道进水，行人无法通行"),
    "collision": ("两车发生碰撞，双方因责任争执", "电动车与行人发生碰撞，有人受伤", "车辆追尾，堵塞车道"),
    "congestion": ("路段严重拥堵，车辆无法通行", "散场车辆拥堵在路口"),
    "illegal_parking": ("车辆停放在消防通道", "车辆乱停堵住出入口"),
    "building_fire": ("出租屋内电动车充电起火", "商铺厨房冒出浓烟", "楼道杂物着火"),
    "vehicle_fire": ("路边车辆发动机舱冒烟起火",),
    "lost_person": ("报警人称小孩走失", "家属报称老人外出未归", "游客与同伴走散，手机没电无法联系"),
    "lost_property": ("报警人称遗失钱包", "报警人称手机遗落在出租车上", "报警人称证件遗失需开具证明"),
    "locked_out": ("报警人称钥匙锁在屋内无法进门", "报警人称家中老人反锁在屋内无应答"),
    "medical": ("有人突然晕倒在地", "一名老人身体不适需要帮助", "有人醉酒后意识不清"),
    "neighbour": ("邻居因漏水问题发生争执", "邻居因楼道堆放杂物发生纠纷"),
    "consumer": ("顾客与商家因消费金额发生争执", "顾客对收费有异议，与店家争执", "乘客与司机因车费发生纠纷"),
    "labour": ("员工与公司因离职工资结算发生纠纷", "工人与包工头因工钱发生争执"),
    "family": ("夫妻发生争吵，一方报警", "家庭成员因琐事发生争执"),
    "conduct": ("群众投诉民警处警态度生硬", "群众投诉处警不及时"),
    "service": ("群众投诉窗口办事等候时间过长", "群众投诉电话无人接听"),
    "consultation": ("群众咨询户籍办理事项", "群众咨询居住证办理流程", "群众咨询如何开具无犯罪记录证明"),
    "misdial": ("报警人误拨110，核实无警情", "儿童玩手机误拨110"),
}
# Where the place says more than the subcategory: (zone kind, subcategory) → texts.
DESCRIPTIONS_IN: dict[tuple[str, str], tuple[str, ...]] = {
    ("office", "theft"): (
        "报警人称办公室内笔记本电脑被盗",
        "报警人称工位上的钱包被盗",
        "公司报称会议室内设备被盗",
    ),
    ("office", "burglary"): ("公司报称办公室夜间被人撬门入内盗窃",),
    ("business", "theft"): (
        "报警人称在商场购物时手机被盗",
        "报警人称放在座位上的手提包被盗",
        "商户报称店内商品被盗",
    ),
    ("bar_street", "theft"): ("报警人称在酒吧内手机被盗", "报警人称放在卡座上的包被人拿走"),
    ("bar_street", "consumer"): ("顾客对酒水收费有异议，与酒吧争执", "顾客与酒吧因最低消费发生争执"),
    ("transport", "consumer"): ("乘客与出租车司机因车费发生纠纷",),
    ("convention", "lost_person"): ("观展人员与同伴走散", "家长报称小孩在展馆内走失"),
}

DISPOSITIONS: dict[str, tuple[str, ...]] = {
    "criminal": (
        "已受案，移交案件队侦办",
        "已受案，调取周边视频开展调查",
        "现场勘查取证，已受案并开具受案回执",
    ),
    "public_order": (
        "现场制止，对当事人批评教育",
        "现场制止，带回派出所调查处理",
        "到场时当事人已离开，现场无异常",
    ),
    "mass_incident": ("现场疏导，协调相关部门答复诉求", "已上报指挥中心，人群已疏散"),
    "disaster": ("已通报物业及相关部门处理", "协助救援，已排除险情"),
    "traffic": ("已通知交警到场处理", "现场疏导交通，已恢复通行", "已责令车主挪车"),
    "fire": ("已通知消防，明火已扑灭，无人员伤亡", "协助疏散人员，移交消防处理"),
    "assistance": ("已协助处理，求助人表示满意", "已联系家属接回", "已帮助找回物品"),
    "dispute": ("现场调解，双方达成一致", "经调解无果，告知双方通过法律途径解决"),
    "complaint": ("已登记投诉内容，转交督察核查",),
    "other": ("已电话解答", "核实无警情"),
}
# Where the subcategory says more than the category.
DISPOSITIONS_SUB: dict[str, tuple[str, ...]] = {
    "lost_person": ("已帮助找到走失人员", "已联系家属接回"),
    "lost_property": ("已帮助找回物品", "已登记遗失信息，告知后续领取方式"),
    "medical": ("已联系120送医", "已协助送医，联系家属到场"),
    "locked_out": ("已核实身份，联系开锁公司协助开门", "已协助开门，屋内人员安全"),
    "consultation": ("已解答咨询",),
    "misdial": ("核实无警情",),
    "lift": ("已通知物业及电梯维保单位，被困人员已解救",),
    "flood": ("已设置警示，通知市政部门排水",),
}
DISPOSITIONS_NO_DISPATCH: dict[str, tuple[str, ...]] = {
    "criminal": ("来所受案，已开具受案回执", "已登记受案，告知报警人查询方式"),
    "assistance": ("已电话答复求助人", "已登记求助信息并答复"),
    "complaint": ("已登记投诉内容，转交督察核查",),
    "other": ("已电话解答", "核实无警情"),
}
NO_DISPATCH_FALLBACK = ("已电话答复报警人，无需出警",)
ARREST_DISPOSITION = "商业圈反扒队协助当场抓获嫌疑人，移交案件队"
