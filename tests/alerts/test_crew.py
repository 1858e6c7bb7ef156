"""Unit crews and the officer's row scope: their own unit's alerts to work, the rest to view.

Also the messages: Chinese by default, English for an English browser.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from zhengyi.alerts.models import Alert, AlertEvent, Assignment, Unit, UnitCrew
from zhengyi.alerts.services.dispatch import advance_assignment, complete_step, dispatch_unit
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.units import create_unit, set_unit_crew, set_unit_status, update_position
from zhengyi.core.models import ObjectChange
from zhengyi.demo.alerts import ensure_crews
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _unit(personas: dict[str, Any], stations: dict[str, Any], code: str) -> Unit:
    unit = create_unit(
        actor=personas["head"],
        station=stations["FT"],
        code=code,
        name=f"巡逻车{code}",
        kind="patrol_car",
        status="available",
    )
    return update_position(actor=personas["head"], unit=unit, lon=114.055, lat=22.5349)


def _alert(personas: dict[str, Any], stations: dict[str, Any]) -> Alert:
    tower = Building.objects.get(station=stations["FT"], code="B1")
    alert, _ = receive_alert(
        actor=personas["dispatcher"],
        station=stations["FT"],
        data=AlertInput(category="criminal", source="phone_110", building_id=tower.pk),
    )
    return alert


@pytest.fixture
def shift(personas: dict[str, Any], stations: dict[str, Any]) -> dict[str, Any]:
    """The officer crews C1, sent to one alert; C2 (nobody's) is sent to another."""
    mine, theirs = _unit(personas, stations, "C1"), _unit(personas, stations, "C2")
    set_unit_crew(actor=personas["dispatcher"], unit=mine, members=[personas["officer"]])
    own_alert, other_alert = _alert(personas, stations), _alert(personas, stations)
    return {
        "mine": mine,
        "theirs": theirs,
        "own_alert": own_alert,
        "other_alert": other_alert,
        "own": dispatch_unit(actor=personas["dispatcher"], alert=own_alert, unit=mine),
        "other": dispatch_unit(actor=personas["dispatcher"], alert=other_alert, unit=theirs),
    }


def _state(*objects: Any) -> list[Any]:
    """What a refused action must leave untouched."""
    return [type(o).objects.filter(pk=o.pk).values().get() for o in objects] + [
        AlertEvent.objects.count(),
        ObjectChange.objects.count(),
    ]


# ---------- services ----------


def test_officer_works_their_own_units_alert(personas: dict[str, Any], shift: dict[str, Any]) -> None:
    officer = personas["officer"]
    for step in ("en_route", "on_scene"):
        advance_assignment(actor=officer, assignment=shift["own"], step=step)
    alert = shift["own_alert"]
    complete_step(actor=officer, alert=alert, step=alert.required_steps[0])
    set_unit_status(actor=officer, unit=shift["mine"], status="busy")
    alert.refresh_from_db()
    assert alert.status == "on_scene" and alert.required_steps[0] in alert.done_steps


def test_officer_is_refused_another_units_alert_and_nothing_changes(
    personas: dict[str, Any], shift: dict[str, Any]
) -> None:
    officer = personas["officer"]
    other, alert, unit = shift["other"], shift["other_alert"], shift["theirs"]
    before = _state(other, alert, unit)
    with pytest.raises(PermissionDenied, match="本人所在出警单位的指派"):
        advance_assignment(actor=officer, assignment=other, step="en_route")
    with pytest.raises(PermissionDenied, match="本人所在出警单位受指派的警情"):
        complete_step(actor=officer, alert=alert, step=alert.required_steps[0])
    with pytest.raises(PermissionDenied, match="本人所在的出警单位"):
        set_unit_status(actor=officer, unit=unit, status="off_duty")
    with pytest.raises(PermissionDenied):
        update_position(actor=officer, unit=unit, lon=114.051, lat=22.531)
    assert _state(other, alert, unit) == before


def test_officer_does_not_dispatch_even_to_their_own_alert(
    personas: dict[str, Any], stations: dict[str, Any], shift: dict[str, Any]
) -> None:
    spare = _unit(personas, stations, "C3")
    with pytest.raises(PermissionDenied, match="新增“指派”"):
        dispatch_unit(actor=personas["officer"], alert=shift["own_alert"], unit=spare)
    assert not Assignment.objects.filter(unit=spare).exists()


def test_dispatcher_still_works_every_alert(personas: dict[str, Any], shift: dict[str, Any]) -> None:
    dispatcher = personas["dispatcher"]
    advance_assignment(actor=dispatcher, assignment=shift["other"], step="en_route")
    complete_step(actor=dispatcher, alert=shift["other_alert"], step=shift["other_alert"].required_steps[0])
    advance_assignment(actor=dispatcher, assignment=shift["own"], step="en_route")
    assert Assignment.objects.filter(en_route_at__isnull=False).count() == 2


def test_crew_changes_are_audited(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    unit = _unit(personas, stations, "C9")
    dispatcher, officer, head = personas["dispatcher"], personas["officer"], personas["head"]
    set_unit_crew(actor=dispatcher, unit=unit, members=[officer, head])
    joined = ObjectChange.objects.filter(content_type__model="unitcrew", action="create")
    assert joined.count() == 2
    assert {c.message for c in joined} == {"王警官 加入 巡逻车C9", "张所长 加入 巡逻车C9"}
    assert {(c.actor, c.related_object_id, c.station.code) for c in joined} == {
        (dispatcher, str(unit.pk), "FT")
    }
    set_unit_crew(actor=dispatcher, unit=unit, members=[officer])
    left = ObjectChange.objects.get(content_type__model="unitcrew", action="delete")
    assert left.message == "张所长 离开 巡逻车C9" and (left.before or {}).get("user_id") == head.pk
    assert list(unit.crew.all()) == [officer]
    # Saving the same crew again records nothing.
    count = ObjectChange.objects.count()
    set_unit_crew(actor=dispatcher, unit=unit, members=[officer])
    assert ObjectChange.objects.count() == count


def test_crew_is_set_by_dispatchers_and_holds_field_staff_only(
    personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    unit = _unit(personas, stations, "C9")
    officer = personas["officer"]
    set_unit_crew(actor=personas["dispatcher"], unit=unit, members=[officer])
    # The officer may change their unit's status, but not who crews it.
    with pytest.raises(PermissionDenied, match="出警单位组员"):
        set_unit_crew(actor=officer, unit=unit, members=[officer, personas["head"]])
    # An investigator has no field role; another station's officer is not ours.
    for outsider in ("investigator", "other"):
        with pytest.raises(ValidationError, match="不是本所可出警的人员"):
            set_unit_crew(actor=personas["dispatcher"], unit=unit, members=[officer, personas[outsider]])
    assert list(UnitCrew.objects.filter(unit=unit).values_list("user__username", flat=True)) == ["officer"]


def test_demo_officer_crews_the_first_car(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    car = _unit(personas, stations, "C01")
    assert ensure_crews(actor=personas["head"], station=stations["FT"]) == 1
    assert list(car.crew.values_list("username", flat=True)) == ["officer"]
    assert ensure_crews(actor=personas["head"], station=stations["FT"]) == 0  # kept as it is


# ---------- pages ----------


def test_officer_pages_offer_only_their_own_actions(client_for: Any, shift: dict[str, Any]) -> None:
    officer = client_for("officer")
    own = officer.get(reverse("alerts:detail", args=[shift["own_alert"].pk])).content.decode()
    assert f'data-assignment="{shift["own"].pk}"' in own and 'data-step="en_route"' in own
    assert 'class="check-btn"' in own and 'id="view-only-note"' not in own
    assert 'id="recommendations"' not in own  # sending units is the dispatcher's
    other = officer.get(reverse("alerts:detail", args=[shift["other_alert"].pk])).content.decode()
    assert 'id="view-only-note"' in other
    assert 'data-step="en_route"' not in other and 'class="check-btn"' not in other
    assert 'id="reclassify-form"' not in other
    units = officer.get(reverse("alerts:units")).content.decode()
    assert 'id="own-units-note"' in units and "data-mine" in units
    mine_card = units.index(f'id="unit-{shift["mine"].pk}"')
    theirs_card = units.index(f'id="unit-{shift["theirs"].pk}"')
    assert mine_card < theirs_card  # their own unit first
    assert reverse("alerts:unit_status", args=[shift["mine"].pk]) in units
    assert reverse("alerts:unit_status", args=[shift["theirs"].pk]) not in units
    assert "crew-form" not in units


def test_officer_is_refused_with_a_clear_403_and_nothing_changes(
    client_for: Any, shift: dict[str, Any]
) -> None:
    officer = client_for("officer")
    alert, other, unit = shift["other_alert"], shift["other"], shift["theirs"]
    before = _state(other, alert, unit)
    posts = [
        (reverse("alerts:advance", args=[alert.pk, other.pk]), {"step": "en_route"}),
        (reverse("alerts:step", args=[alert.pk]), {"step": alert.required_steps[0]}),
        (reverse("alerts:feedback", args=[alert.pk]), {"fb-note": "已电话告知"}),
        (
            reverse("alerts:reclassify", args=[alert.pk]),
            {"rc-category": "dispute", "rc-priority": "3", "rc-reason": "到场核实为纠纷"},
        ),
        (reverse("alerts:unit_status", args=[unit.pk]), {"status": "off_duty"}),
        (reverse("alerts:unit_position", args=[unit.pk]), {"lon": "114.051", "lat": "22.531"}),
        (reverse("alerts:dispatch", args=[shift["own_alert"].pk]), {"unit": unit.pk}),
        (reverse("alerts:unit_crew", args=[shift["mine"].pk]), {"members": []}),
    ]
    for url, data in posts:
        response = officer.post(url, data)
        assert response.status_code == 403, url
        text = response.content.decode()
        assert 'id="permission-denied"' in text and ("您只能" in text or "无权" in text), url
    assert _state(other, alert, unit) == before
    assert list(shift["mine"].crew.values_list("username", flat=True)) == ["officer"]


def test_officer_advances_and_ticks_through_the_pages(client_for: Any, shift: dict[str, Any]) -> None:
    officer = client_for("officer")
    alert, own = shift["own_alert"], shift["own"]
    assert (
        officer.post(reverse("alerts:advance", args=[alert.pk, own.pk]), {"step": "en_route"}).status_code
        == 302
    )
    step = alert.required_steps[0]
    assert officer.post(reverse("alerts:step", args=[alert.pk]), {"step": step}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == "en_route" and step in alert.done_steps


def test_dispatcher_sets_the_crew_from_the_units_page(
    client_for: Any, personas: dict[str, Any], shift: dict[str, Any]
) -> None:
    dispatcher = client_for("dispatcher")
    page = dispatcher.get(reverse("alerts:units")).content.decode()
    assert f'id="crew-{shift["theirs"].pk}"' in page and 'name="members"' in page
    assert 'id="own-units-note"' not in page
    url = reverse("alerts:unit_crew", args=[shift["theirs"].pk])
    officer_pk, head_pk = personas["officer"].pk, personas["head"].pk
    response = dispatcher.post(url, {"members": [officer_pk, head_pk]}, follow=True)
    assert "巡逻车C2 组员：" in response.content.decode()
    assert set(shift["theirs"].crew.values_list("pk", flat=True)) == {officer_pk, head_pk}
    # Someone who cannot crew a unit (an investigator): a clear error, nothing saved.
    bad = dispatcher.post(url, {"members": [personas["investigator"].pk]}, follow=True)
    assert "不在本所可出警人员名单中" in bad.content.decode()
    assert set(shift["theirs"].crew.values_list("pk", flat=True)) == {officer_pk, head_pk}
    # The officer now crews C2 too, so its alert became theirs to work.
    response = client_for("officer").post(
        reverse("alerts:advance", args=[shift["other_alert"].pk, shift["other"].pk]), {"step": "en_route"}
    )
    assert response.status_code == 302
    dispatcher.post(url, {})
    assert not shift["theirs"].crew.exists()


# ---------- messages in the reader's language ----------


def test_permission_refusal_in_english(client_for: Any, shift: dict[str, Any]) -> None:
    officer = client_for("officer")
    url = reverse("alerts:step", args=[shift["other_alert"].pk])
    step = {"step": shift["other_alert"].required_steps[0]}
    chinese = officer.post(url, step).content.decode()
    assert "您只能修改本人所在出警单位受指派的警情。" in chinese
    english = officer.post(url, step, **EN).content.decode()
    assert "You may change only the alerts assigned to a unit you crew." in english
    assert "您只能" not in english


def test_dispatch_conflict_in_english(
    client_for: Any, personas: dict[str, Any], stations: dict[str, Any], shift: dict[str, Any]
) -> None:
    third = _alert(personas, stations)
    url = reverse("alerts:dispatch", args=[third.pk])
    dispatcher = client_for("dispatcher")
    chinese = dispatcher.post(url, {"unit": shift["mine"].pk})
    assert chinese.status_code == 409
    assert f"已被指派到警情 {shift['own_alert'].number}" in chinese.content.decode()
    english = dispatcher.post(url, {"unit": shift["mine"].pk}, **EN)
    assert english.status_code == 409
    text = english.content.decode()
    assert f"already dispatched to alert {shift['own_alert'].number}. Choose another unit" in text
    assert "请选择其他单位" not in text


def test_validation_messages_follow_the_language(client_for: Any, shift: dict[str, Any]) -> None:
    dispatcher = client_for("dispatcher")
    url = reverse("alerts:advance", args=[shift["own_alert"].pk, shift["own"].pk])
    assert "请按顺序操作" in dispatcher.post(url, {"step": "on_scene"}, follow=True).content.decode()
    english = dispatcher.post(url, {"step": "on_scene"}, follow=True, **EN).content.decode()
    assert "Record the steps in order" in english
