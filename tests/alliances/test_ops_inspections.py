"""检查: written up, signed by both sides with the SHA-256 of the text, frozen, member scope."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengyi.alliances.models import Inspection, Rectification
from zhengyi.alliances.services import inspections as svc
from zhengyi.core.models import ObjectChange

pytestmark = pytest.mark.django_db


def _items(fail: bool = False) -> list[svc.ItemInput]:
    return [
        svc.ItemInput(
            code,
            str(text),
            "fail" if fail and code == "footage" else "pass",
            "录像只保存 10 日" if fail and code == "footage" else "",
        )
        for code, text in svc.CHECKLIST
    ]


def _inspection(setup: dict[str, Any], organisation: str = "bar", **kw: Any) -> Inspection:
    kw.setdefault("items", _items())
    return svc.create_inspection(
        actor=setup["officer"],
        organisation=setup[organisation],
        inspection_date=timezone.localdate() - timedelta(days=1),
        place="酒吧前台",
        **kw,
    )


def test_signatures_store_the_sha256_of_the_write_up_as_signed(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    inspection = _inspection(alliance_setup)
    text = svc.canonical_text(inspection)
    assert "保安员劳动合同留存不少于2年" in text
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    svc.sign_as_officer(actor=alliance_setup["officer"], inspection=inspection)
    # The bar's own account (周物业, the property persona) signs on their phone.
    svc.sign_as_representative(actor=personas["property"], inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.officer_sha256 == inspection.rep_sha256 == expected
    assert inspection.rep_method == "own_account" and inspection.rep_user == personas["property"]
    assert inspection.frozen
    assert svc.signatures_hold(inspection) == {"officer": True, "representative": True}
    messages = list(
        ObjectChange.objects.filter(object_id=str(inspection.pk)).values_list("message", flat=True)
    )
    assert any(m.startswith("民警签名") for m in messages)
    assert any(m.startswith("单位代表签名（本人账户）") for m in messages)


def test_a_tampered_write_up_no_longer_matches_its_signatures(alliance_setup: dict[str, Any]) -> None:
    inspection = _inspection(alliance_setup)
    inspection = svc.sign_as_officer(actor=alliance_setup["officer"], inspection=inspection)
    assert svc.signatures_hold(inspection) == {"officer": True, "representative": None}
    # A write behind the services' back (e.g. straight in the database) is detected.
    inspection.items.filter(position=1).update(result="fail")
    assert svc.signatures_hold(inspection) == {"officer": False, "representative": None}


def test_both_signatures_freeze_the_write_up(alliance_setup: dict[str, Any]) -> None:
    inspection = _inspection(alliance_setup, organisation="company")
    svc.sign_as_officer(actor=alliance_setup["officer"], inspection=inspection)
    svc.sign_as_representative(
        actor=alliance_setup["officer"], inspection=inspection, name="陈经理", attest=True
    )
    inspection.refresh_from_db()
    assert inspection.rep_method == "attested" and inspection.attested_by == alliance_setup["officer"]
    with pytest.raises(ValidationError, match="不能再修改"):
        svc.update_inspection(
            actor=alliance_setup["officer"],
            inspection=inspection,
            inspection_date=inspection.date,
            items=_items(fail=True),
            rectifications=[],
        )
    assert not inspection.items.filter(result="fail").exists()
    correction = _inspection(alliance_setup, organisation="company", supersedes=inspection)
    assert correction.supersedes == inspection and not correction.frozen


def test_editing_after_one_signature_withdraws_it(alliance_setup: dict[str, Any]) -> None:
    inspection = _inspection(alliance_setup)
    svc.sign_as_officer(actor=alliance_setup["officer"], inspection=inspection)
    svc.update_inspection(
        actor=alliance_setup["officer"],
        inspection=inspection,
        inspection_date=inspection.date,
        items=_items(fail=True),
        rectifications=[svc.RectificationInput("延长录像保存期", timezone.localdate())],
    )
    inspection.refresh_from_db()
    assert inspection.officer_sha256 == "" and not inspection.frozen
    assert inspection.rectifications.count() == 1


def test_bad_write_ups_are_refused_and_change_nothing(alliance_setup: dict[str, Any]) -> None:
    before = Inspection.objects.count()
    bad = [svc.ItemInput("footage", "录像留存", "fail", "")]
    with pytest.raises(ValidationError) as info:
        _inspection(alliance_setup, items=bad)
    assert "请写明发现的问题" in str(info.value)
    with pytest.raises(ValidationError, match="期限不能早于检查日期"):
        _inspection(alliance_setup, rectifications=[svc.RectificationInput("整改", date(2000, 1, 1))])
    with pytest.raises(ValidationError, match="至少填写一项"):
        _inspection(alliance_setup, items=[])
    assert Inspection.objects.count() == before


def test_member_staff_see_and_sign_only_their_organisations_inspections(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    bar_one = _inspection(alliance_setup)
    company_one = _inspection(alliance_setup, organisation="company")
    assert list(Inspection.objects.restrict(personas["property"], "view")) == [bar_one]
    assert list(Inspection.objects.restrict(personas["guardlead"], "view")) == [company_one]
    assert not Inspection.objects.restrict(personas["other"], "view").exists()
    with pytest.raises(PermissionDenied):
        svc.sign_as_representative(actor=personas["property"], inspection=company_one)
    with pytest.raises(PermissionDenied):
        svc.sign_as_officer(actor=personas["property"], inspection=bar_one)
    with pytest.raises(PermissionDenied):  # member staff may not write up inspections
        svc.create_inspection(
            actor=personas["property"],
            organisation=alliance_setup["bar"],
            inspection_date=timezone.localdate(),
            items=_items(),
        )


def test_rectification_closes_only_after_both_signed(
    alliance_setup: dict[str, Any], personas: dict[str, Any]
) -> None:
    inspection = _inspection(
        alliance_setup,
        items=_items(fail=True),
        rectifications=[svc.RectificationInput("延长录像保存期", timezone.localdate() + timedelta(days=10))],
    )
    rect = Rectification.objects.get(inspection=inspection)
    with pytest.raises(ValidationError, match="尚未双方签名"):
        svc.close_rectification(
            actor=alliance_setup["officer"], rectification=rect, done_on=timezone.localdate(), note="已整改"
        )
    svc.sign_as_officer(actor=alliance_setup["officer"], inspection=inspection)
    svc.sign_as_representative(actor=personas["property"], inspection=inspection)
    digest = svc.write_up_sha256(inspection)
    svc.close_rectification(
        actor=alliance_setup["officer"], rectification=rect, done_on=timezone.localdate(), note="复查已整改"
    )
    assert svc.write_up_sha256(inspection) == digest  # completion is beside the signed text


def test_inspection_pages(alliance_setup: dict[str, Any], client_for: Any, personas: dict[str, Any]) -> None:
    bar = alliance_setup["bar"]
    officer = client_for("community")
    data = {
        "date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "place": "前台",
        "summary": "例行",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-code": "certificate",
        "items-0-text": "持证上岗",
        "items-0-result": "pass",
        "items-0-finding": "",
        "items-1-code": "footage",
        "items-1-text": "录像留存",
        "items-1-result": "fail",
        "items-1-finding": "",
        "rect-TOTAL_FORMS": "1",
        "rect-INITIAL_FORMS": "0",
        "rect-0-requirement": "",
        "rect-0-deadline": "",
    }
    bad = officer.post(f"/alliances/members/{bar.pk}/inspections/new/", data)
    assert bad.status_code == 400 and "请写明发现的问题" in bad.content.decode()
    assert not Inspection.objects.exists()
    data["items-1-finding"] = "只保存 10 日"
    ok = officer.post(f"/alliances/members/{bar.pk}/inspections/new/", data)
    inspection = Inspection.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/alliances/inspections/{inspection.pk}/"
    officer.post(f"/alliances/inspections/{inspection.pk}/sign/", {"as": "officer"})
    staff = client_for("property")
    page = staff.get(f"/alliances/inspections/{inspection.pk}/").content.decode()
    assert 'id="sign-own"' in page and 'id="sign-officer"' not in page
    staff.post(f"/alliances/inspections/{inspection.pk}/sign/", {"as": "own"})
    inspection.refresh_from_db()
    assert inspection.frozen
    printed = staff.get(f"/alliances/inspections/{inspection.pk}/print/").content.decode()
    assert inspection.officer_sha256 in printed and "保安服务检查记录" in printed
    assert client_for("guardlead").get(f"/alliances/inspections/{inspection.pk}/").status_code == 404
    assert personas["property"].pk == inspection.rep_user_id
