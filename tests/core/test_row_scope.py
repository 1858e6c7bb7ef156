"""Rule scopes: an ``own`` rule narrows a role to the rows the user is responsible for.

The officer changes the alerts of the unit they crew (and their steps, assignments and the
unit itself), and views the whole station; dispatchers and the station head change all of it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils import translation

from zhengyi.alerts.models import Alert, AlertEvent, Assignment, Unit, UnitCrew
from zhengyi.alerts.services.dispatch import dispatch_unit
from zhengyi.alerts.services.intake import AlertInput, receive_alert
from zhengyi.alerts.services.units import create_unit, set_unit_crew
from zhengyi.core.models import ObjectChange, Role, RoleRule
from zhengyi.core.permissions import can, can_for_station, require, require_for_station
from zhengyi.core.roles import ROLES
from zhengyi.core.services.roles import sync_roles
from zhengyi.precinct.models import Building

pytestmark = pytest.mark.django_db


@pytest.fixture
def field(personas: dict[str, Any], stations: dict[str, Any]) -> dict[str, Any]:
    """Two cars, the officer crewing the first; an alert sent to each, and one sent nowhere."""
    head, dispatcher = personas["head"], personas["dispatcher"]
    mine = create_unit(
        actor=head, station=stations["FT"], code="C1", name="巡逻车1", kind="patrol_car", status="available"
    )
    theirs = create_unit(
        actor=head, station=stations["FT"], code="C2", name="巡逻车2", kind="patrol_car", status="available"
    )
    set_unit_crew(actor=dispatcher, unit=mine, members=[personas["officer"]])
    tower = Building.objects.get(station=stations["FT"], code="B1")

    def alert() -> Alert:
        created, _ = receive_alert(
            actor=dispatcher,
            station=stations["FT"],
            data=AlertInput(category="criminal", source="phone_110", building_id=tower.pk),
        )
        return created

    own_alert, other_alert, waiting = alert(), alert(), alert()
    own_assignment = dispatch_unit(actor=dispatcher, alert=own_alert, unit=mine)
    other_assignment = dispatch_unit(actor=dispatcher, alert=other_alert, unit=theirs)
    return {
        "mine": mine,
        "theirs": theirs,
        "own_alert": own_alert,
        "other_alert": other_alert,
        "waiting": waiting,
        "own_assignment": own_assignment,
        "other_assignment": other_assignment,
    }


def _pks(model: Any, user: Any, action: str) -> set[int]:
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))


def test_officer_views_the_station_but_changes_only_their_own(
    personas: dict[str, Any], field: dict[str, Any]
) -> None:
    officer = personas["officer"]
    every_alert = {field["own_alert"].pk, field["other_alert"].pk, field["waiting"].pk}
    assert _pks(Alert, officer, "view") == every_alert
    assert _pks(Alert, officer, "change") == {field["own_alert"].pk}
    assert _pks(Assignment, officer, "change") == {field["own_assignment"].pk}
    assert _pks(Unit, officer, "view") == {field["mine"].pk, field["theirs"].pk}
    assert _pks(Unit, officer, "change") == {field["mine"].pk}
    events = set(AlertEvent.objects.filter(alert=field["own_alert"]).values_list("pk", flat=True))
    assert events and _pks(AlertEvent, officer, "change") == events
    assert _pks(UnitCrew, officer, "change") == set()
    # Caller details stay masked: no view_pii, own alert or not.
    assert _pks(Alert, officer, "view_pii") == set()


@pytest.mark.parametrize("username", ["dispatcher", "head"])
def test_dispatcher_and_head_change_the_whole_station(
    personas: dict[str, Any], field: dict[str, Any], username: str
) -> None:
    user = personas[username]
    assert (
        _pks(Alert, user, "change")
        == _pks(Alert, user, "view")
        == {
            field["own_alert"].pk,
            field["other_alert"].pk,
            field["waiting"].pk,
        }
    )
    assert _pks(Assignment, user, "change") == {field["own_assignment"].pk, field["other_assignment"].pk}
    assert _pks(Unit, user, "change") == {field["mine"].pk, field["theirs"].pk}
    assert can_for_station(user, "add", UnitCrew, field["mine"].station)


@pytest.mark.parametrize("username", ["investigator", "video", "community", "bureau"])
def test_read_only_roles_change_nothing(
    personas: dict[str, Any], field: dict[str, Any], username: str
) -> None:
    user = personas[username]
    assert len(_pks(Alert, user, "view")) == 3
    for model in (Alert, Assignment, Unit, AlertEvent, UnitCrew):
        assert not _pks(model, user, "change"), model


@pytest.mark.parametrize("username", ["other", "property", "guardlead"])
def test_outsiders_see_no_alerts(personas: dict[str, Any], field: dict[str, Any], username: str) -> None:
    for model in (Alert, Assignment, Unit, UnitCrew):
        assert not _pks(model, personas[username], "view"), model


def test_require_says_what_an_own_rule_allows_in_the_readers_language(
    personas: dict[str, Any], field: dict[str, Any]
) -> None:
    officer = personas["officer"]
    require(officer, "change", field["own_alert"])
    with pytest.raises(PermissionDenied, match="您只能修改本人所在出警单位受指派的警情"):
        require(officer, "change", field["other_alert"])
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        require(officer, "change", field["other_alert"])
    assert str(refused.value) == "You may change only the alerts assigned to a unit you crew."
    # A role without the action at all gets the general refusal.
    with pytest.raises(PermissionDenied, match="无权修改该记录"):
        require(personas["investigator"], "change", field["own_alert"])


def test_an_own_rule_creates_nothing(personas: dict[str, Any], field: dict[str, Any]) -> None:
    """A row not yet created is nobody's: ``add`` under an own rule reaches no station."""
    officer = personas["officer"]
    role = Role.objects.create(code="test_own_add", name="测试", name_en="Test")
    RoleRule.objects.create(role=role, model="alerts.assignment", action="add", scope="own")
    officer.roles.add(role)
    officer = type(officer).objects.get(pk=officer.pk)  # fresh rule cache
    assert can(officer, "add", Assignment)  # some rows, in principle …
    assert not can_for_station(officer, "add", Assignment, field["mine"].station)  # … but no new one
    with pytest.raises(PermissionDenied, match="无权在福田派出所新增"):
        require_for_station(officer, "add", Assignment, field["mine"].station)


def test_two_roles_the_broader_scope_wins(personas: dict[str, Any], field: dict[str, Any]) -> None:
    officer = personas["officer"]
    officer.roles.add(Role.objects.get(code="dispatcher"))
    officer = type(officer).objects.get(pk=officer.pk)
    assert _pks(Alert, officer, "change") == _pks(Alert, officer, "view")


def test_every_own_rule_names_how_own_rows_are_found() -> None:
    own = RoleRule.objects.filter(scope=RoleRule.Scope.OWN)
    assert own.exists()
    for rule in own:
        model = apps.get_model(rule.model)
        assert getattr(model, "own_path", None), f"{rule.model} has an own rule but no own_path"
        assert getattr(model, "own_label", None), f"{rule.model} has an own rule but no own_label"


def test_roles_grant_each_action_once() -> None:
    for role in ROLES:
        role.grants()  # raises when rules and own name the same action twice


def test_rule_scopes_are_synced_and_audited(system: Any) -> None:
    rule = RoleRule.objects.get(role__code="officer", model="alerts.alert", action="change")
    assert rule.scope == "own"
    rule.scope = "station"
    rule.save()
    assert sync_roles(actor=system) == 1
    rule.refresh_from_db()
    assert rule.scope == "own"
    change = ObjectChange.objects.filter(content_type__model="rolerule", object_id=str(rule.pk)).first()
    assert change is not None and change.action == "update"
    assert (change.before["scope"], change.after["scope"]) == ("station", "own")


def test_changes_to_rows_without_a_station_column_are_in_the_station_log(
    personas: dict[str, Any], field: dict[str, Any]
) -> None:
    """Assignments and crews reach their station through ``station_path``; the log follows."""
    for model in ("assignment", "unitcrew"):
        changes = ObjectChange.objects.filter(content_type__model=model)
        assert changes.exists() and set(changes.values_list("station__code", flat=True)) == {"FT"}, model
    head_sees = ObjectChange.objects.restrict(personas["head"], "view")
    assert head_sees.filter(content_type__model="unitcrew").exists()
