"""A guard's home page starts with his own day: today's shift or rest, the next shift, and a
warning when his guard card or his training runs out — and nobody else gets that card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengyi.alliances.models import RosterAssignment
from zhengyi.alliances.selectors_guard import DUE_DAYS, TrainingReminder, guard_day, training_reminder
from zhengyi.alliances.services.people import update_guard
from zhengyi.alliances.services.rosters import generate_roster, swap_assignment

pytestmark = pytest.mark.django_db


def _roster_from_today(setup: dict[str, Any]) -> Any:
    outcome = generate_roster(
        actor=setup["officer"],
        alliance=setup["alliance"],
        start=timezone.localdate(),
        days=7,
        time_limit=3,
        num_workers=1,
    )
    assert outcome.roster is not None, outcome.reasons
    return outcome.roster


def test_the_home_page_shows_a_guard_his_shift_today(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    _roster_from_today(alliance_setup)
    lead = alliance_setup["guards"][7]
    today = timezone.localdate()
    mine = RosterAssignment.objects.filter(guard=lead, date=today).first()
    if mine is None:  # the solver rested him today: give him someone's shift (the service's swap)
        other = RosterAssignment.objects.filter(date=today).exclude(guard=lead).first()
        assert other is not None
        mine = swap_assignment(actor=alliance_setup["officer"], assignment=other, new_guard=lead)
    client = Client()
    client.force_login(personas["guardlead"])
    page = client.get("/").content.decode()
    card = page[page.index('id="guard-day"') :]
    card = card[: card.index("</section>")]
    assert alliance_setup["zone"].name in card and mine.shift.name in card
    assert mine.shift.start.strftime("%H:%M") in card
    later = RosterAssignment.objects.filter(guard=lead, date__gt=today).order_by("date").first()
    if later is None:
        assert "下一班" not in card
    else:
        assert "下一班" in card and later.date.strftime("%m-%d") in card
    assert page.index('id="guard-day"') < page.index('id="figures"')  # before the precinct's figures


def test_a_rest_day_and_no_shifts_ahead(alliance_setup: dict[str, Any], personas: dict[str, Any]) -> None:
    _roster_from_today(alliance_setup)
    day = guard_day(personas["guardlead"], today=timezone.localdate() + timedelta(days=60))
    assert day is not None and day.shift is None and day.next_shift is None
    assert day.notices == ()  # card and training valid until 2030


def test_a_card_or_training_running_out_is_said(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    lead = alliance_setup["guards"][7]
    today = timezone.localdate()
    update_guard(
        actor=alliance_setup["officer"],
        guard=lead,
        changes={
            "certificate_valid_until": today + timedelta(days=10),
            "training_valid_until": today - timedelta(days=1),
        },
    )
    day = guard_day(personas["guardlead"], today=today)
    assert day is not None
    card, training = day.notices
    assert "保安员证" in card and "还有 10 天" in card
    assert "培训" in training and "过期" in training
    update_guard(
        actor=alliance_setup["officer"],
        guard=lead,
        changes={
            "certificate_valid_until": today + timedelta(days=DUE_DAYS + 1),
            "training_valid_until": None,
        },
    )
    day = guard_day(personas["guardlead"], today=today)
    assert day is not None and day.notices == ("没有培训记录，请联系所在单位报名轮训。",)
    client = Client()
    client.force_login(personas["guardlead"])
    assert "没有培训记录" in client.get("/").content.decode()


def test_only_guards_get_the_card(alliance_setup: dict[str, Any], personas: dict[str, Any]) -> None:
    assert guard_day(personas["head"]) is None
    client = Client()
    client.force_login(personas["head"])
    assert 'id="guard-day"' not in client.get("/").content.decode()
    lead = alliance_setup["guards"][7]
    update_guard(actor=alliance_setup["officer"], guard=lead, changes={"active": False})
    assert guard_day(personas["guardlead"]) is None  # no longer on duty: no card


def test_whoever_looks_after_guards_is_told_how_many_are_due_for_training(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    today = timezone.localdate()
    assert training_reminder(personas["head"]) is None  # everyone trained until 2030
    guards = alliance_setup["guards"]
    officer = alliance_setup["officer"]
    update_guard(actor=officer, guard=guards[0], changes={"training_valid_until": today - timedelta(days=3)})
    update_guard(actor=officer, guard=guards[5], changes={"training_valid_until": today + timedelta(days=20)})
    head = training_reminder(personas["head"])
    assert head == TrainingReminder(due=2, expired=1)
    # The security company's lead sees only his company's guards (4-7): one of them is due.
    assert training_reminder(personas["guardlead"]) == TrainingReminder(due=1, expired=0)
    client = Client()
    client.force_login(personas["head"])
    page = client.get("/").content.decode()
    card = page[page.index('id="training-reminder"') :]
    assert "2 名保安员的培训已过期或将在 30 天内到期" in card and "其中 1 名" in card
    assert client.get("/alliances/training/due/").status_code == 200
    assert training_reminder(personas["investigator"]) is None  # sees no guards: no card
