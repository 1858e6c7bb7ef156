"""Demo content of the sunshine portal, written and reviewed through the services.

Runs after the cases demo: key cases of ``zhengyi.demo.cases`` (if loaded) become 重点案件 with
their stage timeline; the 通报 of the seed story — the 传销 ring, the office-tower thief, the
bar-street and business-circle alliances' results (as the station's own statements) — are
written from free text with made-up names, so redaction has something to do. A correction and a
withdrawal make the history visible; feedback gets replies.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from zhengyi.core.models import Station, User
from zhengyi.sunshine.models import Publication, PublicationVersion
from zhengyi.sunshine.services import feedback as fb
from zhengyi.sunshine.services import publishing

# Names are invented; they appear only in the internal drafts and are redacted on the portal.
MLM_LEADERS = ["黄志强", "欧阳丽华", "林建国"]
THIEF = "邓小军"

NOTICES = [
    (
        Publication.Kind.BRIEFING,
        "福田派出所捣毁一传销团伙 20名犯罪嫌疑人被依法逮捕并移送审查起诉",
        "近日，福田派出所在辖区写字楼开展企业入驻登记走访时发现，一家以“投资咨询”为名的公司频繁更换办公地点，"
        "员工多为外地年轻人。经侦查，该公司以发展下线、收取“入门费”为手段组织传销活动。派出所会同分局经侦部门收网，"
        "在卓越大厦2306室等三处窝点抓获黄志强、欧阳丽华、林建国等犯罪嫌疑人20名，冻结涉案银行卡6222021001122334458等账户。"
        "20名犯罪嫌疑人均已被检察机关批准逮捕，案件已侦查终结并移送审查起诉。\n"
        "警方提示：凡以“拉人头”“交入门费”许诺高额回报的，均涉嫌传销，请及时拨打110举报。",
        MLM_LEADERS,
    ),
    (
        Publication.Kind.BRIEFING,
        "历时两个月蹲守 写字楼系列盗窃案告破",
        "今年以来，辖区多栋写字楼接连发生办公室财物被盗案件。福田派出所视频研判战队梳理沿线监控，"
        "与物业保安联动蹲守两个月，在福华三路88号皇庭大厦17楼将犯罪嫌疑人邓小军（身份证440304198805126611，"
        "手机13923456789）抓获，当场起获笔记本电脑2台。经审讯，邓小军交代了在辖区写字楼作案的多起盗窃事实，"
        "目前已破获盗窃案件9起。\n警方提示：下班请锁好门窗，贵重物品勿放在办公桌上。",
        [THIEF],
    ),
    (
        Publication.Kind.NOTICE,
        "酒吧联盟运行一年：酒吧街110警情同比下降32%",
        "福田派出所联合辖区酒吧成立酒吧联盟，组织约150名保安员轮值巡逻、统一培训。据本所统计，"
        "联盟运行一年来，酒吧街110警情同比下降32%。本所将继续与联盟成员一道维护夜间秩序。",
        [],
    ),
    (
        Publication.Kind.NOTICE,
        "商业圈联盟反扒队抓获扒窃嫌疑人23名 盗窃警情同比下降25%",
        "福田派出所依托商业圈联盟组建反扒队，在购物公园、地下商业街等人流密集区域巡逻防控。据本所统计，"
        "反扒队组建以来共抓获扒窃犯罪嫌疑人23名，商圈盗窃警情同比下降25%。"
        "提醒市民在地铁口、商场出入口注意看管手机和钱包。",
        [],
    ),
    (
        Publication.Kind.NOTICE,
        "春节期间辖区治安平稳",
        "春节期间，福田派出所共接报各类警情较去年同期有所下降，未发生重大案事件。"
        "会展中心、购物公园等重点区域每日安排警力巡逻。",
        [],
    ),
]

FEEDBACK = [
    (
        "酒吧街夜间噪音",
        "周末酒吧街凌晨两点后仍然很吵，能否加强管理？我的电话13712345678。",
        "13712345678",
        "感谢您的反映。我所已通报酒吧联盟，周末凌晨加派巡逻，对超时经营噪音扰民的依法处理。",
    ),
    (
        "地下商业街扒窃",
        "最近在地下商业街听说有人手机被偷，希望多一些巡逻。",
        "",
        "反扒队已在地下商业街增加便衣巡逻频次，也请您乘坐扶梯时注意随身物品。",
    ),
    (
        "表扬民警",
        "上周在会展中心走失的孩子很快被民警找到，谢谢你们！",
        "",
        "感谢您的肯定，我们会继续做好大型活动的安保工作。",
    ),
]


def _publish(actor: User, reviewer: User, version: PublicationVersion) -> PublicationVersion:
    publishing.submit_for_review(actor=actor, version=version)
    return publishing.approve_and_publish(actor=reviewer, version=version)


def load_sunshine(*, station: Station) -> list[str]:
    """Publish the demo content once (a second run finds it and does nothing)."""
    if Publication.objects.filter(station=station).exists():
        return ["阳光平台演示内容已存在"]
    author = User.objects.get(username="community")
    investigator = User.objects.get(username="investigator")
    head = User.objects.get(username="head")
    published: list[PublicationVersion] = []
    for kind, title, text, names in NOTICES:
        writer = investigator if kind == Publication.Kind.BRIEFING else author
        draft = publishing.create_draft(
            actor=writer, station=station, kind=kind, title=title, text=text, party_names=names
        )
        published.append(_publish(writer, head, draft))

    # The thief briefing is corrected (more thefts cleared); the festival notice withdrawn.
    thief = published[1].publication
    fix = publishing.start_correction(actor=investigator, publication=thief, note="补充已破获案件数")
    fix = publishing.update_draft(
        actor=investigator,
        version=fix,
        title=fix.original_title,
        text=fix.original_text.replace("目前已破获盗窃案件9起", "目前已破获盗窃案件11起"),
        party_names=fix.party_names,
    )
    _publish(investigator, head, fix)
    publishing.withdraw(
        actor=head, publication=published[4].publication, reason="统计口径有误，待核实后重新发布。"
    )

    lines = [f"阳光平台：发布 {len(published)} 条，更正 1 条，撤回 1 条"]
    lines += _key_cases(station, investigator, head)
    lines += _difficult_alert(station, author, head)
    for subject, message, contact, reply in FEEDBACK:
        item = fb.submit_feedback(station=station, subject=subject, message=message, contact=contact)
        fb.reply_feedback(actor=author, feedback=item, reply=reply)
    rejected = fb.submit_feedback(
        station=station, subject="投诉邻居", message="楼上邻居王某某天天吵架，请你们去抓他。"
    )
    fb.reject_feedback(
        actor=author, feedback=rejected, reason="涉及个人纠纷，已转社区民警上门调解，不宜公开。"
    )
    fb.submit_feedback(
        station=station, subject="会展中心停车", message="展会期间周边停车困难，建议公布停车指引。"
    )
    lines.append(f"阳光平台：交流意见 {len(FEEDBACK) + 2} 条（{len(FEEDBACK)} 条已答复公开）")
    return lines


def _key_cases(station: Station, investigator: User, head: User) -> list[str]:
    """重点案件 from the cases demo, with their stage timeline (none if it is not loaded)."""
    try:
        from zhengyi.cases.selectors import key_cases
    except ImportError:  # pragma: no cover - the cases app is part of the project
        return []
    count = 0
    for brief in key_cases(station.pk):
        draft = publishing.draft_from_case(
            actor=investigator, case_id=brief.case_id, kind=Publication.Kind.KEY_CASE
        )
        _publish(investigator, head, draft)  # approval adds the case's stages to the timeline
        count += 1
    return [f"阳光平台：重点案件 {count} 件（含办理进程）"] if count else []


def _difficult_alert(station: Station, author: User, head: User) -> list[str]:
    """A 疑难警情 drawn from a real demo alert, with a few public progress steps."""
    from zhengyi.alerts.models import Alert

    alert = (
        Alert.objects.filter(station=station, category="dispute", building__isnull=False)
        .select_related("building", "zone", "station")
        .order_by("-received_at")
        .first()
        or Alert.objects.filter(station=station, building__isnull=False)
        .select_related("building", "zone", "station")
        .order_by("-received_at")
        .first()
    )
    if alert is None:
        return []
    draft = publishing.draft_from_alert(actor=author, alert=alert, kind=Publication.Kind.DIFFICULT)
    version = _publish(author, head, draft)
    today = timezone.localdate()
    for days, text in (
        (6, "民警到场调解，双方同意由物业和社区共同协调。"),
        (2, "社区民警回访，纠纷暂未再起。"),
    ):
        publishing.add_progress(
            actor=head, publication=version.publication, on=today - timedelta(days=days), text=text
        )
    return ["阳光平台：疑难警情 1 件（含处置进程）"]
