"""Web pages of monitoring cases (监测帮扶): the lead inbox, the case list and page with its
steps, records and timeline, the village 公示 PDF, clocks, the 排查 visit report and the public
self-declaration pages (农户自主申报, no login).

Views parse, call one service or selector, render; anything out of scope is 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.core.context import client_ip_var
from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.masking import mask_id_number, mask_phone
from minsheng.monitoring import case_documents, case_selectors, case_services, workflow
from minsheng.monitoring.elimination import elimination_criteria
from minsheng.monitoring.models import (
    AttachmentKind,
    CaseAttachment,
    CaseCategory,
    CaseLeadStatus,
    CaseStatus,
    EliminationKind,
    LeadSource,
    MeetingResult,
    NoticeObjection,
    RiskSignal,
    RiskType,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.registry.models import Household

VIEW = case_selectors.VIEW
LEAD_VIEW = case_selectors.LEAD_VIEW
_ERRORS = (InvalidInput, PermissionDenied, Conflict)


def _require(request: HttpRequest, perm: str = VIEW) -> Any:
    if not request.user.has_perm(perm):
        raise NotFound()
    return request.user


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _date(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(f"日期「{value}」无效，应为 YYYY-MM-DD。") from None


def _filters(request: HttpRequest) -> case_selectors.CaseFilter:
    g = request.GET
    return case_selectors.CaseFilter(
        status=g.get("status", "") if g.get("status", "") in CaseStatus.values else "",
        category=g.get("category", "") if g.get("category", "") in CaseCategory.values else "",
        risk_type=g.get("risk_type", "") if g.get("risk_type", "") in RiskType.values else "",
        township=g.get("township", "").strip()[:12] if g.get("township", "").isdigit() else "",
        overdue=g.get("overdue") == "1", open_only=g.get("open") == "1")


# --- Cases ----------------------------------------------------------------------------------

@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    actor = _require(request)
    filters = _filters(request)
    page = Paginator(case_selectors.case_list(actor=actor, filters=filters), 50).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = case_selectors.case_counts(actor=actor)
    return render(request, "monitoring/cases/case_list.html", {
        "page": page, "filters": filters, "query": query.urlencode(), "counts": counts,
        "statuses": CaseStatus.choices, "categories": CaseCategory.choices,
        "risk_types": RiskType.choices, "townships": counts["township"],
        "today": timezone.localdate(),
        "can_export": actor.has_perm(case_documents.EXPORT),
        "overdue": case_selectors.overdue_summary(actor=actor)})


@login_required
def case_export(request: HttpRequest) -> HttpResponse:
    actor = _require(request, case_documents.EXPORT)
    handle, _count = case_documents.cases_export(actor=actor, filters=_filters(request))
    return FileResponse(handle, as_attachment=True,
                        filename=f"监测对象名单-{timezone.localtime():%Y%m%d-%H%M%S}.xlsx")


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    case = case_selectors.case_get(actor=actor, pk=pk)
    steps = [s for s in workflow.next_steps(case.status) if actor.has_perm(s.permission)]
    members = list(case.household.members.filter(active=True).order_by("id"))
    notice = case.notices.order_by("-starts_on", "-id").first() \
        if case.status in workflow.NOTICE_STATES else None
    can_check = actor.has_perm(workflow.CHECK)
    return render(request, "monitoring/cases/case_detail.html", {
        "case": case, "steps": steps, "timeline": case_selectors.case_timeline(case),
        "visits": list(case.visits.all()), "meetings": list(case.meetings.all()),
        "notice": notice, "objections": list(notice.objections.all()) if notice else [],
        "attachments": list(case.attachments.all()),
        "members": [{"name": m.name, "id": mask_id_number(m.id_number),
                     "labour": m.get_labour_capacity_display()} for m in members],
        "can_visit": can_check and case.status in (CaseStatus.HOUSEHOLD_CHECK,
                                                   CaseStatus.ELIM_CHECK),
        "can_meet": can_check and case.status in (CaseStatus.REVIEW, CaseStatus.ELIM_REVIEW),
        "can_object": can_check and notice is not None,
        "can_green": actor.has_perm(case_services.GREEN_CHANNEL)
        and case.status in workflow.IDENTIFICATION and not case.green_channel
        and bool(case_services.GREEN_RISKS & set(case.risk_types)),
        "categories": CaseCategory.choices, "risk_types": RiskType.choices,
        "kinds": [c for c in EliminationKind.choices if c[0]],
        "results": MeetingResult.choices, "today": timezone.localdate(),
        "assistance_may_start": case_services.assistance_may_start(case),
        "calendar_notes": case_services.case_calendar_notes(case),
        **_elimination_panels(actor, case)})


ASSISTANCE_VIEW = "assistance.view_assistanceplan"


def _elimination_panels(actor: Any, case: Any) -> dict[str, Any]:
    """风险消除条件 (cases in 监测中 or in the elimination procedure) and 帮扶计划 (the household's
    measures continuing after elimination, when the user may see assistance plans)."""
    from minsheng.assistance.selectors import continuing_measures

    today = timezone.localdate()
    shown = case.status == CaseStatus.MONITORING or case.status in workflow.ELIMINATION
    can_plan = actor.has_perm(ASSISTANCE_VIEW)
    return {
        "criteria": elimination_criteria(case, on=today) if shown else None,
        "can_plan": can_plan,
        "continuing": (continuing_measures(actor=actor, household=case.household, on=today)
                       if can_plan else []),
    }


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    case = case_selectors.case_get(actor=actor, pk=pk)
    post = request.POST
    files = [(AttachmentKind.OTHER, f) for f in request.FILES.getlist("attachment")]
    try:
        case_services.case_transition(
            actor=actor, case=case, action=post.get("action", ""),
            version=_int(post.get("version")), note=post.get("note", ""),
            category=post.get("category", ""),
            risk_types=post.getlist("risk_types") if "risk_types" in post else None,
            elimination_kind=post.get("elimination_kind", ""), attachments=files)
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已办理。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
@require_POST
def case_visit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    case = case_selectors.case_get(actor=actor, pk=pk)
    post = request.POST
    try:
        case_services.visit_record(
            actor=actor, case=case, visited_on=_date(post.get("visited_on")),
            visitors=[v for v in post.get("visitors", "").replace("，", ",").split(",")],
            members_present=post.getlist("members_present"),
            income_12m=post.get("income_12m", ""), spending_12m=post.get("spending_12m") or 0,
            food_clothing_ok="food_clothing_ok" in post, education_ok="education_ok" in post,
            medical_ok="medical_ok" in post, housing_ok="housing_ok" in post,
            water_ok="water_ok" in post, note=post.get("note", ""),
            risk_types=post.getlist("risk_types") or None, category=post.get("category", ""),
            authorization=request.FILES.get("authorization"),
            photos=request.FILES.getlist("photos"))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "入户核查记录已保存。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
@require_POST
def case_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    case = case_selectors.case_get(actor=actor, pk=pk)
    post = request.POST
    try:
        case_services.meeting_record(
            actor=actor, case=case, held_on=_date(post.get("held_on")),
            attendees=post.get("attendees", ""),
            attendee_count=_int(post.get("attendee_count")) or 0,
            result=post.get("result", ""), note=post.get("note", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "民主评议记录已保存。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
@require_POST
def case_objection(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    case = case_selectors.case_get(actor=actor, pk=pk)
    try:
        case_services.objection_record(actor=actor, case=case,
                                       content=request.POST.get("content", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "异议已登记。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    objection = NoticeObjection.objects.select_related("notice__case").filter(pk=pk).first()
    if objection is None:
        raise NotFound()
    case = case_selectors.case_get(actor=actor, pk=objection.notice.case_id)
    try:
        case_services.objection_resolve(actor=actor, objection=objection,
                                        resolution=request.POST.get("resolution", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "异议已处理。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
@require_POST
def case_green_channel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    case = case_selectors.case_get(actor=actor, pk=pk)
    try:
        case_services.green_channel_open(actor=actor, case=case,
                                         version=_int(request.POST.get("version")),
                                         note=request.POST.get("note", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已启用绿色通道：可先落实帮扶措施，识别程序继续办理。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request)
    attachment = CaseAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise NotFound()
    case = case_selectors.case_get(actor=actor, pk=attachment.case_id)  # scope
    attachment, handle = case_services.attachment_open(actor=actor, case=case, attachment_id=pk)
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


@login_required
def notice_pdf(request: HttpRequest, village: str) -> HttpResponse:
    actor = _require(request)
    data = case_documents.notice_pdf(actor=actor, village_code=village)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{village}.pdf"'
    return response


@login_required
def clocks(request: HttpRequest) -> HttpResponse:
    """逾期与应纳未纳: overdue steps per township and cadre, and the suspects."""
    actor = _require(request)
    return render(request, "monitoring/cases/clocks.html", {
        "summary": case_selectors.overdue_summary(actor=actor),
        "cases": list(case_selectors.overdue_cases(actor=actor)[:200]),
        "procedure_late": list(case_selectors.procedure_overdue(actor=actor)[:200]),
        "suspects": case_selectors.suspects(actor=actor), "today": timezone.localdate()})


@login_required
def home_panel(request: HttpRequest) -> HttpResponse:
    """The home page's 监测帮扶待办 panel (fetched by the home page); empty for read-only roles."""
    actor = _require(request)
    panel = case_selectors.home_panel(actor=actor)
    if panel is None:
        return HttpResponse("")
    return render(request, "monitoring/cases/_home_panel.html", {"case_panel": panel})


# --- The lead inbox -------------------------------------------------------------------------

@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    actor = _require(request, LEAD_VIEW)
    status = request.GET.get("status", CaseLeadStatus.PENDING)
    status = status if status in CaseLeadStatus.values else ""
    source = request.GET.get("source", "")
    source = source if source in LeadSource.values else ""
    page = Paginator(case_selectors.lead_list(actor=actor, status=status, source=source),
                     50).get_page(request.GET.get("page"))
    return render(request, "monitoring/cases/lead_list.html", {
        "page": page, "status": status, "source": source, "statuses": CaseLeadStatus.choices,
        "sources": LeadSource.choices, "today": timezone.localdate()})


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, LEAD_VIEW)
    lead = case_selectors.lead_get(actor=actor, pk=pk)
    candidates: list[Household] = []
    if lead.household is None and lead.status == CaseLeadStatus.PENDING:
        candidates = list(Household.objects.visible_to(actor)
                          .filter(region_id=lead.region_id, archived=False)
                          .order_by("household_no")[:300])
    return render(request, "monitoring/cases/lead_detail.html", {
        "lead": lead, "masked_id": mask_id_number(lead.id_number),
        "masked_phone": mask_phone(lead.phone), "candidates": candidates,
        "can_handle": actor.has_perm(case_services.LEAD_HANDLE)
        and lead.status == CaseLeadStatus.PENDING})


@login_required
@require_POST
def lead_merge(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, LEAD_VIEW)
    lead = case_selectors.lead_get(actor=actor, pk=pk)
    household = None
    if request.POST.get("household"):
        household = Household.objects.visible_to(actor).filter(
            pk=_int(request.POST.get("household"))).first()
        if household is None:
            raise NotFound()
    try:
        case = case_services.lead_merge(actor=actor, lead=lead,
                                        version=_int(request.POST.get("version")),
                                        household=household, note=request.POST.get("note", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:lead_detail", pk=lead.pk)
    messages.success(request, f"线索已转入监测案件 {case.number}。")
    return redirect("monitoring:case_detail", pk=case.pk)


@login_required
@require_POST
def lead_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, LEAD_VIEW)
    lead = case_selectors.lead_get(actor=actor, pk=pk)
    try:
        case_services.lead_dismiss(actor=actor, lead=lead,
                                   version=_int(request.POST.get("version")),
                                   reason=request.POST.get("reason", ""))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已答复：不纳入。")
    return redirect("monitoring:lead_detail", pk=lead.pk)


@login_required
def visit_report_find(request: HttpRequest) -> HttpResponse:
    """排查上报: find the household by its 户编号, then open the prefilled report."""
    actor = _require(request, case_services.LEAD_ADD)
    number = request.GET.get("no", "").strip()
    target = Household.objects.visible_to(actor).filter(household_no=number).first() \
        if number else None
    if target is None:
        messages.error(request, f"管辖范围内没有户编号为「{number}」的农户。" if number
                       else "请输入户编号。")
        return redirect("monitoring:lead_list")
    return redirect("monitoring:visit_report", household=target.pk)


@login_required
def visit_report(request: HttpRequest, household: int) -> HttpResponse:
    """村级排查 from a phone: the registry's facts are shown, only changes are typed."""
    actor = _require(request, case_services.LEAD_ADD)
    target = Household.objects.visible_to(actor).filter(pk=household).first()
    if target is None:
        raise NotFound()
    members = list(target.members.filter(active=True).order_by("id"))
    fields = [("phone", "联系电话", target.phone), ("housing_grade", "住房安全等级",
                                                    target.get_housing_grade_display()),
              ("members", "在户人数", str(len(members)))]
    if request.method == "POST":
        changes = {key: request.POST[f"new_{key}"].strip() for key, _label, _old in fields
                   if request.POST.get(f"new_{key}", "").strip()}
        try:
            lead = case_services.visit_report(
                actor=actor, household=target, description=request.POST.get("description", ""),
                changes=changes, risk_types=request.POST.getlist("risk_types"))
        except _ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "排查线索已上报。")
            return redirect("monitoring:lead_detail", pk=lead.pk)
    return render(request, "monitoring/cases/visit_report.html", {
        "household": target, "fields": fields, "risk_types": RiskType.choices,
        "members": [{"name": m.name, "health": m.get_health_display(),
                     "labour": m.get_labour_capacity_display()} for m in members]})


@login_required
@require_POST
def signals_to_leads(request: HttpRequest) -> HttpResponse:
    """转为线索 (one or many signals, bulk from the signal list)."""
    actor = _require(request, case_services.LEAD_ADD)
    ids = [i for i in (_int(v) for v in request.POST.getlist("signal")) if i]
    if not ids:
        messages.error(request, "请先勾选要转为线索的风险信号。")
        return redirect("monitoring:signal_list")
    try:
        created = case_services.leads_from_signals(
            actor=actor, signals=RiskSignal.objects.filter(pk__in=ids))
    except _ERRORS as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已转为线索 {len(created)} 条（已转过的信号不重复）。")
    return redirect("monitoring:lead_list")


@login_required
@require_POST
def department_lead_to_lead(request: HttpRequest, pk: int) -> HttpResponse:
    from minsheng.departments.models import DepartmentLead

    actor = _require(request, case_services.LEAD_ADD)
    dep = DepartmentLead.objects.visible_to(actor).filter(pk=pk).first()
    if dep is None:
        raise NotFound()
    try:
        lead = case_services.lead_from_department(actor=actor, department_lead=dep)
    except _ERRORS as exc:
        messages.error(request, exc.message)
        return redirect("departments:lead_detail", pk=pk)
    messages.success(request, "已转为监测线索。")
    return redirect("monitoring:lead_detail", pk=lead.pk)


# --- Public self-declaration (no login) -----------------------------------------------------

def _children(parent: str, level: int) -> list[Region]:
    if not (parent.isdigit() and len(parent) == 12):
        return []
    return list(Region.objects.filter(parent_id=parent, level=level).order_by("code"))


def declaration_form(request: HttpRequest) -> HttpResponse:
    """农户自主申报: a public, phone-friendly form (cascading county → township → village)."""
    data = request.POST if request.method == "POST" else request.GET
    county, township = data.get("county", ""), data.get("township", "")
    if request.htmx and request.method == "GET":
        if request.GET.get("level") == "township":
            return render(request, "monitoring/cases/_region_options.html", {
                "regions": _children(county, RegionLevel.TOWNSHIP), "empty": "请选择乡镇（街道）"})
        return render(request, "monitoring/cases/_region_options.html", {
            "regions": _children(township, RegionLevel.VILLAGE), "empty": "请选择村（社区）"})
    error = ""
    if request.method == "POST":
        try:
            lead = case_services.declaration_submit(
                name=request.POST.get("name", ""), id_number=request.POST.get("id_number", ""),
                village_code=request.POST.get("village", ""),
                phone=request.POST.get("phone", ""),
                description=request.POST.get("description", ""),
                client_ip=client_ip_var.get() or request.META.get("REMOTE_ADDR", ""))
        except _ERRORS as exc:
            error = exc.message
        else:
            return render(request, "monitoring/cases/declaration_done.html",
                          {"code": lead.tracking_code})
    return render(request, "monitoring/cases/declaration_form.html", {
        "counties": list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")),
        "county": county, "township": township,
        "townships": _children(county, RegionLevel.TOWNSHIP),
        "villages": _children(township, RegionLevel.VILLAGE), "error": error, "data": data})


def declaration_status(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    status = case_services.declaration_status(code) if code else None
    return render(request, "monitoring/cases/declaration_status.html",
                  {"code": code, "status": status, "asked": bool(code)})
