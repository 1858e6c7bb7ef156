"""Case services end to end: 受案, stages and the ledger, parties in bulk, measures, deadlines,
lookup and scope."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from zhengyi.cases import deadlines as dl
from zhengyi.cases.models import Case, Measure, Party
from zhengyi.cases.selectors import case_brief, key_cases, party_full_names, progress_for_lookup
from zhengyi.cases.services import cases as svc
from zhengyi.cases.services import parties as ps
from zhengyi.cases.services import records
from zhengyi.cases.services.deadlines import board, case_deadlines
from zhengyi.core.models import ObjectChange
from zhengyi.ledger import entries
from zhengyi.ledger.models import Entry


def _ring_text() -> str:
    from zhengyi.core.identifiers import resident_id_check_char

    lines = []
    for i in range(1, 21):
        first17 = f"4403041985{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i:03d}"
        lines.append(f"嫌疑人{chr(0x4E00 + i)},{first17}{resident_id_check_char(first17)},139{i:08d}")
    return "\n".join(lines)


pytestmark = pytest.mark.django_db


def test_open_case_numbers_logs_and_issues_a_code(opened: Any, personas: dict[str, Any], alert: Any) -> None:
    case = opened.case
    year = timezone.localtime(case.opened_at).year
    assert case.number == f"FT-{year}-XS-00001"
    assert case.stage == Case.Stage.RECEIVED
    assert list(case.alerts.all()) == [alert]
    assert list(case.investigators.all()) == [personas["investigator"]]
    # The code is kept only as a salted hash.
    assert opened.code.replace("-", "") not in case.lookup_hash
    assert ObjectChange.objects.filter(object_id=str(case.pk), action="create").exists()
    entry = Entry.objects.filter(kind="case_stage").order_by("-index").first()
    assert entry is not None
    doc = entries.decode(bytes(entry.data))
    assert (doc["station"], doc["case_kind"], doc["stage"]) == ("FT", "criminal", "received")
    assert case.number not in bytes(entry.data).decode()  # committed, not shown
    again = svc.open_case(
        actor=personas["investigator"], station=case.station, kind="criminal", category="fraud", title="诈骗"
    )
    assert again.case.number.endswith("-00002")
    admin = svc.open_case(
        actor=personas["investigator"],
        station=case.station,
        kind="administrative",
        category="public_order",
        title="打架",
    )
    assert admin.case.number == f"FT-{year}-XZ-00001"


def test_only_investigators_open_cases(personas: dict[str, Any], ft: Any, stations: dict[str, Any]) -> None:
    for who in ("officer", "dispatcher", "head", "community", "bureau"):
        with pytest.raises(PermissionDenied):
            svc.open_case(actor=personas[who], station=ft, kind="criminal", category="theft", title="x")
    with pytest.raises(PermissionDenied):
        svc.open_case(
            actor=personas["investigator"],
            station=stations["LH"],
            kind="criminal",
            category="theft",
            title="x",
        )


def test_move_stage_refuses_with_allowed_moves_and_logs(opened: Any, personas: dict[str, Any]) -> None:
    inv = personas["investigator"]
    case = opened.case
    with pytest.raises(ValidationError) as err:
        svc.move_stage(actor=inv, case=case, stage="prosecution", reason="越级")
    assert "可转入：立案、不予立案" in str(err.value)
    with pytest.raises(ValidationError):
        svc.move_stage(actor=inv, case=case, stage="filed", reason="")
    before = Entry.objects.filter(kind="case_stage").count()
    case = svc.move_stage(actor=inv, case=case, stage="filed", reason="立案决定书")
    assert case.stage == "filed"
    assert Entry.objects.filter(kind="case_stage").count() == before + 1
    assert [s.stage for s in case.stage_changes.order_by("at", "id")] == ["received", "filed"]
    with pytest.raises(PermissionDenied):
        svc.move_stage(actor=personas["officer"], case=case, stage="investigating", reason="x x")


def test_lookup_right_code_wrong_code_unknown_case(opened: Any, personas: dict[str, Any]) -> None:
    case = opened.case
    progress = progress_for_lookup(case.number, opened.code)
    assert progress is not None
    assert (progress.stage_label, progress.handling_unit, progress.kind_label) == (
        "受案",
        "福田派出所",
        "刑事案件",
    )
    assert progress_for_lookup(case.number.lower(), opened.code.lower()) is not None
    assert progress_for_lookup(case.number, "ZYJX-FTAB-DEMQ-CASE") is None
    assert progress_for_lookup("FT-2099-XS-99999", opened.code) is None
    for junk in ("", "x" * 500, None, 12):
        assert progress_for_lookup(junk, junk) is None  # type: ignore[arg-type]
    svc.move_stage(actor=personas["investigator"], case=case, stage="filed", reason="立案决定书")
    progress = progress_for_lookup(case.number, opened.code)
    assert progress is not None and progress.stage_label == "立案"
    assert [s.stage_label for s in progress.steps] == ["受案", "立案"]
    assert "张" not in repr(progress)  # no names, no summary
    new_code = svc.reissue_lookup_code(actor=personas["investigator"], case=case, reason="回执遗失")
    assert progress_for_lookup(case.number, opened.code) is None
    assert progress_for_lookup(case.number, new_code) is not None
    assert ObjectChange.objects.filter(object_id=str(case.pk), message__startswith="补发查询码").exists()


def test_bulk_parties_all_or_nothing(opened: Any, personas: dict[str, Any]) -> None:
    inv, case = personas["investigator"], opened.case
    bad = _ring_text() + "\n坏行,123\n王五,,12345"
    with pytest.raises(ValidationError) as err:
        ps.add_parties_bulk(actor=inv, case=case, role="suspect", text=bad)
    messages = err.value.message_dict["text"]
    assert len(messages) == 2 and messages[0].startswith("第21行") and messages[1].startswith("第22行")
    assert Party.objects.filter(case=case).count() == 0
    added = ps.add_parties_bulk(actor=inv, case=case, role="suspect", text=_ring_text())
    assert len(added) == 20 and all(p.pk for p in added)
    # The same people again: every row is a duplicate, nothing is added.
    with pytest.raises(ValidationError):
        ps.add_parties_bulk(actor=inv, case=case, role="suspect", text=_ring_text())
    assert Party.objects.filter(case=case).count() == 20
    with pytest.raises(PermissionDenied):
        ps.add_parties_bulk(actor=personas["officer"], case=case, role="witness", text="某人")


def test_ring_arrest_needs_approval_and_deadlines_follow(personas: dict[str, Any], ft: Any) -> None:
    inv = personas["investigator"]
    opened_at = timezone.now() - timedelta(days=3)
    case = svc.open_case(
        actor=inv, station=ft, kind="criminal", category="economic", title="传销", at=opened_at
    ).case
    suspects = ps.add_parties_bulk(actor=inv, case=case, role="suspect", text=_ring_text())
    victim = ps.add_party(actor=inv, case=case, role="victim", name="受害人甲")
    t0 = timezone.now() - timedelta(days=2)
    with pytest.raises(ValidationError):
        ps.bulk_measure(actor=inv, case=case, parties=[*suspects, victim], kind="detention", at=t0)
    detained = ps.bulk_measure(actor=inv, case=case, parties=suspects, kind="detention", at=t0)
    assert len(detained) == 20
    with pytest.raises(ValidationError) as err:
        ps.bulk_measure(actor=inv, case=case, parties=suspects, kind="arrest")
    assert "检察院批准" in str(err.value)
    deadlines = case_deadlines(case)
    custody = [d for d in deadlines if d.limit.code == "detention_custody"]
    assert len(custody) == 20 and all(d.due == t0 + timedelta(hours=24) and d.is_open for d in custody)
    rows = board(inv, mine=True)
    assert rows and rows[0].status == dl.OVERDUE  # 24 h duties passed a day ago
    assert [r.deadline.due for r in rows] == sorted(r.deadline.due for r in rows)
    requests = ps.bulk_measure(
        actor=inv, case=case, parties=suspects, kind="arrest_request", at=t0 + timedelta(days=1)
    )
    ps.record_decision(actor=inv, measures=requests, decision="approved", decided_on=timezone.localdate())
    arrests = ps.bulk_measure(actor=inv, case=case, parties=suspects, kind="arrest")
    assert len(arrests) == 20
    assert Measure.objects.filter(case=case, kind="detention", ended_at__isnull=True).count() == 0
    deadlines = case_deadlines(case)
    by = {(d.limit.code, d.measure_id): d for d in deadlines}
    assert all(by[("arrest_request", m.pk)].met_at is not None for m in detained)
    assert all(by[("procuratorate_decision", m.pk)].met_at is not None for m in requests)
    detention = by[("investigative_detention", arrests[0].pk)]
    assert detention.is_open and detention.due == dl.add_months(arrests[0].started_at, 2)
    records.add_extension(
        actor=inv,
        case=case,
        limit="investigative_detention",
        measure=arrests[0],
        amount=1,
        legal_basis="刑事诉讼法第一百五十六条",
        approved_by="上一级人民检察院",
        approved_on=timezone.localdate(),
    )
    extended = {(d.limit.code, d.measure_id): d for d in case_deadlines(case)}[
        ("investigative_detention", arrests[0].pk)
    ]
    assert extended.due == dl.add_months(arrests[0].started_at, 3)
    with pytest.raises(ValidationError) as err:
        records.add_extension(
            actor=inv,
            case=case,
            limit="investigative_detention",
            measure=arrests[0],
            amount=1,
            legal_basis="x x",
            approved_by="x x",
            approved_on=timezone.localdate(),
        )
    assert "可以" in str(err.value)


def test_filing_review_limits_and_extension(personas: dict[str, Any], ft: Any) -> None:
    inv = personas["investigator"]
    t0 = timezone.now() - timedelta(days=5)
    econ = svc.open_case(
        actor=inv, station=ft, kind="criminal", category="economic", title="传销", at=t0
    ).case
    plain = svc.open_case(actor=inv, station=ft, kind="criminal", category="theft", title="盗窃", at=t0).case
    admin = svc.open_case(
        actor=inv, station=ft, kind="administrative", category="public_order", title="打架", at=t0
    ).case
    assert case_deadlines(econ)[0].due == t0 + timedelta(days=7)
    assert case_deadlines(plain)[0].due == t0 + timedelta(days=3)
    assert case_deadlines(admin)[0].limit.code == "public_order"
    records.add_extension(
        actor=inv,
        case=plain,
        limit="filing_review",
        amount=4,
        legal_basis="线索需要查证",
        approved_by="刑侦中队长",
        approved_on=timezone.localdate(),
    )
    assert case_deadlines(plain)[0].due == t0 + timedelta(days=7)
    with pytest.raises(ValidationError):  # not this case's limit
        records.add_extension(
            actor=inv,
            case=plain,
            limit="filing_review_economic",
            amount=5,
            legal_basis="x x",
            approved_by="x x",
            approved_on=timezone.localdate(),
        )
    svc.move_stage(actor=inv, case=plain, stage="not_filed", reason="不构成犯罪")
    notice = next(d for d in case_deadlines(plain) if d.limit.code == "not_filed_notice")
    assert notice.is_open
    svc.record_notice_served(actor=inv, case=plain)
    assert all(not d.is_open for d in case_deadlines(plain))


def test_documents_are_stored_by_hash(
    opened: Any, personas: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    doc = records.attach_document(
        actor=personas["investigator"],
        case=opened.case,
        title="立案决定书",
        filename="a.pdf",
        stream=io.BytesIO(b"%PDF x"),
    )
    import hashlib

    assert doc.sha256 == hashlib.sha256(b"%PDF x").hexdigest() and doc.size == 6
    assert records.document_path(doc.sha256).read_bytes() == b"%PDF x"
    with pytest.raises(ValidationError):
        records.attach_document(
            actor=personas["investigator"],
            case=opened.case,
            title="空",
            filename="e.txt",
            stream=io.BytesIO(b""),
        )


def test_scope_other_station_sees_nothing(opened: Any, personas: dict[str, Any]) -> None:
    case = opened.case
    ps.add_party(
        actor=personas["investigator"], case=case, role="reporter", name="张报案", phone="13800138000"
    )
    other = personas["other"]
    for model in (Case, Party, Measure):
        assert not model.objects.restrict(other, "view").exists()
    with pytest.raises(PermissionDenied):
        case_brief(case.pk, user=other)
    for who in ("dispatcher", "property", "guardlead"):
        assert not Case.objects.restrict(personas[who], "view").exists(), who
    # The community officer reads cases to record the 反扒队's catches against their suspects.
    for who in ("head", "officer", "community", "investigator", "bureau"):
        assert Case.objects.restrict(personas[who], "view").count() == 1, who
    brief = case_brief(case.pk, user=personas["head"])
    assert brief.party_names == ("张报案",)
    assert party_full_names(case.station_id) == ["张报案"]
    assert key_cases(case.station_id) == []
    svc.set_key_case(actor=personas["investigator"], case=case, is_key=True)
    assert [b.number for b in key_cases(case.station_id)] == [case.number]
