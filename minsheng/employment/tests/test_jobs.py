"""Jobs and matching: postings, the ranking and its explanation, scope, 用工预录通知书 lifecycle and
PDF, job fairs.

The hand-made registry of ``conftest``: 曾祥月 (脱贫户 H001, 大岭社区), 王二 (H002, 大岭社区), 张三 and
张四 (H004, 四峰社区). The work site is 1–2 km from 大岭社区 and about 28 km from 四峰社区.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.utils import timezone

from minsheng.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment import jobs, matching, notices, services
from minsheng.employment.choices import NoticeStatus
from minsheng.employment.models import PlacementNotice, PlacementNoticeEvent
from minsheng.employment.tests.conftest import id_of
from minsheng.testing import COUNTY_A, TOWNSHIP_A, VILLAGE_A, VILLAGE_C

VALID_USCC = "91110000600037341L"
SITE = (111.31, 27.01)
VILLAGES = {VILLAGE_A: (111.30, 27.00), VILLAGE_C: (111.50, 27.20)}


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine written out again here, independent of the code under test."""
    (x1, y1), (x2, y2) = a, b
    h = (math.sin(math.radians(y2 - y1) / 2) ** 2 + math.cos(math.radians(y1))
         * math.cos(math.radians(y2)) * math.sin(math.radians(x2 - x1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def profile(actor, member, **data):
    return services.labour_profile_save(actor=actor, member_id=member.pk, data=data, version=0)


@pytest.fixture
def world(personas, member):
    county = personas["county_office"]
    for code, (x, y) in VILLAGES.items():
        jobs.village_location_set(actor=county, region_code=code, lng=x, lat=y, source="测试")
    enterprise = services.enterprise_create(
        actor=county, uscc=VALID_USCC, region_code="430523",
        data={"name": "邵阳县焊接设备有限公司", "lng": str(SITE[0]), "lat": str(SITE[1])})
    profile(county, member("曾祥月"), intended_trade="电焊", max_distance_km=10)
    profile(county, member("王二"), skills="电焊工证")
    profile(county, member("张三"), intended_trade="电焊工", max_distance_km=3)
    profile(county, member("张四"), intended_trade="缝纫工")
    today = timezone.localdate()
    posting = jobs.posting_create(actor=county, enterprise_id=enterprise.pk, data={
        "title": "车间电焊工", "trade": "电焊工", "place": "邵阳县工业园", "headcount": 3,
        "wage_min": "4000", "wage_max": "6000", "requirements": "持证优先",
        "valid_from": today - dt.timedelta(days=400), "valid_to": today + dt.timedelta(days=30)})
    return {"enterprise": enterprise, "posting": posting, "today": today}


def expected(w, *, trade=0, skill=0, distance=None, limit=None, lifted=False, monitored=False):
    total = trade + skill
    if distance is not None:
        total += round(w.distance * w.radius_km / (w.radius_km + distance))
        if limit is not None and distance <= limit:
            total += w.intention
    return total + (w.monitored if monitored else w.lifted if lifted else 0)


class PostingTests:
    def test_create_takes_the_enterprise_site_and_audits(self, personas, world):
        p = world["posting"]
        assert (float(p.lng), float(p.lat)) == SITE
        assert p.county_id == COUNTY_A
        event = AuditEvent.objects.filter(subject_type="employment.jobposting").get()
        assert event.event_type == AuditEventType.EMPLOYMENT_UPDATED
        assert "发布招聘岗位" in event.note

    @pytest.mark.parametrize(("data", "message"), [
        ({"trade": ""}, "请填写工种（如 电焊工、缝纫工）。"),
        ({"wage_min": "7000"}, "月工资下限（7000.00）不能高于上限（6000.00）。"),
        ({"headcount": 0}, "「招聘人数」应为 1～100000，实为 0。"),
        ({"valid_to": "2020-01-01"}, "有效期止（2020-01-01）不能早于有效期起"),
    ])
    def test_bad_input_is_refused_in_chinese(self, personas, world, data, message):
        base = {"title": "岗位", "trade": "普工", "headcount": 1, "wage_min": "3000",
                "wage_max": "6000", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
        with pytest.raises(InvalidInput) as exc:
            jobs.posting_create(actor=personas["county_office"],
                                enterprise_id=world["enterprise"].pk, data={**base, **data})
        assert message in exc.value.message

    def test_only_the_county_office_writes(self, personas, world):
        for name in ("township_station", "village_monitor", "auditor"):
            with pytest.raises(PermissionDenied):
                jobs.posting_create(actor=personas[name], enterprise_id=world["enterprise"].pk,
                                    data={})

    def test_stale_version_is_refused(self, personas, world):
        p = world["posting"]
        data = {**jobs.posting_row(p), "headcount": 5}
        jobs.posting_update(actor=personas["county_office"], posting_id=p.pk, data=data,
                            version=p.version)
        with pytest.raises(Conflict):
            jobs.posting_update(actor=personas["county_office"], posting_id=p.pk, data=data,
                                version=p.version)

    def test_visible_county_wide_but_not_outside(self, personas, world):
        pk = world["posting"].pk
        for name in ("village_monitor", "township_station", "county_office", "city_office",
                     "auditor"):
            assert jobs.posting_get(actor=personas[name], pk=pk).pk == pk
        with pytest.raises(NotFound):
            jobs.posting_get(actor=personas["outsider"], pk=pk)
        with pytest.raises(NotFound):
            jobs.posting_get(actor=personas["village_monitor"], pk=pk, action="change")


class MatchingTests:
    def test_ranking_scores_and_explanations(self, personas, world):
        result = matching.candidates_for(actor=personas["county_office"],
                                         posting=world["posting"])
        w = result.weights
        d_a, d_c = km(SITE, VILLAGES[VILLAGE_A]), km(SITE, VILLAGES[VILLAGE_C])
        want = {
            "曾祥月": expected(w, trade=w.trade, distance=d_a, limit=10, lifted=True),
            "张三": expected(w, trade=w.trade, distance=d_c, limit=3),
            "王二": expected(w, skill=w.skill, distance=d_a),
        }
        got = [(m.name, m.score) for m in result.matches]
        assert got == sorted(want.items(), key=lambda kv: -kv[1])
        assert result.total == 3  # 张四 (缝纫工) does not match
        first = result.matches[0]
        assert first.explanation == (f"工种匹配：电焊工（意向工种 电焊）；距离 {d_a:.1f} 公里"
                                     f"（意愿 10 公里内）；脱贫户优先")
        zhang = next(m for m in result.matches if m.name == "张三")
        assert f"距离 {d_c:.1f} 公里（超出本人可接受的 3 公里）" in zhang.explanation
        wang = next(m for m in result.matches if m.name == "王二")
        assert wang.explanation.startswith("技能相符：电焊工证")
        assert first.id_number != id_of("曾祥月") and first.id_number.endswith(id_of("曾祥月")[-4:])

    def test_a_changed_profile_changes_the_match(self, personas, world, member):
        county = personas["county_office"]
        wang = member("王二")
        profile_row = services.labour_profile_save(actor=county, member_id=wang.pk,
                                                   data={"skills": "缝纫"}, version=1)
        names = {m.name for m in matching.candidates_for(actor=county,
                                                         posting=world["posting"]).matches}
        assert "王二" not in names and profile_row.version == 2
        services.labour_profile_save(actor=county, member_id=wang.pk,
                                     data={"certificates": "电焊工证"}, version=2)
        names = {m.name for m in matching.candidates_for(actor=county,
                                                         posting=world["posting"]).matches}
        assert "王二" in names

    def test_weights_are_the_parameters(self, personas, world):
        w = matching.matching_weights(on=world["today"], region_code=COUNTY_A)
        assert w.radius_km == 5 and len(w.refs) == len(matching.PARAMETERS)

    def test_within_km_is_a_hard_filter(self, personas, world):
        result = matching.candidates_for(actor=personas["county_office"],
                                         posting=world["posting"], within_km=5)
        assert {m.name for m in result.matches} == {"曾祥月", "王二"}
        with pytest.raises(InvalidInput, match="距离筛选应在 0～1000 公里之间"):
            matching.candidates_for(actor=personas["county_office"], posting=world["posting"],
                                    within_km=-1)

    def test_candidates_are_limited_to_the_actors_scope(self, personas, world):
        for name in ("village_monitor", "township_station"):
            result = matching.candidates_for(actor=personas[name], posting=world["posting"])
            assert {m.village for m in result.matches} == {VILLAGE_A}, name

    @pytest.mark.parametrize(("status", "monitored"), [
        ("monitoring", True), ("elim_notice", True), ("township_review", False),
        ("eliminated", False)])
    def test_a_monitoring_object_goes_first(self, personas, world, households, status,
                                            monitored):
        """监测对象: 纳入 and not yet eliminated; a case still being identified, or one whose
        risk is eliminated, gives no priority."""
        from minsheng.monitoring.models import MonitoringCase

        MonitoringCase.objects.create(household=households["H002"], region_id=VILLAGE_A,
                                      status=status, is_open=status != "eliminated",
                                      step_started_at=timezone.now())
        result = matching.candidates_for(actor=personas["county_office"],
                                         posting=world["posting"])
        wang = next(m for m in result.matches if m.name == "王二")
        w = result.weights
        assert wang.score == expected(w, skill=w.skill, distance=km(SITE, VILLAGES[VILLAGE_A]),
                                      monitored=monitored)
        assert ("监测对象优先" in wang.explanation) is monitored

    def test_batch_gives_the_same_ranking(self, personas, world):
        single = matching.candidates_for(actor=personas["county_office"],
                                         posting=world["posting"])
        batch = matching.match_all(actor=personas["county_office"], county=COUNTY_A)
        total, best = batch.results[world["posting"].pk]
        assert total == single.total
        assert [(m.member_id, m.score, m.explanation) for m in best] == \
            [(m.member_id, m.score, m.explanation) for m in single.matches]

    def test_postings_for_a_person(self, personas, world, member):
        found = matching.postings_for(actor=personas["county_office"], member=member("曾祥月"))
        assert [m.posting_id for m in found] == [world["posting"].pk]
        assert found[0].explanation.startswith("工种匹配：电焊工")
        # 张四 (缝纫工) lives 28 km away, outside the default radius: nothing.
        assert matching.postings_for(actor=personas["county_office"], member=member("张四")) == []

    def test_trade_matching_rule(self):
        assert matching.trade_matches("电焊工", "电焊")
        assert matching.trade_matches("电焊工", "会电焊工和木工")
        assert not matching.trade_matches("电焊工", "缝纫")
        assert matching.windows("电焊工") == ["焊工", "电焊"]


def issue(personas, world, member, name="曾祥月", days_ago=200):
    return notices.notice_issue(actor=personas["county_office"], posting_id=world["posting"].pk,
                                member_id=member(name).pk,
                                on=world["today"] - dt.timedelta(days=days_ago))


class NoticeTests:
    def test_lifecycle_with_dates_and_events(self, personas, world, member):
        county = personas["county_office"]
        n = issue(personas, world, member)
        assert n.number == f"YGYL-430523-{n.issued_on.year}-00001"
        assert n.township_id == TOWNSHIP_A and n.status == NoticeStatus.ISSUED
        assert "脱贫户优先" in n.explanation
        start = n.issued_on + dt.timedelta(days=5)

        def move(to, on, note=""):
            nonlocal n
            n = notices.notice_transition(actor=county, notice_id=n.pk, to=to, on=on, note=note,
                                          version=n.version)

        move("signed", n.issued_on + dt.timedelta(days=2))
        move("started", start)
        with pytest.raises(InvalidInput) as exc:
            move("employed_3m", notices.add_months(start, 3) - dt.timedelta(days=1))
        assert exc.value.message == (f"上岗日期为 {start}，须到 {notices.add_months(start, 3)} "
                                     "才能核实在岗满 3 个月。")
        move("employed_3m", notices.add_months(start, 3))
        move("employed_6m", notices.add_months(start, 6))
        assert n.status == NoticeStatus.EMPLOYED_6M and n.version == 5
        events = list(PlacementNoticeEvent.objects.filter(notice=n).values_list(
            "from_status", "to_status", "actor_name"))
        assert events == [("", "issued", "county_office"), ("issued", "signed", "county_office"),
                          ("signed", "started", "county_office"),
                          ("started", "employed_3m", "county_office"),
                          ("employed_3m", "employed_6m", "county_office")]
        with pytest.raises(InvalidInput, match="可进行的操作：无（已结束跟踪）"):
            move("left", world["today"], "辞职")

    def test_invalid_transition_is_refused_in_chinese(self, personas, world, member):
        n = issue(personas, world, member)
        with pytest.raises(InvalidInput) as exc:
            notices.notice_transition(actor=personas["county_office"], notice_id=n.pk,
                                      to="started", on=world["today"], version=n.version)
        assert exc.value.message == ("通知书当前为「已开具」，不能改为「已上岗」；可进行的操作："
                                     "三方已签字、已终止（未上岗或离岗）。")

    def test_left_needs_a_reason_and_frees_the_worker(self, personas, world, member):
        n = issue(personas, world, member)
        with pytest.raises(InvalidInput, match="终止请填写原因"):
            notices.notice_transition(actor=personas["county_office"], notice_id=n.pk, to="left",
                                      on=world["today"], version=n.version)
        with pytest.raises(InvalidInput, match="已有岗位「车间电焊工」的用工预录通知书"):
            issue(personas, world, member, days_ago=10)
        notices.notice_transition(actor=personas["county_office"], notice_id=n.pk, to="left",
                                  on=world["today"], note="未到岗", version=n.version)
        again = issue(personas, world, member, days_ago=0)
        assert again.number.endswith("-00002") or again.issued_on.year != n.issued_on.year

    def test_stale_version_and_scope(self, personas, world, member):
        n = issue(personas, world, member)
        with pytest.raises(Conflict):
            notices.notice_transition(actor=personas["county_office"], notice_id=n.pk,
                                      to="signed", on=world["today"], version=n.version + 1)
        with pytest.raises(NotFound):
            notices.notice_get(actor=personas["outsider"], pk=n.pk)
        with pytest.raises(PermissionDenied):  # a village monitor reads but does not write
            notices.notice_transition(actor=personas["village_monitor"], notice_id=n.pk,
                                      to="signed", on=world["today"], version=n.version)
        assert notices.notice_get(actor=personas["village_monitor"], pk=n.pk) == n
        assert not notices.notice_list(actor=personas["outsider"]).exists()
        assert PlacementNotice.objects.get(pk=n.pk).status == NoticeStatus.ISSUED

    def test_a_non_matching_worker_gets_no_notice(self, personas, world, member):
        with pytest.raises(InvalidInput, match="不是该岗位的匹配人员"):
            issue(personas, world, member, name="张四")

    def test_pdf_renders_chinese_with_embedded_font_and_three_signatures(self, personas, world,
                                                                          member):
        from pypdf import PdfReader

        n = issue(personas, world, member)
        data = notices.notice_pdf(actor=personas["county_office"], notice=n)
        reader = PdfReader(io.BytesIO(data))
        text = "".join(page.extract_text() for page in reader.pages)
        for part in ("用工预录通知书", n.number, "曾祥月", "邵阳县焊接设备有限公司", "电焊工",
                     "企业（盖章）", "乡镇人民政府（盖章）", "务工人员（签字）", "塘渡口镇人民政府",
                     "4000～6000 元/月"):
            assert part in text, part
        assert id_of("曾祥月") not in text
        assert id_of("曾祥月")[:6] in text
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
        assert len(reader.pages) == 1  # the three signature blocks on the same sheet
        embedded = []
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descriptor = font.get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    embedded.append(str(font["/BaseFont"]))
        assert any("WenQuanYi" in name for name in embedded), embedded
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED,
                                         subject_id=str(n.pk)).exists()


class FairTests:
    def test_fair_with_enterprises_attendees_and_offers(self, personas, world, member):
        county = personas["county_office"]
        fair = jobs.fair_create(actor=county, region_code=COUNTY_A, data={
            "name": "2026 年春风行动专场招聘会", "held_on": "2026-02-20", "place": "县人民广场"})
        jobs.fair_enterprise_add(actor=county, fair_id=fair.pk,
                                 enterprise_id=world["enterprise"].pk, posts=2,
                                 posting_ids=[world["posting"].pk])
        with pytest.raises(InvalidInput, match="已登记参加该招聘会"):
            jobs.fair_enterprise_add(actor=county, fair_id=fair.pk,
                                     enterprise_id=world["enterprise"].pk, posts=1)
        jobs.fair_attendee_save(actor=county, fair_id=fair.pk, member_id=member("王二").pk,
                                outcome="attended")
        jobs.fair_attendee_save(actor=county, fair_id=fair.pk, member_id=member("曾祥月").pk,
                                outcome="intention", enterprise_id=world["enterprise"].pk)
        jobs.fair_attendee_save(actor=county, fair_id=fair.pk, member_id=member("曾祥月").pk,
                                outcome="signed", enterprise_id=world["enterprise"].pk)
        with pytest.raises(InvalidInput, match="达成意向或成功签约须选择企业"):
            jobs.fair_attendee_save(actor=county, fair_id=fair.pk, member_id=member("张三").pk,
                                    outcome="signed")
        summary = jobs.fair_summary(fair)
        # posts: the linked posting's headcount (3) is more than the 2 declared.
        assert (summary.enterprises, summary.posts, summary.attendees, summary.intentions,
                summary.signed) == (1, 3, 2, 0, 1)
        with pytest.raises(PermissionDenied):
            jobs.fair_create(actor=personas["township_station"], region_code=TOWNSHIP_A,
                             data={"name": "x", "held_on": "2026-02-20", "place": "y"})
        for name in ("auditor", "village_monitor", "township_station"):
            assert jobs.fair_get(actor=personas[name], pk=fair.pk) == fair
        with pytest.raises(NotFound):
            jobs.fair_get(actor=personas["village_monitor"], pk=fair.pk, action="change")
        with pytest.raises(NotFound):
            jobs.fair_get(actor=personas["outsider"], pk=fair.pk)


class ApiTests:
    def test_posting_crud_scope_and_roles(self, api_client_for, world):
        county = api_client_for("county_office")
        body = county.get("/api/v1/jobs").json()
        assert body["count"] == 1 and body["items"][0]["trade"] == "电焊工"
        assert api_client_for("village_monitor").get("/api/v1/jobs").json()["count"] == 1
        assert api_client_for("outsider").get("/api/v1/jobs").json()["count"] == 0
        pk = world["posting"].pk
        assert api_client_for("outsider").get(f"/api/v1/jobs/{pk}").status_code == 404
        new = {"enterprise_id": world["enterprise"].pk, "title": "缝纫工", "trade": "缝纫工",
               "headcount": 2, "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
        created = county.post("/api/v1/jobs", new, content_type="application/json")
        assert created.status_code == 201, created.content
        for name in ("auditor", "village_monitor"):
            denied = api_client_for(name).post("/api/v1/jobs", new,
                                               content_type="application/json")
            assert denied.status_code == 403
            assert denied.json()["detail"] == "您没有发布招聘岗位的权限。"
        bad = county.post("/api/v1/jobs", {**new, "headcount": 0},
                          content_type="application/json")
        assert bad.status_code == 400 and "招聘人数" in bad.json()["detail"]
        row = created.json()
        update = {**new, "headcount": 4, "version": row["version"]}
        del update["enterprise_id"]
        assert county.put(f"/api/v1/jobs/{row['id']}", update,
                          content_type="application/json").json()["headcount"] == 4
        stale = county.put(f"/api/v1/jobs/{row['id']}", update, content_type="application/json")
        assert stale.status_code == 409

    def test_candidates_are_explained_scoped_and_filtered(self, api_client_for, world):
        pk = world["posting"].pk
        body = api_client_for("county_office").get(f"/api/v1/jobs/{pk}/candidates").json()
        assert [i["name"] for i in body["items"]] == ["曾祥月", "张三", "王二"]
        first = body["items"][0]
        assert first["priority"] == "脱贫户优先" and first["reasons"][0].startswith("工种匹配")
        assert first["id_number"] != id_of("曾祥月")
        near = api_client_for("county_office").get(
            f"/api/v1/jobs/{pk}/candidates?within_km=5").json()
        assert {i["name"] for i in near["items"]} == {"曾祥月", "王二"}
        village = api_client_for("village_monitor").get(f"/api/v1/jobs/{pk}/candidates").json()
        assert {i["village_code"] for i in village["items"]} == {VILLAGE_A}
        assert api_client_for("outsider").get(f"/api/v1/jobs/{pk}/candidates").status_code == 404

    def test_notice_issue_transition_pdf(self, api_client_for, world, member):
        county = api_client_for("county_office")
        pk = world["posting"].pk
        issued = county.post("/api/v1/placement-notices",
                             {"posting_id": pk, "member_id": member("曾祥月").pk},
                             content_type="application/json")
        assert issued.status_code == 201, issued.content
        notice = issued.json()
        assert notice["status"] == "issued" and notice["allowed"] == ["signed", "left"]
        url = f"/api/v1/placement-notices/{notice['id']}"
        bad = county.post(f"{url}/transitions", {"to": "started", "on": str(world["today"]),
                                                 "version": notice["version"]},
                          content_type="application/json")
        assert bad.status_code == 400 and "不能改为「已上岗」" in bad.json()["detail"]
        denied = api_client_for("auditor").post(
            f"{url}/transitions", {"to": "signed", "on": str(world["today"]), "version": 1},
            content_type="application/json")
        assert denied.status_code == 403
        assert denied.json()["detail"] == "您没有登记通知书状态的权限。"
        signed = county.post(f"{url}/transitions", {"to": "signed", "on": str(world["today"]),
                                                    "version": notice["version"]},
                             content_type="application/json")
        assert signed.status_code == 200 and signed.json()["status"] == "signed"
        assert [e["to_status"] for e in signed.json()["events"]] == ["issued", "signed"]
        stale = county.post(f"{url}/transitions", {"to": "started", "on": str(world["today"]),
                                                   "version": notice["version"]},
                            content_type="application/json")
        assert stale.status_code == 409
        pdf = api_client_for("village_monitor").get(f"{url}/pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert api_client_for("outsider").get(f"{url}/pdf").status_code == 404
        listed = api_client_for("auditor").get("/api/v1/placement-notices").json()
        assert listed["count"] == 1

    def test_fairs(self, api_client_for, world, member):
        county = api_client_for("county_office")
        created = county.post("/api/v1/job-fairs", {"name": "春风行动", "held_on": "2026-02-20",
                                                    "place": "县人民广场",
                                                    "region": COUNTY_A},
                              content_type="application/json")
        assert created.status_code == 201, created.content
        fid = created.json()["id"]
        county.post(f"/api/v1/job-fairs/{fid}/enterprises",
                    {"enterprise_id": world["enterprise"].pk, "posts": 5},
                    content_type="application/json")
        body = county.post(f"/api/v1/job-fairs/{fid}/attendees",
                           {"member_id": member("王二").pk, "outcome": "intention",
                            "enterprise_id": world["enterprise"].pk},
                           content_type="application/json").json()
        assert (body["enterprises"], body["posts"], body["attendees"], body["intentions"]) == \
            (1, 5, 1, 1)
        assert body["attendee_list"][0]["id_number"] != id_of("王二")
        denied = api_client_for("township_station").post(
            "/api/v1/job-fairs", {"name": "x", "held_on": "2026-02-20", "place": "y",
                                  "region": TOWNSHIP_A}, content_type="application/json")
        assert denied.status_code == 403


class ViewTests:
    def test_county_officer_posts_matches_and_issues(self, client_for, world, member):
        client = client_for("county_office")
        page = client.get("/employment/jobs/")
        assert "车间电焊工" in page.content.decode()
        detail = client.get(f"/employment/jobs/{world['posting'].pk}/?near=1").content.decode()
        assert "脱贫户优先" in detail and "曾祥月" in detail and "张三" not in detail
        issued = client.post(f"/employment/jobs/{world['posting'].pk}/notice/",
                             {"member": member("曾祥月").pk})
        assert issued.status_code == 302
        notice = PlacementNotice.objects.get()
        assert issued["Location"] == f"/employment/notices/{notice.pk}/"
        moved = client.post(f"/employment/notices/{notice.pk}/move/",
                            {"to": "signed", "on": str(world["today"]),
                             "version": notice.version}, follow=True)
        assert "已登记：三方已签字" in moved.content.decode()
        pdf = client.get(f"/employment/notices/{notice.pk}/pdf/")
        assert pdf["Content-Type"] == "application/pdf"

    def test_village_monitor_reads_but_cannot_post(self, client_for, world, member):
        client = client_for("village_monitor")
        assert client.get("/employment/jobs/new/").status_code == 404
        page = client.get(f"/employment/jobs/{world['posting'].pk}/").content.decode()
        assert "曾祥月" in page and "张三" not in page and "开具通知书" not in page
        jobs_page = client.get(f"/employment/labour/{member('曾祥月').pk}/jobs/")
        assert "车间电焊工" in jobs_page.content.decode()
        member_page = client.get(f"/employment/labour/{member('曾祥月').pk}/").content.decode()
        assert "适合的岗位" in member_page and "车间电焊工" in member_page

    def test_fair_pages(self, client_for, world, member):
        client = client_for("county_office")
        made = client.post("/employment/fairs/new/", {"name": "春风行动", "held_on": "2026-02-20",
                                                      "place": "广场", "region": COUNTY_A})
        assert made.status_code == 302
        fair_url = made["Location"]
        client.post(f"{fair_url}enterprise/", {"enterprise": world["enterprise"].pk, "posts": 3})
        page = client.post(f"{fair_url}attendee/", {"member": id_of("王二"),
                                                    "outcome": "attended"}, follow=True)
        text = page.content.decode()
        assert "邵阳县焊接设备有限公司" in text and "王二" in text and "到场求职" in text


class CommandTests:
    def test_match_one_and_all(self, world, personas):
        from django.core.management import call_command

        out = io.StringIO()
        call_command("employment", "match", "--posting", str(world["posting"].pk), "--user",
                     "county_office", stdout=out)
        text = out.getvalue()
        assert "匹配人员 3 人" in text and "1. 曾祥月" in text and "脱贫户优先" in text
        out = io.StringIO()
        call_command("employment", "match", "--all", "--user", "county_office", stdout=out)
        assert "批量匹配完成：1 个县，1 个岗位，匹配人次 3" in out.getvalue()

    def test_out_of_scope_posting_exits_1(self, world, personas):
        from django.core.management import CommandError, call_command

        with pytest.raises(CommandError) as exc:
            call_command("employment", "match", "--posting", str(world["posting"].pk),
                         "--user", "outsider")
        assert exc.value.returncode == 1


class DemoTests:
    def test_demo_jobs_match_and_are_idempotent(self, personas, households):
        from minsheng.employment.demo import demo_employment_generate
        from minsheng.employment.job_demo import demo_jobs_generate

        demo_employment_generate(county_code=COUNTY_A, seed=7)
        first = demo_jobs_generate(county_code=COUNTY_A, seed=7)
        assert first.locations == 3 and first.postings == 10 and first.fairs == 1
        assert first.profiles > 0
        again = demo_jobs_generate(county_code=COUNTY_A, seed=7)
        assert (again.locations, again.profiles, again.postings, again.fairs) == (0, 0, 0, 0)
        batch = matching.match_all(actor=personas["county_office"], county=COUNTY_A)
        assert batch.postings == 10 and batch.seekers == first.profiles
