"""Sunshine fixtures: a published notice and a draft, written and reviewed by the personas."""

from __future__ import annotations

from typing import Any

import pytest

# The separate internet-side deployment of the mirror tests (test_mirror_*.py).
from .mirror_support import mirror, mirror_template  # noqa: F401

NOTICE_TEXT = (
    "2025年3月2日，张伟在福华路12号卓越大厦1203室被盗手机一部，嫌疑人欧阳明驾驶粤B12345逃离，"
    "后被民警抓获。报警人电话13812345678，身份证440304199001011237。"
)
NAMES = ["张伟", "欧阳明"]


@pytest.fixture
def publish(personas: dict[str, Any], stations: dict[str, Any]) -> Any:
    """Draft (community officer) → submit → approve (station head): the whole path."""
    from zhengyi.sunshine.services import publishing

    def make(
        title: str = "卓越大厦盗窃案告破", text: str = NOTICE_TEXT, kind: str = "notice", names: Any = NAMES
    ) -> Any:
        v = publishing.create_draft(
            actor=personas["community"],
            station=stations["FT"],
            kind=kind,
            title=title,
            text=text,
            party_names=names,
        )
        publishing.submit_for_review(actor=personas["community"], version=v)
        return publishing.approve_and_publish(actor=personas["head"], version=v)

    return make


@pytest.fixture
def police_content(publish: Any, personas: dict[str, Any], stations: dict[str, Any]) -> dict[str, Any]:
    """A police side with one of everything the portal shows, and things it must never show:
    a notice corrected once, a key case with its timeline, a withdrawn notice, a draft, an
    answered, a rejected and a waiting message (with contacts), last month's alerts (one count
    below the threshold) and a case with a lookup code, a party and a stage change."""
    from datetime import timedelta

    from django.utils import timezone

    from zhengyi.alerts.models import Alert
    from zhengyi.alerts.services.intake import AlertInput, receive_alert
    from zhengyi.cases.services.cases import move_stage, open_case
    from zhengyi.cases.services.parties import add_party
    from zhengyi.precinct.models import Building
    from zhengyi.sunshine.services import feedback, publishing

    head, community = personas["head"], personas["community"]
    notice = publish()
    correction = publishing.start_correction(actor=community, publication=notice.publication, note="更正件数")
    publishing.update_draft(
        actor=community,
        version=correction,
        title="卓越大厦盗窃案告破（更正）",
        text=NOTICE_TEXT + "共破案 11 起。",
        party_names=NAMES,
    )
    publishing.submit_for_review(actor=community, version=correction)
    corrected = publishing.approve_and_publish(actor=head, version=correction)
    key = publish(
        title="重点案件：传销团伙", text="警方打掉一个传销团伙，张伟等20人被抓获。", kind="key_case"
    )
    publishing.add_progress(
        actor=head, publication=key.publication, on=timezone.localdate(), text="案件移送审查起诉。"
    )
    gone = publish(title="临时交通管制通知", text="明日福华路临时交通管制。", names=[])
    publishing.withdraw(actor=head, publication=gone.publication, reason="管制取消")
    draft = publishing.create_draft(
        actor=community, station=stations["FT"], kind="notice", title="内部草稿标题", text="草稿正文不公开。"
    )
    answered = feedback.submit_feedback(
        station=stations["FT"], subject="夜间噪音", message="酒吧街夜间噪音太大。", contact="13900001111"
    )
    answered = feedback.reply_feedback(actor=head, feedback=answered, reply="已加强巡查。")
    rejected = feedback.submit_feedback(
        station=stations["FT"], subject="私事", message="请帮我找王五的电话。", contact="13900002222"
    )
    feedback.reject_feedback(actor=head, feedback=rejected, reason="个人事务")
    waiting = feedback.submit_feedback(
        station=stations["FT"], subject="路灯", message="福华路路灯坏了。", contact="waiting@example.cn"
    )

    tower = Building.objects.get(station=stations["FT"], code="B1")
    for category, n in (("criminal", 7), ("dispute", 2)):
        for _i in range(n):
            receive_alert(
                actor=personas["dispatcher"],
                station=stations["FT"],
                data=AlertInput(
                    category=category, source="phone_110", building_id=tower.pk, description="测试"
                ),
            )
    # Into the middle of last month: the portal publishes complete months only.
    last_month = timezone.localdate().replace(day=1) - timedelta(days=15)
    Alert.objects.update(received_at=timezone.make_aware(timezone.datetime(*last_month.timetuple()[:3], 12)))

    case = open_case(
        actor=personas["investigator"],
        station=stations["FT"],
        kind="criminal",
        category="theft",
        title="内部扒窃卷宗",
    )
    add_party(
        actor=personas["investigator"], case=case.case, role="victim", name="赵六六", phone="13700003333"
    )
    move_stage(actor=personas["investigator"], case=case.case, stage="filed", reason="符合立案条件")
    return {
        "notice": corrected,
        "key": key,
        "withdrawn": gone,
        "draft": draft,
        "answered": answered,
        "rejected": rejected,
        "waiting": waiting,
        "case": case.case,
        "code": case.code,
        "last_month": (last_month.year, last_month.month),
    }
