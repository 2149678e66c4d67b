"""Job postings (招聘岗位), village coordinates and job fairs (招聘会): reads and writes.

Postings belong to a county (the enterprise's) and are visible to every account whose scope
lies in or covers that county — a village cadre sees the county's jobs, and the candidates of
its own villages only (``matching``). Writes need the county in the actor's own scope. Every
write is atomic, versioned where it edits, and audited as ``EMPLOYMENT_UPDATED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction

from minsheng.core.audit import record_event, snapshot
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.models import AuditEventType, User
from minsheng.employment.choices import FairOutcome, PostingStatus
from minsheng.employment.models import (
    Enterprise,
    JobFair,
    JobFairAttendee,
    JobFairEnterprise,
    JobPosting,
    VillageLocation,
    Workshop,
)
from minsheng.employment.selectors import labour_member_get
from minsheng.employment.services import (
    _amount,
    _check_version,
    _choice,
    _coordinate,
    _date,
    _int,
    _require,
    _text,
)
from minsheng.regions.codes import RegionLevel
from minsheng.regions.models import Region
from minsheng.regions.scoping import code_in_scope, holds_perm, scope_bounds

CHANGE_EVENT = AuditEventType.EMPLOYMENT_UPDATED
POSTING_FIELDS = ("title", "trade", "workshop", "place_region", "place", "lng", "lat",
                  "wage_min", "wage_max", "headcount", "requirements", "valid_from", "valid_to",
                  "status")
FAIR_FIELDS = ("name", "held_on", "place", "region", "note")


# --- Scope ----------------------------------------------------------------------------------

def postings_visible(actor: Any, action: str = "view") -> models.QuerySet[JobPosting]:
    """Postings the actor may see (its county's, or every county its scope covers); for other
    actions only those whose county lies in the actor's own scope."""
    if action != "view":
        return JobPosting.objects.visible_to(actor, action)
    if not holds_perm(actor, "employment.view_jobposting"):
        return JobPosting.objects.none()
    bounds = scope_bounds(actor)
    if not bounds:
        return JobPosting.objects.none()
    q = models.Q()
    for lo, hi in bounds:
        if lo[:6] == hi[:6]:  # a county or a part of one: that county's postings
            q |= models.Q(county_id=lo[:6] + "000000")
        else:
            q |= models.Q(county_id__gte=lo, county_id__lte=hi)
    return JobPosting.objects.filter(q)


@dataclass(frozen=True)
class PostingFilter:
    q: str = ""
    status: str = ""
    trade: str = ""
    enterprise: int | None = None


def posting_list(*, actor: Any, filters: PostingFilter | None = None,
                 ) -> models.QuerySet[JobPosting]:
    f = filters or PostingFilter()
    qs = postings_visible(actor).select_related("enterprise", "workshop", "county")
    if f.q:
        qs = qs.filter(models.Q(title__contains=f.q) | models.Q(trade__contains=f.q)
                       | models.Q(enterprise__name__contains=f.q))
    if f.status:
        qs = qs.filter(status=f.status)
    if f.trade:
        qs = qs.filter(trade__contains=f.trade)
    if f.enterprise:
        qs = qs.filter(enterprise_id=f.enterprise)
    return qs.annotate(notice_count=models.Count("notices")).order_by("-valid_from", "-id")


def posting_get(*, actor: Any, pk: Any, action: str = "view") -> JobPosting:
    posting = (postings_visible(actor, action).select_related("enterprise", "workshop", "county",
                                                               "place_region")
               .filter(pk=pk).first())
    if posting is None:
        raise NotFound()
    return posting


def _money(value: Any) -> str | None:
    return str(value) if value is not None else None


def posting_row(p: JobPosting) -> dict[str, Any]:
    return {"id": p.pk, "enterprise_id": p.enterprise_id, "enterprise_name": p.enterprise.name,
            "workshop_id": p.workshop_id,
            "workshop_name": p.workshop.name if p.workshop_id else None,
            "county_code": p.county_id, "title": p.title, "trade": p.trade,
            "place_region": p.place_region_id, "place": p.place,
            "lng": _money(p.lng), "lat": _money(p.lat),
            "wage_min": _money(p.wage_min), "wage_max": _money(p.wage_max),
            "headcount": p.headcount, "requirements": p.requirements,
            "valid_from": p.valid_from.isoformat(), "valid_to": p.valid_to.isoformat(),
            "status": p.status, "status_label": p.get_status_display(), "version": p.version}


# --- Postings -------------------------------------------------------------------------------

def clean_posting(data: dict[str, Any]) -> dict[str, Any]:
    """The posting's fields, checked (forms, API and CLI alike)."""
    title = _text(data, "title", "岗位名称", 100)
    if not title:
        raise InvalidInput("请填写岗位名称。")
    trade = _text(data, "trade", "工种", 50)
    if not trade:
        raise InvalidInput("请填写工种（如 电焊工、缝纫工）。")
    wage_min = _amount(data.get("wage_min"), "月工资下限")
    wage_max = _amount(data.get("wage_max"), "月工资上限")
    if wage_min is not None and wage_max is not None and wage_min > wage_max:
        raise InvalidInput(f"月工资下限（{wage_min}）不能高于上限（{wage_max}）。")
    valid_from = _date(data.get("valid_from"), "有效期起")
    valid_to = _date(data.get("valid_to"), "有效期止")
    if valid_to < valid_from:
        raise InvalidInput(f"有效期止（{valid_to}）不能早于有效期起（{valid_from}）。")
    return {"title": title, "trade": trade, "place": _text(data, "place", "工作地点", 200),
            "wage_min": wage_min, "wage_max": wage_max,
            "headcount": _int(data.get("headcount"), "招聘人数", low=1, high=100000),
            "requirements": _text(data, "requirements", "岗位要求", 500),
            "valid_from": valid_from, "valid_to": valid_to}


def _site(actor: User, enterprise: Enterprise, data: dict[str, Any],
          county: Region) -> dict[str, Any]:
    """Workshop, place region and coordinates: given coordinates, else the workshop's village,
    else the place's village, else the enterprise's."""
    values: dict[str, Any] = {"workshop": None, "place_region": None}
    workshop_id = data.get("workshop_id") or data.get("workshop")
    if workshop_id not in (None, "", 0, "0"):
        workshop = Workshop.objects.filter(pk=workshop_id, enterprise=enterprise).first()
        if workshop is None:
            raise InvalidInput("所选车间不属于该企业。")
        values["workshop"] = workshop
        values["place_region"] = workshop.region
    code = str(data.get("place_region") or "").strip()
    if code and values["place_region"] is None:
        region = Region.objects.filter(code=code).first()
        if region is None or not county.contains(region):
            raise InvalidInput(f"工作地点区划「{code}」不存在或不在企业所在县内。")
        values["place_region"] = region
    lng = _coordinate(data.get("lng"), "经度", 73, 136)
    lat = _coordinate(data.get("lat"), "纬度", 3, 54)
    if (lng is None) != (lat is None):
        raise InvalidInput("经度和纬度须同时填写或同时不填。")
    if lng is None and values["place_region"] is not None:
        spot = VillageLocation.objects.filter(region=values["place_region"]).first()
        if spot is not None:
            lng, lat = spot.lng, spot.lat
    if lng is None:
        lng, lat = enterprise.lng, enterprise.lat
    values["lng"], values["lat"] = lng, lat
    return values


def _audit(actor: User, obj: Any, before: dict[str, Any], after: dict[str, Any], note: str,
           region_code: str, **extra: Any) -> None:
    record_event(actor=actor, event_type=CHANGE_EVENT, subject=obj, region_code=region_code,
                 changes={k: [before.get(k), after[k]] for k in after
                          if before.get(k) != after[k]}, note=note, extra=extra)


def posting_create(*, actor: User, enterprise_id: Any, data: dict[str, Any]) -> JobPosting:
    """发布招聘岗位 for an enterprise of the actor's county."""
    _require(actor, "employment.add_jobposting", "您没有发布招聘岗位的权限。")
    values = clean_posting(data)
    with transaction.atomic():
        enterprise = Enterprise.objects.visible_to(actor).filter(pk=enterprise_id or 0).first()
        if enterprise is None:
            raise NotFound("所选企业不存在或不在您的管辖范围内。")
        county = enterprise.region
        if not code_in_scope(actor, county.code):
            raise NotFound("所选企业不存在或不在您的管辖范围内。")
        posting = JobPosting.objects.create(enterprise=enterprise, county=county,
                                            created_by=actor, **values,
                                            **_site(actor, enterprise, data, county))
        _audit(actor, posting, {}, snapshot(posting, POSTING_FIELDS),
               f"发布招聘岗位：{enterprise.name} {posting.title}", county.code)
    return posting


def _lock_posting(actor: User, posting_id: Any) -> JobPosting:
    _require(actor, "employment.change_jobposting", "您没有修改招聘岗位的权限。")
    posting = (JobPosting.objects.visible_to(actor, "change").select_for_update()
               .filter(pk=posting_id or 0).select_related("enterprise", "county").first())
    if posting is None:
        raise NotFound()
    return posting


def posting_update(*, actor: User, posting_id: Any, data: dict[str, Any],
                   version: int | None) -> JobPosting:
    values = clean_posting(data)
    with transaction.atomic():
        posting = _lock_posting(actor, posting_id)
        _check_version(posting.version, version, "招聘岗位")
        values.update(_site(actor, posting.enterprise, data, posting.county))
        before = snapshot(posting, POSTING_FIELDS)
        for key, value in values.items():
            setattr(posting, key, value)
        posting.version += 1
        posting.save()
        _audit(actor, posting, before, snapshot(posting, POSTING_FIELDS),
               f"修改招聘岗位：{posting.title}", posting.county_id)
    return posting


def posting_set_status(*, actor: User, posting_id: Any, status: Any,
                       version: int | None) -> JobPosting:
    """结束招聘 / 重新开放."""
    status = _choice(status, PostingStatus, "岗位状态")
    with transaction.atomic():
        posting = _lock_posting(actor, posting_id)
        _check_version(posting.version, version, "招聘岗位")
        if posting.status == status:
            raise InvalidInput(f"岗位已经是「{PostingStatus(status).label}」。")
        before = snapshot(posting, ("status",))
        posting.status = status
        posting.version += 1
        posting.save()
        _audit(actor, posting, before, snapshot(posting, ("status",)),
               f"招聘岗位{PostingStatus(status).label}：{posting.title}", posting.county_id)
    return posting


# --- Village coordinates --------------------------------------------------------------------

def village_location_set(*, actor: User, region_code: Any, lng: Any, lat: Any,
                         source: str = "") -> VillageLocation:
    """Record a village's coordinates (村委会位置), used for distances."""
    _require(actor, "employment.change_jobposting", "您没有维护村位置的权限。")
    code = str(region_code or "").strip()
    x = _coordinate(lng, "经度", 73, 136)
    y = _coordinate(lat, "纬度", 3, 54)
    if x is None or y is None:
        raise InvalidInput("请填写经度和纬度。")
    with transaction.atomic():
        region = Region.objects.filter(code=code).first()
        if region is None or not code_in_scope(actor, code):
            raise NotFound("所选村不存在或不在您的管辖范围内。")
        if region.level != RegionLevel.VILLAGE:
            raise InvalidInput("只能为村（社区）一级登记位置。")
        spot, _created = VillageLocation.objects.select_for_update().get_or_create(
            region=region, defaults={"lng": x, "lat": y})
        before = {"lng": str(spot.lng), "lat": str(spot.lat)} if not _created else {}
        spot.lng, spot.lat, spot.source = x, y, (source or "").strip()[:100]
        spot.save()
        _audit(actor, spot, before, {"lng": str(x), "lat": str(y)},
               f"登记村位置：{region.name}", region.code)
    return spot


# --- Job fairs ------------------------------------------------------------------------------

def fairs_visible(actor: Any) -> models.QuerySet[JobFair]:
    """Fairs are public events: visible county-wide, as postings (a village cadre sees its
    county's and townships' fairs); writes stay with the organiser's scope."""
    if not holds_perm(actor, "employment.view_jobfair"):
        return JobFair.objects.none()
    q = models.Q()
    for lo, hi in scope_bounds(actor):
        if lo[:6] == hi[:6]:
            lo, hi = lo[:6] + "000000", lo[:6] + "999999"
        q |= models.Q(region_id__gte=lo, region_id__lte=hi)
    return JobFair.objects.filter(q) if q else JobFair.objects.none()


def fair_list(*, actor: Any) -> models.QuerySet[JobFair]:
    return fairs_visible(actor).select_related("region").annotate(
        enterprise_count=models.Count("enterprises", distinct=True),
        attendee_count=models.Count("attendees", distinct=True)).order_by("-held_on", "-id")


def fair_get(*, actor: Any, pk: Any, action: str = "view") -> JobFair:
    qs = fairs_visible(actor) if action == "view" else JobFair.objects.visible_to(actor, action)
    fair = qs.select_related("region").filter(pk=pk or 0).first()
    if fair is None:
        raise NotFound()
    return fair


@dataclass
class FairSummary:
    enterprises: int
    posts: int
    attendees: int
    intentions: int
    signed: int


def fair_summary(fair: JobFair) -> FairSummary:
    outcomes = dict(fair.attendees.values_list("outcome").annotate(n=models.Count("id")))
    posts = fair.enterprises.aggregate(n=models.Sum("posts"))["n"] or 0
    return FairSummary(fair.enterprises.count(), posts, sum(outcomes.values()),
                       outcomes.get(FairOutcome.INTENTION, 0), outcomes.get(FairOutcome.SIGNED, 0))


def fair_row(f: JobFair) -> dict[str, Any]:
    s = fair_summary(f)
    return {"id": f.pk, "name": f.name, "held_on": f.held_on.isoformat(), "place": f.place,
            "region_code": f.region_id, "region_name": f.region.name, "note": f.note,
            "version": f.version, "enterprises": s.enterprises, "posts": s.posts,
            "attendees": s.attendees, "intentions": s.intentions, "signed": s.signed}


def clean_fair(data: dict[str, Any]) -> dict[str, Any]:
    name = _text(data, "name", "招聘会名称", 100)
    if not name:
        raise InvalidInput("请填写招聘会名称（如 2026 年春风行动专场招聘会）。")
    place = _text(data, "place", "举办地点", 200)
    if not place:
        raise InvalidInput("请填写举办地点。")
    return {"name": name, "held_on": _date(data.get("held_on"), "举办日期"), "place": place,
            "note": _text(data, "note", "说明", 500)}


def fair_create(*, actor: User, region_code: Any, data: dict[str, Any]) -> JobFair:
    """登记招聘会, organised by a county or township in the actor's scope."""
    _require(actor, "employment.add_jobfair", "您没有登记招聘会的权限。")
    values = clean_fair(data)
    code = str(region_code or "").strip()
    with transaction.atomic():
        region = Region.objects.filter(code=code).first()
        if region is None or not code_in_scope(actor, code):
            raise NotFound("所选主办地区不存在或不在您的管辖范围内。")
        if region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
            raise InvalidInput("招聘会的主办地区应为县或乡镇。")
        fair = JobFair.objects.create(region=region, created_by=actor, **values)
        _audit(actor, fair, {}, snapshot(fair, FAIR_FIELDS), f"登记招聘会：{fair.name}",
               region.code)
    return fair


def _lock_fair(actor: User, fair_id: Any) -> JobFair:
    _require(actor, "employment.change_jobfair", "您没有修改招聘会的权限。")
    fair = (JobFair.objects.visible_to(actor, "change").select_for_update()
            .filter(pk=fair_id or 0).first())
    if fair is None:
        raise NotFound()
    return fair


def fair_enterprise_add(*, actor: User, fair_id: Any, enterprise_id: Any, posts: Any,
                        posting_ids: list[Any] | None = None) -> JobFairEnterprise:
    """A participating enterprise and the posts it brought (岗位数, linked postings)."""
    count = _int(posts or 0, "提供岗位数", low=0, high=100000)
    with transaction.atomic():
        fair = _lock_fair(actor, fair_id)
        enterprise = Enterprise.objects.visible_to(actor).filter(pk=enterprise_id or 0).first()
        if enterprise is None:
            raise NotFound("所选企业不存在或不在您的管辖范围内。")
        ids = [int(i) for i in posting_ids or [] if str(i).strip()]
        postings = list(JobPosting.objects.filter(pk__in=ids, enterprise=enterprise))
        if len(postings) != len(set(ids)):
            raise InvalidInput("所选岗位中有不属于该企业的岗位。")
        count = max(count or 0, sum(p.headcount for p in postings))
        try:
            with transaction.atomic():
                row = JobFairEnterprise.objects.create(fair=fair, enterprise=enterprise,
                                                       posts=count)
        except IntegrityError:
            raise InvalidInput(f"{enterprise.name}已登记参加该招聘会。") from None
        row.postings.set(postings)
        fair.version += 1
        fair.save(update_fields=["version"])
        _audit(actor, row, {}, {"enterprise": enterprise.pk, "posts": count,
                                "postings": sorted(p.pk for p in postings)},
               f"招聘会登记参会企业：{fair.name} {enterprise.name}", fair.region_id,
               fair=fair.pk)
    return row


def fair_attendee_save(*, actor: User, fair_id: Any, member_id: Any, outcome: Any,
                       enterprise_id: Any = None, note: str = "") -> JobFairAttendee:
    """Record a job seeker at the fair, or update their outcome (到场 → 意向 → 签约)."""
    outcome = _choice(outcome or FairOutcome.ATTENDED, FairOutcome, "结果")
    with transaction.atomic():
        fair = _lock_fair(actor, fair_id)
        member = labour_member_get(actor=actor, pk=member_id or 0)
        enterprise = None
        if enterprise_id not in (None, "", 0, "0"):
            enterprise = fair.enterprises.filter(enterprise_id=enterprise_id).first()
            if enterprise is None:
                raise InvalidInput("所选企业没有参加该招聘会。")
            enterprise = enterprise.enterprise
        if outcome != FairOutcome.ATTENDED and enterprise is None:
            raise InvalidInput("达成意向或成功签约须选择企业。")
        row = JobFairAttendee.objects.select_for_update().filter(fair=fair, member=member).first()
        before = snapshot(row, ("outcome", "enterprise", "note")) if row else {}
        if row is None:
            row = JobFairAttendee(fair=fair, member=member,
                                  region_id=member.household.region_id)
        row.outcome, row.enterprise, row.note = outcome, enterprise, (note or "").strip()[:200]
        row.save()
        fair.version += 1
        fair.save(update_fields=["version"])
        _audit(actor, row, before, snapshot(row, ("outcome", "enterprise", "note")),
               f"招聘会求职登记：{fair.name} {member.name} {FairOutcome(outcome).label}",
               fair.region_id, fair=fair.pk, member=member.pk)
    return row


def fair_details(fair: JobFair) -> tuple[list[JobFairEnterprise], list[JobFairAttendee]]:
    enterprises = list(fair.enterprises.select_related("enterprise")
                       .prefetch_related("postings"))
    attendees = list(fair.attendees.select_related("member", "enterprise", "region"))
    return enterprises, attendees

