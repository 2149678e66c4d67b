"""用工预录通知书 (placement notices): issued from a match, printed as an A4 PDF for the
enterprise, the township government and the worker to sign, then tracked: 三方签字 → 上岗 → 在岗满
3 个月 → 满 6 个月, or 终止 (未上岗或离岗, with a reason).

The moves are the declarative table ``choices.NOTICE_TRANSITIONS``; each one locks the notice
(``select_for_update``), checks the version read, appends a ``PlacementNoticeEvent`` (who, when,
which date) and is audited. The PDF carries the worker's ID number masked (前 6 位和后 4 位): the
notice identifies the worker by name, masked number, village and notice number, and the worker
shows the ID card when signing; the full number belongs in the labour contract, not here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.masking import mask_id_number
from minsheng.core.models import AuditEventType, User
from minsheng.core.pdf import PdfDocument, SignatureBlock
from minsheng.employment import matching
from minsheng.employment.choices import NOTICE_TRANSITIONS, NoticeStatus, PostingStatus
from minsheng.employment.jobs import postings_visible
from minsheng.employment.models import PlacementNotice, PlacementNoticeEvent
from minsheng.employment.rules import month_of
from minsheng.employment.selectors import labour_member_get
from minsheng.employment.services import (
    _check_version,
    _choice,
    _date,
    _require,
    check_labour_member,
)
from minsheng.regions.models import Region

CHANGE_EVENT = AuditEventType.EMPLOYMENT_UPDATED
DATE_FIELD = {NoticeStatus.SIGNED: "signed_on", NoticeStatus.STARTED: "started_on",
              NoticeStatus.EMPLOYED_3M: "checked_3m_on", NoticeStatus.EMPLOYED_6M: "checked_6m_on",
              NoticeStatus.LEFT: "left_on"}
ACTION_LABELS = {NoticeStatus.SIGNED: "登记三方签字", NoticeStatus.STARTED: "登记上岗",
                 NoticeStatus.EMPLOYED_3M: "核实在岗满 3 个月",
                 NoticeStatus.EMPLOYED_6M: "核实在岗满 6 个月", NoticeStatus.LEFT: "终止（未上岗或离岗）"}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return day.replace(year=year, month=month + 1,
                       day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def allowed_moves(status: str) -> list[str]:
    return list(NOTICE_TRANSITIONS.get(status, {}))


# --- Reads ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeFilter:
    status: str = ""
    posting: int | None = None
    q: str = ""


def notice_list(*, actor: Any, filters: NoticeFilter | None = None,
                ) -> models.QuerySet[PlacementNotice]:
    f = filters or NoticeFilter()
    qs = PlacementNotice.objects.visible_to(actor).select_related(
        "posting", "enterprise", "member", "region", "township")
    if f.status:
        qs = qs.filter(status=f.status)
    if f.posting:
        qs = qs.filter(posting_id=f.posting)
    if f.q:
        qs = qs.filter(models.Q(number__contains=f.q) | models.Q(member__name__contains=f.q)
                       | models.Q(enterprise__name__contains=f.q))
    return qs.order_by("-issued_on", "-id")


def notice_get(*, actor: Any, pk: Any, action: str = "view") -> PlacementNotice:
    return PlacementNotice.objects.select_related(
        "posting", "enterprise", "member", "member__household", "region", "township",
    ).get_visible(actor, action, pk=pk or 0)


def notice_events(notice: PlacementNotice) -> list[PlacementNoticeEvent]:
    return list(notice.events.order_by("at", "id"))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def notice_row(n: PlacementNotice) -> dict[str, Any]:
    return {"id": n.pk, "number": n.number, "posting_id": n.posting_id,
            "posting_title": n.posting.title, "trade": n.posting.trade,
            "enterprise_id": n.enterprise_id, "enterprise_name": n.enterprise.name,
            "member_id": n.member_id, "member_name": n.member.name,
            "id_number": mask_id_number(n.member.id_number), "region_code": n.region_id,
            "region_name": n.region.name, "township_name": n.township.name,
            "status": n.status, "status_label": n.get_status_display(), "score": n.score,
            "explanation": n.explanation, "issued_on": n.issued_on.isoformat(),
            "signed_on": _iso(n.signed_on), "started_on": _iso(n.started_on),
            "checked_3m_on": _iso(n.checked_3m_on), "checked_6m_on": _iso(n.checked_6m_on),
            "left_on": _iso(n.left_on), "left_reason": n.left_reason,
            "allowed": allowed_moves(n.status), "version": n.version}


# --- Writes ---------------------------------------------------------------------------------

def _number(county: str, year: int) -> str:
    prefix = f"YGYL-{county[:6]}-{year}-"
    last = (PlacementNotice.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:05d}"


def notice_issue(*, actor: User, posting_id: Any, member_id: Any,
                 on: dt.date | None = None) -> PlacementNotice:
    """开具用工预录通知书 from a match: the worker must be a candidate of the open posting (the
    trade matches); the score and its explanation are kept with the notice."""
    _require(actor, "employment.add_placementnotice", "您没有开具用工预录通知书的权限。")
    on = on or timezone.localdate()
    with transaction.atomic():
        posting = (postings_visible(actor).select_related("enterprise", "county")
                   .filter(pk=posting_id or 0).first())
        if posting is None:
            raise NotFound("所选岗位不存在或不在您的管辖范围内。")
        if posting.status != PostingStatus.OPEN or not posting.valid_from <= on <= posting.valid_to:
            raise InvalidInput(f"岗位「{posting.title}」不在招聘有效期内或已结束招聘，不能开具通知书。")
        member = labour_member_get(actor=actor, pk=member_id or 0)
        check_labour_member(member, month_of(on))
        village = member.household.region_id
        if village[:6] != posting.county_id[:6]:
            raise InvalidInput(f"{member.name}不在岗位所属县，不能开具通知书。")
        found = matching.match_member(posting=posting, member=member, on=on)
        if found is None:
            raise InvalidInput(f"{member.name}的意向工种和技能与岗位工种「{posting.trade}」不符，"
                               "不是该岗位的匹配人员，不能开具通知书。")
        township = Region.objects.get(code=village[:9] + "000")
        notice = PlacementNotice(
            number=_number(posting.county_id, on.year), posting=posting,
            enterprise=posting.enterprise, member=member, township=township, region_id=village,
            score=found.score, explanation=found.explanation[:500], issued_on=on,
            created_by=actor)
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            raise InvalidInput(f"{member.name}已有岗位「{posting.title}」的用工预录通知书"
                               "（或编号冲突，请重试）。") from None
        PlacementNoticeEvent.objects.create(notice=notice, from_status="",
                                            to_status=NoticeStatus.ISSUED, on=on,
                                            note=found.explanation[:200], actor=actor,
                                            actor_name=actor.get_username())
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=notice, region_code=village,
                     changes={"status": [None, NoticeStatus.ISSUED]},
                     note=f"开具用工预录通知书：{notice.number} {member.name} → "
                          f"{posting.enterprise.name} {posting.title}",
                     extra={"posting": posting.pk, "member": member.pk, "score": found.score})
    return notice


def notice_transition(*, actor: User, notice_id: Any, to: Any, on: Any, note: str = "",
                      version: int | None) -> PlacementNotice:
    """One move of the lifecycle table, dated; refused with a Chinese message otherwise."""
    _require(actor, "employment.change_placementnotice", "您没有登记通知书状态的权限。")
    to = _choice(to, NoticeStatus, "新状态")
    day = _date(on, "日期")
    note = (note or "").strip()[:200]
    if day > timezone.localdate():
        raise InvalidInput("日期不能晚于今天。")
    with transaction.atomic():
        notice = (PlacementNotice.objects.visible_to(actor, "change").select_for_update()
                  .filter(pk=notice_id or 0).first())
        if notice is None:
            raise NotFound()
        _check_version(notice.version, version, "用工预录通知书")
        current = NoticeStatus(notice.status)
        moves = NOTICE_TRANSITIONS.get(current, {})
        if to not in moves:
            allowed = "、".join(NoticeStatus(m).label for m in moves) or "无（已结束跟踪）"
            raise InvalidInput(f"通知书当前为「{current.label}」，不能改为「{NoticeStatus(to).label}」；"
                               f"可进行的操作：{allowed}。")
        last = notice.events.order_by("-on", "-id").values_list("on", flat=True).first()
        if last and day < last:
            raise InvalidInput(f"日期不能早于上一次状态变化的日期 {last}。")
        months = moves[to]
        if months is not None:
            due = add_months(notice.started_on, months)
            if day < due:
                raise InvalidInput(f"上岗日期为 {notice.started_on}，须到 {due} 才能核实在岗满 "
                                   f"{months} 个月。")
        if to == NoticeStatus.LEFT:
            if not note:
                raise InvalidInput("终止请填写原因（如 未到岗、本人辞职、企业辞退）。")
            notice.left_reason = note
        setattr(notice, DATE_FIELD[to], day)
        PlacementNoticeEvent.objects.create(notice=notice, from_status=current, to_status=to,
                                            on=day, note=note, actor=actor,
                                            actor_name=actor.get_username())
        notice.status = to
        notice.version += 1
        notice.save()
        record_event(actor=actor, event_type=CHANGE_EVENT, subject=notice,
                     region_code=notice.region_id,
                     changes={"status": [current.value, to], DATE_FIELD[to]: [None, day]},
                     note=f"用工预录通知书{ACTION_LABELS[to]}：{notice.number}",
                     extra={"reason": note} if note else {})
    return notice


# --- PDF ------------------------------------------------------------------------------------

def _wage(posting: Any) -> str:
    low, high = posting.wage_min, posting.wage_max
    if low is None and high is None:
        return "面议"
    if low is not None and high is not None:
        return f"{low:.0f}～{high:.0f} 元/月"
    return f"{(low or high):.0f} 元/月{'起' if low is not None else '以内'}"


def notice_document(notice: PlacementNotice) -> PdfDocument:
    """The notice as a printable document (A4): parties, post, terms, three signature blocks."""
    p, m, e = notice.posting, notice.member, notice.enterprise
    doc = PdfDocument(title="用工预录通知书", subtitle=f"编号：{notice.number}")
    doc.paragraph(f"经{notice.township.name}人民政府就业帮扶人岗匹配，推荐{notice.region.name}"
                  f"{m.name}到{e.name}从事{p.trade}工作。请三方核对以下信息无误后签字（盖章），"
                  "本通知书一式三份，企业、乡镇人民政府、务工人员各执一份。")
    doc.heading("一、务工人员")
    doc.table([("姓名", m.name), ("身份证号", f"{mask_id_number(m.id_number)}（签字时核验身份证原件）"),
               ("所在村（社区）", notice.region.name), ("所属乡镇", notice.township.name)])
    doc.heading("二、用工企业与岗位")
    doc.table([("企业名称", e.name), ("统一社会信用代码", e.uscc), ("岗位名称", p.title),
               ("工种", p.trade), ("工作地点", p.place or (p.workshop.name if p.workshop_id else
                                                          e.address or "—")),
               ("月工资", _wage(p)), ("岗位要求", p.requirements or "—"),
               ("招聘有效期", f"{p.valid_from:%Y年%m月%d日} 至 {p.valid_to:%Y年%m月%d日}")])
    doc.heading("三、约定事项")
    doc.paragraph("1. 务工人员应在签字后按企业通知时间到岗；企业应依法与务工人员签订劳动合同（或劳务协议），"
                  "按时足额支付劳动报酬。")
    doc.paragraph("2. 乡镇人民政府负责跟踪务工人员上岗及在岗满 3 个月、6 个月的情况，并在系统中登记。")
    doc.paragraph(f"3. 匹配说明：{notice.explanation or '—'}")
    doc.paragraph(f"开具日期：{notice.issued_on:%Y年%m月%d日}")
    doc.signatures([SignatureBlock("企业（盖章）", (e.name,)),
                    SignatureBlock("乡镇人民政府（盖章）", (f"{notice.township.name}人民政府",)),
                    SignatureBlock("务工人员（签字）", (m.name,))])
    return doc


def notice_pdf(*, actor: User, notice: PlacementNotice) -> bytes:
    """The PDF for printing (audited as an export: it carries personal data)."""
    data = notice_document(notice).render()
    record_event(actor=actor, event_type=AuditEventType.EXPORTED, subject=notice,
                 region_code=notice.region_id, note=f"下载用工预录通知书 PDF：{notice.number}")
    return data
