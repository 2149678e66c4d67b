"""Documents of monitoring cases: the village 公示 notice (A4 PDF) and the audited Excel export
of monitoring objects. Personal data stay masked: the notice shows names, masked ID numbers,
household size, category and risk types — never a full ID number, a phone, a bank account or
health details."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minsheng.core.audit import record_event
from minsheng.core.errors import InvalidInput, PermissionDenied
from minsheng.core.excel import write_workbook
from minsheng.core.masking import mask_id_number
from minsheng.core.models import AuditEventType, User
from minsheng.core.pdf import PdfDocument, SignatureBlock
from minsheng.monitoring import case_selectors
from minsheng.monitoring.models import CaseStatus, MonitoringCase

EXPORT = "monitoring.export_monitoringcase"


def _head_id(case: MonitoringCase) -> str:
    head = case.household.members.filter(relation="head", active=True).first()
    return mask_id_number(head.id_number) if head else ""


def notice_pdf(*, actor: User, village_code: str, today: dt.date | None = None) -> bytes:
    """村级公示: the households of a village in 公示, with the period from ``notice_days``."""
    today = today or timezone.localdate()
    village, cases = case_selectors.notice_households(actor=actor, village_code=village_code)
    if not cases:
        raise InvalidInput(f"{village.name}目前没有处于公示环节的农户。")
    township = village.parent.name if getattr(village, "parent", None) else ""
    doc = PdfDocument(title=f"{village.name}防止返贫监测对象公示",
                      subtitle=f"{township}{village.name}村民委员会 · {today:%Y年%m月%d日}")
    for status, heading in ((CaseStatus.NOTICE, "拟纳入防止返贫监测对象"),
                            (CaseStatus.ELIM_NOTICE, "拟标注风险消除的监测对象")):
        group = [c for c in cases if c.status == status]
        if not group:
            continue
        notice = group[0].notices.order_by("-starts_on", "-id").first()
        doc.heading(heading)
        if notice is not None:
            doc.paragraph(
                f"经农户申请（或排查发现）、入户核查、信息比对和村级民主评议，现将以下农户予以公示，"
                f"公示期自 {notice.starts_on:%Y年%m月%d日} 至 {notice.ends_on:%Y年%m月%d日}"
                f"（{(notice.ends_on - notice.starts_on).days + 1} 天）。如有异议，请在公示期内"
                f"向村民委员会或乡镇人民政府反映。")
        rows = []
        for n, case in enumerate(group, start=1):
            members = case.household.members.filter(active=True).count()
            category = case.get_category_display() or "待县级审定"
            risks = "、".join(case.risk_type_labels) or "—"
            rows.append((f"{n}. {case.household.head_name}",
                         f"户主身份证号：{_head_id(case)}　家庭人口：{members} 人　"
                         f"类别：{category}　风险类型：{risks}"))
        doc.table(rows, key_width_mm=34)
    doc.paragraph("本公示不含身份证号全文、联系电话、银行账号和健康状况等个人信息。")
    doc.signatures([SignatureBlock(f"{village.name}村民委员会（盖章）"),
                    SignatureBlock("公示张贴人（签字）")])
    data = doc.render()
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="monitoring.monitoringcase", region_code=village.code,
                 note=f"生成{village.name}村级公示 PDF（{len(cases)} 户）",
                 extra={"cases": [c.pk for c in cases]})
    return data


EXPORT_HEADERS = ["案件编号", "户编号", "户主", "户主身份证号", "乡镇", "村", "当前环节", "类别",
                  "风险类型", "纳入日期", "当前环节时限", "是否逾期", "绿色通道", "风险消除方式",
                  "风险消除日期"]


def cases_export(*, actor: User, filters: case_selectors.CaseFilter,
                 today: dt.date | None = None) -> tuple[Any, int]:
    """监测对象名单 (Excel), filtered by category, risk type, step and township. Audited; ID
    numbers masked."""
    if not actor.has_perm(EXPORT):
        raise PermissionDenied("您没有导出监测对象名单的权限。")
    today = today or timezone.localdate()
    qs = case_selectors.case_list(actor=actor, filters=filters, today=today)
    townships: dict[str, str] = {}

    def township_name(code: str) -> str:
        key = code[:9].ljust(12, "0")
        if key not in townships:
            from minsheng.regions.models import Region

            townships[key] = Region.objects.filter(code=key).values_list(
                "name", flat=True).first() or key
        return townships[key]

    rows = ((c.number, c.household.household_no, c.household.head_name, _head_id(c),
             township_name(c.region_id), c.region.name, c.get_status_display(),
             c.get_category_display(), "、".join(c.risk_type_labels),
             f"{c.included_on:%Y-%m-%d}" if c.included_on else "",
             f"{c.step_deadline:%Y-%m-%d}" if c.step_deadline else "",
             "是" if c.is_open and c.step_deadline and c.step_deadline < today
             and c.status != CaseStatus.MONITORING else "否",
             "是" if c.green_channel else "否", c.get_elimination_kind_display()
             if c.elimination_kind else "",
             f"{c.eliminated_on:%Y-%m-%d}" if c.eliminated_on else "")
            for c in qs.iterator(chunk_size=500))
    handle, count = write_workbook(title="监测对象名单", headers=EXPORT_HEADERS, rows=rows,
                                   widths=[10, 14, 10, 22, 12, 12, 20, 14, 24, 12, 12, 8, 8, 10,
                                           12])
    record_event(actor=actor, event_type=AuditEventType.EXPORTED,
                 subject_type="monitoring.monitoringcase",
                 note=f"导出监测对象名单 {count} 行（脱敏）",
                 extra={"rows": count, "filters": {k: v for k, v in filters.__dict__.items()
                                                    if v}})
    return handle, count



