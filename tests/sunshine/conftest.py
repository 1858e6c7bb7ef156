"""Sunshine fixtures: a published notice and a draft, written and reviewed by the personas."""

from __future__ import annotations

from typing import Any

import pytest

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
