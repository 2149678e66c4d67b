"""Web pages of jobs and matching (招聘岗位、人岗匹配、用工预录通知书、招聘会), phone-friendly like
the ledger. Views parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.employment import jobs, matching, notices, selectors
from minsheng.employment.choices import NoticeStatus, PostingStatus
from minsheng.employment.forms import (
    FairAttendeeForm,
    FairEnterpriseForm,
    FairForm,
    PostingForm,
    TransitionForm,
)
from minsheng.employment.models import Enterprise, Workshop
from minsheng.employment.views import _require, _version

PAGE_SIZE = 50
_ERRORS = (InvalidInput, PermissionDenied, Conflict, NotFound)


def _form_errors(form: Any) -> str:
    return "；".join(f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}"
                    for k, v in form.errors.items())


# --- Postings -------------------------------------------------------------------------------

@login_required
def posting_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.view_jobposting")
    filters = jobs.PostingFilter(q=request.GET.get("q", "").strip(),
                                 status=request.GET.get("status", ""))
    page = Paginator(jobs.posting_list(actor=actor, filters=filters),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/posting_list.html", {
        "page": page, "filters": filters, "statuses": PostingStatus.choices,
        "can_add": actor.has_perm("employment.add_jobposting")})


def _posting_choices(actor: Any) -> tuple[list[Any], list[Any]]:
    enterprises = list(Enterprise.objects.visible_to(actor).order_by("name")[:500])
    workshops = list(Workshop.objects.filter(enterprise__in=enterprises)
                     .select_related("enterprise", "region").order_by("name")[:1000])
    return enterprises, workshops


@login_required
def posting_create_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.add_jobposting")
    enterprises, workshops = _posting_choices(actor)
    today = timezone.localdate()
    form = PostingForm(request.POST or None, enterprises=enterprises, workshops=workshops,
                       initial={"enterprise": request.GET.get("enterprise"), "headcount": 1,
                                "valid_from": today,
                                "valid_to": today.replace(year=today.year + 1)
                                if not (today.month == 2 and today.day == 29) else today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posting = jobs.posting_create(actor=actor, enterprise_id=data["enterprise"],
                                          data={**data, "workshop_id": data["workshop"]})
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "岗位已发布。")
            return redirect("employment:posting_detail", pk=posting.pk)
    return render(request, "employment/form.html", {"form": form, "title": "发布招聘岗位",
                                                    "back": reverse("employment:postings")})


@login_required
def posting_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.change_jobposting")
    posting = jobs.posting_get(actor=actor, pk=pk, action="change")
    _enterprises, workshops = _posting_choices(actor)
    row = jobs.posting_row(posting)
    form = PostingForm(request.POST or None, enterprises=[posting.enterprise],
                       workshops=[w for w in workshops if w.enterprise_id == posting.enterprise_id],
                       editing=True,
                       initial={**row, "enterprise": posting.enterprise_id,
                                "workshop": posting.workshop_id or "",
                                "lng": row["lng"] or "", "lat": row["lat"] or ""})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            jobs.posting_update(actor=actor, posting_id=posting.pk,
                                data={**data, "workshop_id": data["workshop"]},
                                version=data.get("version"))
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存。")
            return redirect("employment:posting_detail", pk=posting.pk)
    return render(request, "employment/form.html", {
        "form": form, "title": f"修改岗位：{posting.title}",
        "back": reverse("employment:posting_detail", args=[posting.pk])})


@login_required
def posting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The posting, its ranked candidates (each explained) with the "within N km" filter, and
    the notices issued for it."""
    actor = _require(request, "employment.view_jobposting")
    posting = jobs.posting_get(actor=actor, pk=pk)
    near = request.GET.get("near") == "1"
    within_raw = request.GET.get("within", "").strip()
    result, error = None, ""
    if actor.has_perm(matching.MATCH_PERM):
        try:
            weights = matching.matching_weights(on=timezone.localdate(),
                                                region_code=posting.county_id)
            within = within_raw or (str(weights.radius_km) if near else None)
            result = matching.candidates_for(actor=actor, posting=posting, within_km=within)
        except InvalidInput as exc:
            error = exc.message
    return render(request, "employment/posting_detail.html", {
        "p": posting, "result": result, "error": error, "within": within_raw, "near": near,
        "notices": notices.notice_list(actor=actor, filters=notices.NoticeFilter(
            posting=posting.pk))[:100],
        "can_change": actor.has_perm("employment.change_jobposting"),
        "can_issue": actor.has_perm("employment.add_placementnotice")
        and posting.status == PostingStatus.OPEN})


@login_required
@require_POST
def posting_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """结束/重开招聘 (status) and 开具通知书 (notice) from the candidates list."""
    actor = request.user
    try:
        if action == "status":
            _require(request, "employment.change_jobposting")
            jobs.posting_set_status(actor=actor, posting_id=pk,  # type: ignore[arg-type]
                                    status=request.POST.get("status"),
                                    version=_version(request.POST.get("version")))
            messages.success(request, "岗位状态已更新。")
        elif action == "notice":
            _require(request, "employment.add_placementnotice")
            notice = notices.notice_issue(actor=actor,  # type: ignore[arg-type]
                                          posting_id=pk, member_id=request.POST.get("member"))
            messages.success(request, f"已开具用工预录通知书 {notice.number}。")
            return redirect("employment:notice_detail", pk=notice.pk)
        else:
            raise NotFound()
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("employment:posting_detail", pk=pk)


@login_required
def member_jobs_view(request: HttpRequest, pk: int) -> HttpResponse:
    """适合的岗位: the open postings of the person's county, best first, each explained."""
    actor = _require(request, "employment.view_jobposting")
    member = selectors.labour_member_get(actor=actor, pk=pk)
    return render(request, "employment/member_jobs.html", {
        "member": member, "matches": matching.postings_for(actor=actor, member=member),
        "profile": selectors.profile_get(member=member),
        "can_issue": actor.has_perm("employment.add_placementnotice")})


# --- Notices --------------------------------------------------------------------------------

@login_required
def notice_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.view_placementnotice")
    filters = notices.NoticeFilter(status=request.GET.get("status", ""),
                                   q=request.GET.get("q", "").strip())
    page = Paginator(notices.notice_list(actor=actor, filters=filters),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/notice_list.html", {
        "page": page, "filters": filters, "statuses": NoticeStatus.choices})


@login_required
def notice_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.view_placementnotice")
    notice = notices.notice_get(actor=actor, pk=pk)
    moves = [(m, NoticeStatus(m).label) for m in notices.allowed_moves(notice.status)]
    return render(request, "employment/notice_detail.html", {
        "n": notice, "row": notices.notice_row(notice), "events": notices.notice_events(notice),
        "can_change": actor.has_perm("employment.change_placementnotice") and moves,
        "form": TransitionForm(moves=moves, initial={"version": notice.version,
                                                     "on": timezone.localdate()})})


@login_required
@require_POST
def notice_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.change_placementnotice")
    form = TransitionForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_form_errors(form))
        data = form.cleaned_data
        notice = notices.notice_transition(actor=actor, notice_id=pk, to=data["to"],
                                           on=data["on"], note=data["note"],
                                           version=data["version"])
        messages.success(request, f"已登记：{notice.get_status_display()}。")
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("employment:notice_detail", pk=pk)


@login_required
def notice_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.view_placementnotice")
    notice = notices.notice_get(actor=actor, pk=pk)
    response = HttpResponse(notices.notice_pdf(actor=actor, notice=notice),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
    return response


# --- Job fairs ------------------------------------------------------------------------------

@login_required
def fair_list_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.view_jobfair")
    page = Paginator(jobs.fair_list(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/fair_list.html", {
        "page": page, "can_add": actor.has_perm("employment.add_jobfair")})


@login_required
def fair_create_view(request: HttpRequest) -> HttpResponse:
    actor = _require(request, "employment.add_jobfair")
    regions = (selectors.counties_for(actor=actor, perm="employment.add_jobfair")
               + _townships(actor))
    form = FairForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fair = jobs.fair_create(actor=actor, region_code=data["region"], data=data)
        except _ERRORS as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "招聘会已登记。")
            return redirect("employment:fair_detail", pk=fair.pk)
    return render(request, "employment/form.html", {"form": form, "title": "登记招聘会",
                                                    "back": reverse("employment:fairs")})


def _townships(actor: Any) -> list[Any]:
    from minsheng.employment.selectors import _range_q, _ranges
    from minsheng.regions.models import Region

    ranges = _ranges(actor, "employment.add_jobfair")
    if not ranges:
        return []
    return list(Region.objects.filter(_range_q("code", ranges), level=4).order_by("code")[:500])


@login_required
def fair_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _require(request, "employment.view_jobfair")
    fair = jobs.fair_get(actor=actor, pk=pk)
    participants, attendees = jobs.fair_details(fair)
    can_change = actor.has_perm("employment.change_jobfair")
    from minsheng.core.masking import mask_id_number

    return render(request, "employment/fair_detail.html", {
        "fair": fair, "summary": jobs.fair_summary(fair), "participants": participants,
        "attendees": [{"a": a, "id_number": mask_id_number(a.member.id_number)}
                      for a in attendees],
        "can_change": can_change,
        "enterprise_form": FairEnterpriseForm(enterprises=list(
            Enterprise.objects.visible_to(actor).order_by("name")[:500])) if can_change else None,
        "attendee_form": FairAttendeeForm(enterprises=[p.enterprise for p in participants])
        if can_change else None})


@login_required
@require_POST
def fair_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor = _require(request, "employment.change_jobfair")
    fair = jobs.fair_get(actor=actor, pk=pk, action="change")
    if action not in ("enterprise", "attendee"):
        raise NotFound()
    try:
        if action == "enterprise":
            form: Any = FairEnterpriseForm(request.POST, enterprises=list(
                Enterprise.objects.visible_to(actor)))
            if not form.is_valid():
                raise InvalidInput(_form_errors(form))
            jobs.fair_enterprise_add(actor=actor, fair_id=fair.pk,
                                     enterprise_id=form.cleaned_data["enterprise"],
                                     posts=form.cleaned_data["posts"],
                                     posting_ids=request.POST.getlist("postings"))
        elif action == "attendee":
            participants, _ = jobs.fair_details(fair)
            form = FairAttendeeForm(request.POST, enterprises=[p.enterprise for p in participants])
            if not form.is_valid():
                raise InvalidInput(_form_errors(form))
            data = form.cleaned_data
            jobs.fair_attendee_save(actor=actor, fair_id=fair.pk,
                                    member_id=_member_id(actor, data["member"]),
                                    outcome=data["outcome"], enterprise_id=data["enterprise"],
                                    note=data["note"])
        messages.success(request, "已保存。")
    except _ERRORS as exc:
        messages.error(request, exc.message)
    return redirect("employment:fair_detail", pk=fair.pk)


def _member_id(actor: Any, text: str) -> int:
    """A member by 身份证号 (18 characters) or by member number."""
    from minsheng.registry.models import Member

    text = text.strip().upper()
    if len(text) == 18:
        found = (Member.objects.visible_to(actor).filter(id_number=text, active=True)
                 .values_list("pk", flat=True).first())
        if found is None:
            raise NotFound("没有找到该身份证号的成员，或不在您的管辖范围内。")
        return found
    if not text.isdigit():
        raise InvalidInput(f"请填写身份证号（18 位）或成员编号，实为「{text}」。")
    return int(text)
