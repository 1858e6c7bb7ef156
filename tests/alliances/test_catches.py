"""反扒队抓获: a catch links the team to a suspect of a case; refused catches say why and write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengyi.alliances.models_catches import Catch
from zhengyi.alliances.services.catches import catches_by_month, record_catch
from zhengyi.cases.services.cases import open_case
from zhengyi.cases.services.parties import add_parties_bulk
from zhengyi.core.models import ObjectChange

pytestmark = pytest.mark.django_db


def _case_with_suspect(personas: dict[str, Any], station: Any, role: str = "suspect") -> Any:
    case = open_case(
        actor=personas["investigator"],
        station=station,
        kind="criminal",
        category="theft",
        title="商圈扒窃案",
    ).case
    (party,) = add_parties_bulk(actor=personas["investigator"], case=case, role=role, text=_valid_row())
    return party


def _valid_row() -> str:
    from zhengyi.core.identifiers import resident_id_check_char

    first17 = "44030419900101123"
    return f"林小明,{first17}{resident_id_check_char(first17)},13800138001,现场抓获"


def test_a_catch_links_team_guards_case_and_suspect_with_its_audit_record(
    personas: dict[str, Any], stations: dict[str, Any], alliance_setup: dict[str, Any]
) -> None:
    party = _case_with_suspect(personas, stations["FT"])
    team, guards = alliance_setup["team"], alliance_setup["guards"]
    at = timezone.now() - timedelta(days=3)
    catch = record_catch(
        actor=alliance_setup["officer"],
        team=team,
        party=party,
        caught_at=at,
        guards=guards[4:6],
        zone=alliance_setup["zone"],
    )
    assert catch.case == party.case
    assert set(catch.guards.all()) == set(guards[4:6])
    assert (
        ObjectChange.objects.filter(
            content_type__model="catch", object_id=str(catch.pk), action="create"
        ).count()
        == 1
    )
    assert catches_by_month(Catch.objects.filter(team__alliance=alliance_setup["alliance"])) == [
        (timezone.localtime(at).strftime("%Y-%m"), 1)
    ]


def test_refusals_name_the_rule_and_write_nothing(
    personas: dict[str, Any], stations: dict[str, Any], alliance_setup: dict[str, Any]
) -> None:
    officer, team, guards = alliance_setup["officer"], alliance_setup["team"], alliance_setup["guards"]
    victim = _case_with_suspect(personas, stations["FT"], role="victim")
    with pytest.raises(ValidationError) as refused:
        record_catch(actor=officer, team=team, party=victim, caught_at=timezone.now() - timedelta(hours=1))
    assert "只有嫌疑人" in str(refused.value)

    suspect = _case_with_suspect(personas, stations["FT"])
    with pytest.raises(ValidationError) as refused:
        # guards[0] works for the bar, not in the 反扒队
        record_catch(
            actor=officer,
            team=team,
            party=suspect,
            caught_at=timezone.now() - timedelta(hours=1),
            guards=[guards[0]],
        )
    assert "不是反扒队的队员" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        record_catch(actor=officer, team=team, party=suspect, caught_at=timezone.now() + timedelta(hours=1))
    assert "晚于当前时间" in str(refused.value)
    assert Catch.objects.count() == 0

    record_catch(actor=officer, team=team, party=suspect, caught_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError) as refused:
        record_catch(actor=officer, team=team, party=suspect, caught_at=timezone.now() - timedelta(hours=1))
    assert "不能重复计算" in str(refused.value)
    assert Catch.objects.count() == 1


def test_a_suspect_of_another_station_cannot_be_claimed(
    personas: dict[str, Any], stations: dict[str, Any], alliance_setup: dict[str, Any]
) -> None:
    from zhengyi.core.services.roles import system_user

    foreign = open_case(
        actor=system_user(), station=stations["LH"], kind="criminal", category="theft", title="莲花扒窃案"
    ).case
    (party,) = add_parties_bulk(actor=system_user(), case=foreign, role="suspect", text=_valid_row())
    with pytest.raises(ValidationError) as refused:
        record_catch(
            actor=alliance_setup["officer"],
            team=alliance_setup["team"],
            party=party,
            caught_at=timezone.now() - timedelta(hours=1),
        )
    assert "不属于本所" in str(refused.value)


def test_only_those_who_may_add_record_catches_and_pages_show_them(
    personas: dict[str, Any], stations: dict[str, Any], alliance_setup: dict[str, Any], client_for: Any
) -> None:
    party = _case_with_suspect(personas, stations["FT"])
    with pytest.raises(PermissionDenied):
        record_catch(
            actor=personas["dispatcher"],
            team=alliance_setup["team"],
            party=party,
            caught_at=timezone.now() - timedelta(hours=1),
        )
    community = client_for("community")
    form = community.get("/alliances/catches/new/")
    assert form.status_code == 200
    assert party.case.number in form.content.decode()
    when = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    posted = community.post(
        "/alliances/catches/new/",
        {
            "team": alliance_setup["team"].pk,
            "party": party.pk,
            "caught_at": when,
            "guards": [alliance_setup["guards"][5].pk],
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    listing = community.get("/alliances/catches/").content.decode()
    assert party.case.number in listing
    assert "林小明" not in listing  # the suspect is named only in the case, by role
    # The guard lead works for the security company whose guards form the team: sees its catches.
    assert party.case.number in client_for("guardlead").get("/alliances/catches/").content.decode()
    # The other station's officer sees nothing of them.
    other = client_for("other").get("/alliances/catches/")
    assert other.status_code == 403 or party.case.number not in other.content.decode()


def test_catches_count_in_the_alliance_contribution_by_month(
    personas: dict[str, Any], stations: dict[str, Any], alliance_setup: dict[str, Any]
) -> None:
    from zhengyi.alliances.selectors_operations import contribution

    officer = alliance_setup["officer"]
    at = timezone.now() - timedelta(hours=3)
    record_catch(
        actor=officer,
        team=alliance_setup["team"],
        party=_case_with_suspect(personas, stations["FT"]),
        caught_at=at,
    )
    figures = contribution(personas["head"], alliance_setup["alliance"], months=2)
    month = timezone.localtime(at).date().replace(day=1)
    assert {f.month: f.catches for f in figures}[month] == 1
    assert sum(f.catches for f in figures) == 1
