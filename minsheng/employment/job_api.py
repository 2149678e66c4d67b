"""API of jobs and matching (岗位与人岗匹配接口): ``/api/v1/jobs``, ``/api/v1/jobs/{id}/candidates``,
``/api/v1/placement-notices``, ``/api/v1/job-fairs``.

As the rest of the employment API: reads through the selectors (out of scope → 404, ID numbers
masked), writes through the services (400 bad input, 403 no permission, 404 out of scope, 409
stale ``version``). The PDF download is audited as an export.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status

from minsheng.employment import jobs, matching, notices
from minsheng.employment.api import ErrorOut, _actor, _need, _page

jobs_router = Router(tags=["招聘岗位与人岗匹配"])
notices_router = Router(tags=["用工预录通知书"])
fairs_router = Router(tags=["招聘会"])


# --- Postings -------------------------------------------------------------------------------

class PostingOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    workshop_id: int | None
    workshop_name: str | None
    county_code: str
    title: str
    trade: str
    place_region: str | None
    place: str
    lng: str | None
    lat: str | None
    wage_min: str | None
    wage_max: str | None
    headcount: int
    requirements: str
    valid_from: str
    valid_to: str
    status: str
    status_label: str
    version: int


class PostingPageOut(Schema):
    count: int
    items: list[PostingOut]


class PostingFields(Schema):
    title: str
    trade: str
    workshop_id: int | None = None
    place_region: str = ""
    place: str = ""
    lng: str | None = None
    lat: str | None = None
    wage_min: Decimal | None = None
    wage_max: Decimal | None = None
    headcount: int
    requirements: str = ""
    valid_from: dt.date
    valid_to: dt.date


class PostingIn(PostingFields):
    enterprise_id: int


class PostingUpdateIn(PostingFields):
    version: int


class PostingStatusIn(Schema):
    status: str
    version: int


class PostingQuery(Schema):
    q: str = ""
    status: str = ""
    trade: str = ""
    enterprise: int | None = None
    limit: int = 50
    offset: int = 0


class CandidateOut(Schema):
    member_id: int
    name: str
    id_number: str
    household_no: str
    village_code: str
    village_name: str
    score: int
    distance_km: float | None
    priority: str
    reasons: list[str]
    explanation: str


class CandidatesOut(Schema):
    posting: PostingOut
    total: int
    within_km: float | None
    weights: dict[str, int]
    items: list[CandidateOut]


class VillageLocationIn(Schema):
    lng: str
    lat: str
    source: str = ""


class VillageLocationOut(Schema):
    region_code: str
    lng: str
    lat: str
    source: str


_WRITE = {200: PostingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _candidate(m: matching.Match) -> dict[str, Any]:
    return {"member_id": m.member_id, "name": m.name, "id_number": m.id_number,
            "household_no": m.household_no, "village_code": m.village,
            "village_name": m.village_name, "score": m.score,
            "distance_km": round(m.distance_km, 2) if m.distance_km is not None else None,
            "priority": m.priority_label, "reasons": m.reasons, "explanation": m.explanation}


@jobs_router.get("", response={200: PostingPageOut, 400: ErrorOut, 404: ErrorOut},
                 summary="招聘岗位列表（本县及管辖范围覆盖的县）")
def posting_list_api(request: HttpRequest, query: Query[PostingQuery]) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, "employment.view_jobposting")
    _page(query.limit, query.offset)
    qs = jobs.posting_list(actor=actor, filters=jobs.PostingFilter(
        q=query.q, status=query.status, trade=query.trade, enterprise=query.enterprise))
    count = qs.count()
    items = list(qs[query.offset:query.offset + query.limit]) if count > query.offset else []
    return {"count": count, "items": [jobs.posting_row(p) for p in items]}


@jobs_router.get("/{posting_id}", response={200: PostingOut, 404: ErrorOut},
                 summary="一个招聘岗位")
def posting_detail_api(request: HttpRequest, posting_id: int) -> dict[str, Any]:
    return jobs.posting_row(jobs.posting_get(actor=_actor(request), pk=posting_id))


@jobs_router.post("", response={201: PostingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
                  summary="发布招聘岗位（工种、地点、工资、人数、要求、有效期）")
def posting_create_api(request: HttpRequest, payload: PostingIn) -> Status:
    data = payload.dict()
    posting = jobs.posting_create(actor=_actor(request), enterprise_id=data.pop("enterprise_id"),
                                  data=data)
    return Status(201, jobs.posting_row(jobs.posting_get(actor=_actor(request), pk=posting.pk)))


@jobs_router.put("/{posting_id}", response=_WRITE, summary="修改招聘岗位（须带读取时的版本号）")
def posting_update_api(request: HttpRequest, posting_id: int,
                       payload: PostingUpdateIn) -> dict[str, Any]:
    data = payload.dict()
    version = data.pop("version")
    jobs.posting_update(actor=_actor(request), posting_id=posting_id, data=data, version=version)
    return jobs.posting_row(jobs.posting_get(actor=_actor(request), pk=posting_id))


@jobs_router.post("/{posting_id}/status", response=_WRITE,
                  summary="结束招聘（closed）或重新开放（open）")
def posting_status_api(request: HttpRequest, posting_id: int,
                       payload: PostingStatusIn) -> dict[str, Any]:
    jobs.posting_set_status(actor=_actor(request), posting_id=posting_id, status=payload.status,
                            version=payload.version)
    return jobs.posting_row(jobs.posting_get(actor=_actor(request), pk=posting_id))


@jobs_router.get("/{posting_id}/candidates",
                 response={200: CandidatesOut, 400: ErrorOut, 404: ErrorOut},
                 summary="岗位的匹配人员（按得分排序，每人附匹配说明；within_km 为“N 公里以内”筛选）")
def posting_candidates_api(request: HttpRequest, posting_id: int, within_km: float | None = None,
                           limit: int = 50) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, matching.MATCH_PERM)
    posting = jobs.posting_get(actor=actor, pk=posting_id)
    result = matching.candidates_for(actor=actor, posting=posting, within_km=within_km,
                                     limit=limit)
    w = result.weights
    return {"posting": jobs.posting_row(posting), "total": result.total,
            "within_km": result.within_km,
            "weights": {"trade": w.trade, "skill": w.skill, "intention": w.intention,
                        "distance": w.distance, "monitored": w.monitored, "lifted": w.lifted,
                        "radius_km": w.radius_km},
            "items": [_candidate(m) for m in result.matches]}


@jobs_router.put("/village-locations/{region_code}",
                 response={200: VillageLocationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
                 summary="登记村（社区）的经纬度（用于计算直线距离）")
def village_location_api(request: HttpRequest, region_code: str,
                         payload: VillageLocationIn) -> dict[str, Any]:
    spot = jobs.village_location_set(actor=_actor(request), region_code=region_code,
                                     lng=payload.lng, lat=payload.lat, source=payload.source)
    return {"region_code": spot.region_id, "lng": str(spot.lng), "lat": str(spot.lat),
            "source": spot.source}


# --- Placement notices ----------------------------------------------------------------------

class NoticeOut(Schema):
    id: int
    number: str
    posting_id: int
    posting_title: str
    trade: str
    enterprise_id: int
    enterprise_name: str
    member_id: int
    member_name: str
    id_number: str
    region_code: str
    region_name: str
    township_name: str
    status: str
    status_label: str
    score: int
    explanation: str
    issued_on: str
    signed_on: str | None
    started_on: str | None
    checked_3m_on: str | None
    checked_6m_on: str | None
    left_on: str | None
    left_reason: str
    allowed: list[str]
    version: int


class NoticeEventOut(Schema):
    from_status: str
    to_status: str
    on: dt.date
    note: str
    actor: str
    at: dt.datetime


class NoticeDetailOut(NoticeOut):
    events: list[NoticeEventOut]


class NoticePageOut(Schema):
    count: int
    items: list[NoticeOut]


class NoticeIn(Schema):
    posting_id: int
    member_id: int


class TransitionIn(Schema):
    to: str
    on: dt.date
    note: str = ""
    version: int


def _notice_detail(notice: Any) -> dict[str, Any]:
    return {**notices.notice_row(notice),
            "events": [{"from_status": e.from_status, "to_status": e.to_status, "on": e.on,
                        "note": e.note, "actor": e.actor_name, "at": e.at}
                       for e in notices.notice_events(notice)]}


@notices_router.get("", response={200: NoticePageOut, 400: ErrorOut, 404: ErrorOut},
                    summary="用工预录通知书列表（按务工人员所在村限定范围）")
def notice_list_api(request: HttpRequest, status: str = "", posting: int | None = None,
                    q: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, "employment.view_placementnotice")
    _page(limit, offset)
    qs = notices.notice_list(actor=actor, filters=notices.NoticeFilter(status=status,
                                                                       posting=posting, q=q))
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [notices.notice_row(n) for n in items]}


@notices_router.get("/{notice_id}", response={200: NoticeDetailOut, 404: ErrorOut},
                    summary="一份用工预录通知书及其状态变化记录")
def notice_detail_api(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    return _notice_detail(notices.notice_get(actor=_actor(request), pk=notice_id))


@notices_router.post("", response={201: NoticeDetailOut, 400: ErrorOut, 403: ErrorOut,
                                   404: ErrorOut},
                     summary="由匹配结果开具用工预录通知书")
def notice_issue_api(request: HttpRequest, payload: NoticeIn) -> Status:
    notice = notices.notice_issue(actor=_actor(request), posting_id=payload.posting_id,
                                  member_id=payload.member_id)
    return Status(201, _notice_detail(notices.notice_get(actor=_actor(request), pk=notice.pk)))


@notices_router.post("/{notice_id}/transitions",
                     response={200: NoticeDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                               409: ErrorOut},
                     summary="登记状态变化：signed 三方签字、started 上岗、employed_3m / employed_6m "
                             "在岗满 3/6 个月、left 终止（须填原因）")
def notice_transition_api(request: HttpRequest, notice_id: int,
                          payload: TransitionIn) -> dict[str, Any]:
    notices.notice_transition(actor=_actor(request), notice_id=notice_id, to=payload.to,
                              on=payload.on, note=payload.note, version=payload.version)
    return _notice_detail(notices.notice_get(actor=_actor(request), pk=notice_id))


@notices_router.get("/{notice_id}/pdf", response={200: None, 404: ErrorOut},
                    summary="下载通知书 PDF（A4，三方签字栏；身份证号脱敏）")
def notice_pdf_api(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = _actor(request)
    notice = notices.notice_get(actor=actor, pk=notice_id)
    response = HttpResponse(notices.notice_pdf(actor=actor, notice=notice),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.number}.pdf"'
    return response


# --- Job fairs ------------------------------------------------------------------------------

class FairOut(Schema):
    id: int
    name: str
    held_on: str
    place: str
    region_code: str
    region_name: str
    note: str
    version: int
    enterprises: int
    posts: int
    attendees: int
    intentions: int
    signed: int


class FairEnterpriseOut(Schema):
    enterprise_id: int
    enterprise_name: str
    posts: int
    posting_ids: list[int]


class FairAttendeeOut(Schema):
    member_id: int
    name: str
    id_number: str
    region_code: str
    outcome: str
    outcome_label: str
    enterprise_id: int | None
    note: str


class FairDetailOut(FairOut):
    participants: list[FairEnterpriseOut]
    attendee_list: list[FairAttendeeOut]


class FairPageOut(Schema):
    count: int
    items: list[FairOut]


class FairIn(Schema):
    name: str
    held_on: dt.date
    place: str
    region: str
    note: str = ""


class FairEnterpriseIn(Schema):
    enterprise_id: int
    posts: int = 0
    posting_ids: list[int] = []


class FairAttendeeIn(Schema):
    member_id: int
    outcome: str = "attended"
    enterprise_id: int | None = None
    note: str = ""


def _fair_detail(fair: Any) -> dict[str, Any]:
    from minsheng.core.masking import mask_id_number

    participants, attendees = jobs.fair_details(fair)
    return {**jobs.fair_row(fair),
            "participants": [{"enterprise_id": p.enterprise_id,
                              "enterprise_name": p.enterprise.name, "posts": p.posts,
                              "posting_ids": sorted(x.pk for x in p.postings.all())}
                             for p in participants],
            "attendee_list": [{"member_id": a.member_id, "name": a.member.name,
                               "id_number": mask_id_number(a.member.id_number),
                               "region_code": a.region_id, "outcome": a.outcome,
                               "outcome_label": a.get_outcome_display(),
                               "enterprise_id": a.enterprise_id, "note": a.note}
                              for a in attendees]}


_FAIR_WRITE = {200: FairDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@fairs_router.get("", response={200: FairPageOut, 400: ErrorOut, 404: ErrorOut},
                  summary="招聘会列表（如春风行动）")
def fair_list_api(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    _need(actor, "employment.view_jobfair")
    _page(limit, offset)
    qs = jobs.fair_list(actor=actor)
    count = qs.count()
    items = list(qs[offset:offset + limit]) if count > offset else []
    return {"count": count, "items": [jobs.fair_row(f) for f in items]}


@fairs_router.get("/{fair_id}", response={200: FairDetailOut, 404: ErrorOut},
                  summary="一场招聘会：参会企业及岗位、求职人员及意向、签约")
def fair_detail_api(request: HttpRequest, fair_id: int) -> dict[str, Any]:
    return _fair_detail(jobs.fair_get(actor=_actor(request), pk=fair_id))


@fairs_router.post("", response={201: FairDetailOut, 400: ErrorOut, 403: ErrorOut,
                                 404: ErrorOut},
                   summary="登记招聘会（主办地区为县或乡镇）")
def fair_create_api(request: HttpRequest, payload: FairIn) -> Status:
    data = payload.dict()
    fair = jobs.fair_create(actor=_actor(request), region_code=data.pop("region"), data=data)
    return Status(201, _fair_detail(jobs.fair_get(actor=_actor(request), pk=fair.pk)))


@fairs_router.post("/{fair_id}/enterprises", response=_FAIR_WRITE, summary="登记参会企业及岗位")
def fair_enterprise_api(request: HttpRequest, fair_id: int,
                        payload: FairEnterpriseIn) -> dict[str, Any]:
    jobs.fair_enterprise_add(actor=_actor(request), fair_id=fair_id,
                             enterprise_id=payload.enterprise_id, posts=payload.posts,
                             posting_ids=payload.posting_ids)
    return _fair_detail(jobs.fair_get(actor=_actor(request), pk=fair_id))


@fairs_router.post("/{fair_id}/attendees", response=_FAIR_WRITE,
                   summary="登记求职人员及结果（attended 到场、intention 达成意向、signed 成功签约）")
def fair_attendee_api(request: HttpRequest, fair_id: int,
                      payload: FairAttendeeIn) -> dict[str, Any]:
    jobs.fair_attendee_save(actor=_actor(request), fair_id=fair_id, member_id=payload.member_id,
                            outcome=payload.outcome, enterprise_id=payload.enterprise_id,
                            note=payload.note)
    return _fair_detail(jobs.fair_get(actor=_actor(request), pk=fair_id))
