"""Demo stations and one account per role (plus an officer of another station)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from zhengyi.core.models import Bureau, Station, User
from zhengyi.core.services.accounts import create_user
from zhengyi.core.services.org import upsert_bureau, upsert_station

# Published in the README on purpose: demo accounts are for trying the system out, and a
# production start refuses to run while any exist (see zhengyi.core.checks).
DEMO_PASSWORD = "zhengyi-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    station: str | None  # station code, or None for a bureau account
    bureau: str | None = None
    badge: str = ""
    # The demo unit (code) they crew: what makes that unit's alerts theirs to work on.
    unit: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("head", "张所长", "station_head", "FT", badge="010001"),
    DemoAccount("dispatcher", "李指挥", "dispatcher", "FT", badge="010002"),
    DemoAccount("officer", "王警官", "officer", "FT", badge="010003", unit="C01"),
    DemoAccount("investigator", "赵办案", "investigator", "FT", badge="010004"),
    DemoAccount("video", "陈研判", "video_analyst", "FT", badge="010005"),
    DemoAccount("community", "刘社区", "community_officer", "FT", badge="010006"),
    DemoAccount("property", "周物业", "property_staff", "FT"),
    DemoAccount("guardlead", "吴队长", "guard_lead", "FT"),
    DemoAccount("bureau", "孙分局", "bureau", None, bureau="FTFJ"),
    DemoAccount("other", "郑警官（莲花所）", "officer", "LH", badge="020001"),
]


@transaction.atomic
def ensure_organisation(*, actor: User) -> dict[str, Any]:
    city = upsert_bureau(
        actor=actor, code="SZGA", name="深圳市公安局", name_en="Shenzhen PSB", kind=Bureau.Kind.CITY
    )
    futian = upsert_bureau(
        actor=actor,
        code="FTFJ",
        name="福田分局",
        name_en="Futian Sub-bureau",
        kind=Bureau.Kind.SUB_BUREAU,
        parent=city,
    )
    lianhua = Station.objects.filter(code="LH").first() or upsert_station(
        actor=actor,
        code="LH",
        name="莲花派出所",
        name_en="Lianhua Police Station",
        bureau=futian,
        address="深圳市福田区莲花路",
    )
    return {"bureau": futian, "LH": lianhua}


@transaction.atomic
def ensure_accounts(*, actor: User) -> list[tuple[DemoAccount, bool]]:
    """Create missing demo accounts; returns each account and whether it was created now."""
    result = []
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            result.append((account, False))
            continue
        create_user(
            actor=actor,
            username=account.username,
            password=DEMO_PASSWORD,
            display_name=account.display_name,
            roles=[account.role],
            station=Station.objects.get(code=account.station) if account.station else None,
            bureau=Bureau.objects.get(code=account.bureau) if account.bureau else None,
            badge_number=account.badge,
            is_demo=True,
        )
        result.append((account, True))
    return result
