"""Staff pages: draft in the editor, the side-by-side review, approval, correction, withdrawal,
moderation — each through the services, each refused to roles that may not."""

from __future__ import annotations

from typing import Any

from zhengyi.core.models import AccessLog
from zhengyi.sunshine.models import Feedback, Publication, PublicationVersion
from zhengyi.sunshine.services import feedback as fb


def test_draft_review_publish_through_pages(client_for: Any) -> None:
    author, head = client_for("community"), client_for("head")
    r = author.post(
        "/sunshine/new/",
        {
            "kind": "notice",
            "title": "张伟被盗案",
            "text": "张伟在卓越大厦1203室被盗，电话13812345678。",
            "party_names": "张伟",
        },
    )
    assert r.status_code == 302
    v = PublicationVersion.objects.get()
    page = author.get(f"/sunshine/v/{v.pk}/").content.decode()
    assert 'class="chg-orig"' in page and 'class="chg-new"' in page and "张伟" in page and "张某" in page
    assert AccessLog.objects.filter(user__username="community").exists()  # the original was revealed, logged
    r = author.post(
        f"/sunshine/v/{v.pk}/",
        {"title": "张伟被盗案", "text": v.original_text, "party_names": "张伟", "action": "submit"},
    )
    assert r.status_code == 302
    assert (
        "审核通过并发布" not in author.get(f"/sunshine/v/{v.pk}/").content.decode()
    )  # the author cannot review
    assert "审核通过并发布" in head.get(f"/sunshine/v/{v.pk}/").content.decode()
    r = head.post(f"/sunshine/v/{v.pk}/review/", {"action": "approve"})
    pub = Publication.objects.get()
    assert r.status_code == 302 and pub.current_id == v.pk
    assert client_for("head").get(f"/sunshine/p/{pub.pk}/").status_code == 200
    r = head.post(f"/sunshine/p/{pub.pk}/", {"action": "withdraw", "w-reason": "核实有误"})
    assert r.status_code == 302 and hasattr(Publication.objects.get(), "withdrawal")


def test_other_station_and_public_roles_see_nothing(client_for: Any, personas: dict[str, Any]) -> None:
    for who in ("other", "guardlead", "officer"):
        assert client_for(who).get("/sunshine/").status_code == 403
    assert (
        client_for("other").post("/sunshine/new/", {"kind": "notice", "title": "x", "text": "y"}).status_code
        == 403
    )
    # The sub-bureau reads Futian's publications but cannot write one.
    assert client_for("bureau").get("/sunshine/").status_code == 200
    assert not PublicationVersion.objects.filter(publication__station__code="FT").exists()


def test_moderation_queue(client_for: Any, stations: dict[str, Any]) -> None:
    f = fb.submit_feedback(
        station=stations["FT"], subject="建议", message="建议增加巡逻，电话13812345678", contact="13812345678"
    )
    community = client_for("community")
    assert f.number in community.get("/sunshine/feedback/").content.decode()
    page = community.get(f"/sunshine/feedback/{f.pk}/").content.decode()
    assert "［已删除］" in page  # the public text is pre-redacted for the moderator
    r = community.post(
        f"/sunshine/feedback/{f.pk}/",
        {
            "action": "reply",
            "public_subject": "建议",
            "public_message": "建议增加巡逻",
            "names": "",
            "reply": "已安排。",
        },
    )
    assert r.status_code == 302 and Feedback.objects.get().status == "published"
    assert (
        client_for("investigator")
        .post(f"/sunshine/feedback/{f.pk}/", {"action": "reject", "r-reason": "x"})
        .status_code
        == 403
    )
    assert Feedback.objects.get().status == "published"
