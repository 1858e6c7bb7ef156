"""Publishing and feedback services: the review rule, redaction, the ledger entry in the same
transaction, corrections and withdrawals that keep history, feedback moderation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tests.sunshine.conftest import NOTICE_TEXT
from zhengyi.core.models import ObjectChange
from zhengyi.ledger.entries import decode, text_digest
from zhengyi.ledger.models import Entry
from zhengyi.sunshine import redaction
from zhengyi.sunshine.models import Feedback, Publication, PublicationVersion
from zhengyi.sunshine.services import feedback as fb
from zhengyi.sunshine.services import publishing


def entry_doc(index: int) -> dict[str, Any]:
    return decode(bytes(Entry.objects.get(index=index).data))


def test_draft_is_redacted_and_original_kept(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    v = publishing.create_draft(
        actor=personas["community"],
        station=stations["FT"],
        kind="notice",
        title="张伟报警",
        text=NOTICE_TEXT,
        party_names="张伟、欧阳明",
    )
    assert v.status == "draft"
    assert v.title == "张某报警"
    assert "欧阳某" in v.text and "张某" in v.text
    for gone in ("13812345678", "440304199001011237", "粤B12345", "12号", "1203室", "张伟", "欧阳明"):
        assert gone not in v.text
    assert "福华路" in v.text and "卓越大厦" in v.text
    assert v.original_text == NOTICE_TEXT
    assert v.redactions >= 8
    assert v.publication.number.startswith("FT-")
    assert Entry.objects.filter(kind="publication").count() == 0  # nothing public yet


def test_publish_appends_to_ledger_in_same_transaction(publish: Any) -> None:
    v = publish()
    assert v.status == "published" and v.reviewer.username == "head"
    assert v.publication.current_id == v.pk
    doc = entry_doc(v.ledger_index)
    assert doc["kind"] == "publication"
    assert doc["number"] == v.publication.number and doc["version"] == 1
    assert doc["text_sha256"] == text_digest(v.text) == v.text_sha256
    # Only digests and metadata: no public text, and never the internal draft.
    raw = bytes(Entry.objects.get(index=v.ledger_index).data).decode()
    assert "张伟" not in raw and v.text not in raw and "卓越" not in raw
    assert set(doc["commit"]) == {"author", "reviewer"}


def test_publish_rolls_back_with_its_entry(
    publish: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    before = Entry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        publish()
        raise RuntimeError("abort")
    assert Entry.objects.count() == before
    assert not Publication.objects.exists()


def test_reviewer_must_not_be_author(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    v = publishing.create_draft(
        actor=personas["head"], station=stations["FT"], kind="notice", title="通报", text="今日辖区平稳。"
    )
    publishing.submit_for_review(actor=personas["head"], version=v)
    with pytest.raises(PermissionDenied):
        publishing.approve_and_publish(actor=personas["head"], version=v)
    v.refresh_from_db()
    assert v.status == "review" and v.ledger_index is None


def test_only_reviewers_approve(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    v = publishing.create_draft(
        actor=personas["community"],
        station=stations["FT"],
        kind="notice",
        title="通报",
        text="今日辖区平稳。",
    )
    publishing.submit_for_review(actor=personas["community"], version=v)
    for who in ("investigator", "officer", "other", "bureau"):
        with pytest.raises(PermissionDenied):
            publishing.approve_and_publish(actor=personas[who], version=v)


def test_officer_of_other_station_cannot_draft(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        publishing.create_draft(
            actor=personas["other"], station=stations["FT"], kind="notice", title="x", text="yyyyy"
        )


def test_publish_refuses_a_leak(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    v = publishing.create_draft(
        actor=personas["community"],
        station=stations["FT"],
        kind="notice",
        title="通报",
        text="今日辖区平稳。",
    )
    publishing.submit_for_review(actor=personas["community"], version=v)
    # A name listed only now (as if the case added a party after drafting) is re-redacted at
    # approval; a leak that survives redaction is refused.
    PublicationVersion.objects.filter(pk=v.pk).update(original_text="李小龙今日报警。", party_names="李小龙")
    v.refresh_from_db()
    published = publishing.approve_and_publish(actor=personas["head"], version=v)
    assert "李小龙" not in published.text and "李某" in published.text


def test_find_leaks_blocks_publish(
    monkeypatch: Any, personas: dict[str, Any], stations: dict[str, Any]
) -> None:
    v = publishing.create_draft(
        actor=personas["community"],
        station=stations["FT"],
        kind="notice",
        title="通报",
        text="今日辖区平稳。",
    )
    publishing.submit_for_review(actor=personas["community"], version=v)
    # If redaction ever missed a number, the last check still refuses to publish it.
    monkeypatch.setattr(
        publishing, "_apply_redaction", lambda version: setattr(version, "text", "电话13812345678")
    )
    with pytest.raises(ValidationError, match="手机号"):
        publishing.approve_and_publish(actor=personas["head"], version=v)
    assert not Entry.objects.filter(kind="publication").exists()


def test_invalid_input_changes_nothing(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as err:
        publishing.create_draft(
            actor=personas["community"], station=stations["FT"], kind="notice", title="", text=""
        )
    assert "title" in err.value.error_dict and "text" in err.value.error_dict
    with pytest.raises(ValidationError):
        publishing.create_draft(
            actor=personas["community"], station=stations["FT"], kind="bogus", title="t", text="x"
        )
    assert not Publication.objects.exists()


def test_return_edit_resubmit(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    v = publishing.create_draft(
        actor=personas["community"],
        station=stations["FT"],
        kind="briefing",
        title="案情",
        text="王五在岗厦村3栋501被抓获。",
    )
    publishing.submit_for_review(actor=personas["community"], version=v)
    with pytest.raises(ValidationError):
        publishing.return_for_revision(actor=personas["head"], version=v, note=" ")
    publishing.return_for_revision(actor=personas["head"], version=v, note="请补充当事人姓名")
    v = publishing.update_draft(
        actor=personas["community"], version=v, title="案情", text=v.original_text, party_names="王五"
    )
    assert v.text == "王某在岗厦村被抓获。"
    publishing.submit_for_review(actor=personas["community"], version=v)
    assert publishing.approve_and_publish(actor=personas["head"], version=v).status == "published"


def test_correction_is_a_new_version_and_history_stays(publish: Any, personas: dict[str, Any]) -> None:
    v1 = publish()
    pub = v1.publication
    with pytest.raises(ValidationError):
        publishing.start_correction(actor=personas["community"], publication=pub, note="")
    v2 = publishing.start_correction(actor=personas["community"], publication=pub, note="更正案发时间")
    pub.refresh_from_db()
    assert pub.current_id == v1.pk  # the published text stays until the correction is approved
    v2 = publishing.update_draft(
        actor=personas["community"],
        version=v2,
        title=v2.original_title,
        text=v2.original_text.replace("3月2日", "3月3日"),
        party_names=v2.party_names,
    )
    publishing.submit_for_review(actor=personas["community"], version=v2)
    v2 = publishing.approve_and_publish(actor=personas["head"], version=v2)
    v1.refresh_from_db()
    pub.refresh_from_db()
    assert (v1.status, v2.status, pub.current_id) == ("superseded", "published", v2.pk)
    assert v1.text != v2.text and "3月2日" in v1.text  # the old text is kept as it was
    doc = entry_doc(v2.ledger_index)
    assert (doc["version"], doc["corrects"]) == (2, 1)


def test_withdraw_is_logged_and_kept(publish: Any, personas: dict[str, Any]) -> None:
    v = publish()
    pub = v.publication
    with pytest.raises(PermissionDenied):
        publishing.withdraw(actor=personas["community"], publication=pub, reason="x")
    with pytest.raises(ValidationError):
        publishing.withdraw(actor=personas["head"], publication=pub, reason="  ")
    w = publishing.withdraw(actor=personas["head"], publication=pub, reason="案情通报有误，张伟要求撤回")
    assert "张伟" not in w.reason and "张某" in w.reason
    doc = entry_doc(w.ledger_index)
    assert doc["kind"] == "publication_withdrawal" and doc["reason_sha256"] == text_digest(w.reason)
    assert PublicationVersion.objects.filter(pk=v.pk, status="published").exists()
    with pytest.raises(ValidationError):
        publishing.withdraw(actor=personas["head"], publication=pub, reason="again")
    with pytest.raises(ValidationError):
        publishing.start_correction(actor=personas["community"], publication=pub, note="x")
    assert ObjectChange.objects.filter(message="撤回").exists()


def test_progress_steps_logged(publish: Any, personas: dict[str, Any]) -> None:
    v = publish(kind="key_case", title="重点案件：卓越大厦盗窃案")
    e = publishing.add_progress(
        actor=personas["head"],
        publication=v.publication,
        on=timezone.localdate(),
        text="张伟案已移送审查起诉",
    )
    assert e.text == "张某案已移送审查起诉"
    doc = entry_doc(e.ledger_index)
    assert doc["step"] == 1 and doc["step_on"] == timezone.localdate().isoformat()
    with pytest.raises(ValidationError):
        publishing.add_progress(
            actor=personas["head"],
            publication=v.publication,
            on=timezone.localdate() + timedelta(days=2),
            text="x",
        )
    notice = publish(title="普通通报")
    with pytest.raises(ValidationError):
        publishing.add_progress(
            actor=personas["head"], publication=notice.publication, on=timezone.localdate(), text="x"
        )


def test_feedback_flow(personas: dict[str, Any], stations: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        fb.submit_feedback(station=stations["FT"], subject="", message="短")
    assert not Feedback.objects.exists()
    f = fb.submit_feedback(
        station=stations["FT"],
        subject="夜间噪音",
        message="酒吧街夜里太吵，我的电话13812345678。",
        contact="13812345678",
    )
    assert f.status == "new" and f.public_message == ""
    with pytest.raises(PermissionDenied):
        fb.reply_feedback(actor=personas["investigator"], feedback=f, reply="收到")
    f = fb.reply_feedback(
        actor=personas["community"], feedback=f, reply="已联系酒吧联盟加强巡查，电话0755-83456789。"
    )
    assert f.status == "published"
    assert "13812345678" not in f.public_message and "83456789" not in f.reply
    doc = entry_doc(f.ledger_index)
    assert doc["kind"] == "feedback_reply" and doc["reply_sha256"] == text_digest(f.reply)
    assert "酒吧" not in json.dumps(doc, ensure_ascii=False)
    with pytest.raises(ValidationError):
        fb.reject_feedback(actor=personas["community"], feedback=f, reason="x")
    g = fb.submit_feedback(station=stations["FT"], subject="骂人", message="一些不宜公开的话语。")
    g = fb.reject_feedback(actor=personas["head"], feedback=g, reason="含侮辱性内容")
    assert g.status == "rejected" and g.ledger_index is None


def test_redaction_result_is_what_is_stored(publish: Any) -> None:
    v = publish()
    assert v.text == redaction.redact(v.original_text, v.names()).text
