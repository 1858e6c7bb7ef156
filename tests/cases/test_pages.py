"""Case pages for each role; the receipt shows the lookup code once; bulk actions from the page."""

from __future__ import annotations

from typing import Any

import pytest

from zhengyi.cases.models import Case, Measure, Party
from zhengyi.cases.selectors import progress_for_lookup
from zhengyi.cases.services import parties as ps

pytestmark = pytest.mark.django_db


def test_pages_render_for_roles(opened: Any, client_for: Any, personas: dict[str, Any]) -> None:
    case = opened.case
    ps.add_party(
        actor=personas["investigator"], case=case, role="reporter", name="张三丰", phone="13800138000"
    )
    for who in ("investigator", "head", "officer", "community", "bureau"):
        client = client_for(who)
        page = client.get("/cases/")
        assert page.status_code == 200 and case.number in page.content.decode(), who
        detail = client.get(f"/cases/{case.pk}/")
        text = detail.content.decode()
        assert detail.status_code == 200, who
        assert "张**" in text and "138****8000" in text and "张三丰" not in text, who  # masked
        assert ("转入" in text) == (who == "investigator"), who
        assert client.get("/cases/deadlines/").status_code == 200
    for who in ("other", "dispatcher", "property"):
        client = client_for(who)
        assert client.get(f"/cases/{case.pk}/").status_code == 404, who
        listing = client.get("/cases/")
        # An officer of another station may list cases — their own station's, none of Futian's.
        assert listing.status_code == (200 if who == "other" else 403), who
        assert case.number not in listing.content.decode(), who
    assert client_for("officer").get("/cases/new/").status_code == 403


def test_head_reveals_parties_with_a_logged_reason(
    opened: Any, client_for: Any, personas: dict[str, Any]
) -> None:
    from zhengyi.core.models import AccessLog

    case = opened.case
    ps.add_party(
        actor=personas["investigator"], case=case, role="reporter", name="张三丰", phone="13800138000"
    )
    text = client_for("head").post(f"/cases/{case.pk}/", {"reason": "审核案件材料"}).content.decode()
    assert "张三丰" in text and "13800138000" in text
    assert (
        AccessLog.objects.filter(object_id__in=[str(p.pk) for p in Party.objects.filter(case=case)]).count()
        == 1
    )
    assert "查看并留痕" not in client_for("officer").get(f"/cases/{case.pk}/").content.decode()


def test_open_from_alert_and_receipt_shows_code_once(alert: Any, client_for: Any) -> None:
    client = client_for("investigator")
    alert_page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f"/cases/new/?alert={alert.pk}" in alert_page
    assert "立案/受案" not in client_for("dispatcher").get(f"/alerts/{alert.pk}/").content.decode()
    form = client.get(f"/cases/new/?alert={alert.pk}")
    assert form.status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "alert": alert.pk,
            "kind": "criminal",
            "category": "theft",
            "title": "办公室失窃案",
            "summary": "笔记本被盗",
        },
    )
    case = Case.objects.get(source_alert=alert)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/receipt/"
    first = client.get(f"/cases/{case.pk}/receipt/").content.decode()
    assert case.number in first and "/public/lookup/" in first and "受案回执" in first
    code = first.split('id="lookup-code">')[1].split("<")[0]
    assert progress_for_lookup(case.number, code) is not None
    second = client.get(f"/cases/{case.pk}/receipt/").content.decode()
    assert code not in second and "无法再次显示" in second
    # Reissue: a new code, shown once; the old one stops working.
    client.post(f"/cases/{case.pk}/lookup-code/", {"reason": "报案人遗失回执"})
    third = client.get(f"/cases/{case.pk}/receipt/").content.decode()
    new_code = third.split('id="lookup-code">')[1].split("<")[0]
    assert new_code != code
    assert progress_for_lookup(case.number, code) is None
    assert progress_for_lookup(case.number, new_code) is not None
    assert alert.cases.filter(pk=case.pk).exists()


def test_stage_move_and_bulk_actions_from_the_page(opened: Any, client_for: Any) -> None:
    case = opened.case
    client = client_for("investigator")
    bad = client.post(f"/cases/{case.pk}/move/", {"stage": "prosecution", "reason": "越级移送"}, follow=True)
    assert "可转入：立案、不予立案" in bad.content.decode()
    client.post(f"/cases/{case.pk}/move/", {"stage": "filed", "reason": "立案决定书"})
    case.refresh_from_db()
    assert case.stage == "filed"
    refused = client.post(
        f"/cases/{case.pk}/parties/bulk/", {"role": "suspect", "text": "甲某\n乙某,123"}, follow=True
    ).content.decode()
    assert "第2行" in refused and Party.objects.filter(case=case).count() == 0
    client.post(f"/cases/{case.pk}/parties/bulk/", {"role": "suspect", "text": "甲某\n乙某\n丙某"})
    ids = list(Party.objects.filter(case=case).values_list("pk", flat=True))
    assert len(ids) == 3
    client.post(f"/cases/{case.pk}/measures/", {"kind": "detention", "party": ids})
    assert Measure.objects.filter(case=case, kind="detention").count() == 3
    text = client.get(f"/cases/{case.pk}/").content.decode()
    assert "拘留后送看守所" in text and "刑事诉讼法第八十五条" in text
    officer = client_for("officer").post(
        f"/cases/{case.pk}/move/", {"stage": "investigating", "reason": "侦查"}
    )
    assert officer.status_code == 403
