"""Web pages: plan page with suggestions and 采纳, measure edit with evidence, the follow-up
form, the due list; scope (404) and roles."""

from __future__ import annotations

import datetime as dt
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minsheng.assistance.models import AssistancePlan, FollowUpVisit, PlanMeasure

TODAY = timezone.localdate()
MONTH = f"{TODAY:%Y-%m}"


def test_nav_and_due_page(client_for, households, plan):
    page = client_for("village_monitor").get("/assistance/")
    text = page.content.decode()
    assert page.status_code == 200 and "帮扶计划" in text and "待走访名单" in text
    assert "A001" in text and "刘干部" in text
    mine = client_for("village_monitor").get("/assistance/?mine=1").content.decode()
    assert "A001" in mine
    assert client_for("liaison").get("/assistance/").status_code == 404


def test_plan_page_shows_suggestions_and_masks_phone(client_for, households, plan):
    page = client_for("township_station").get(
        f"/assistance/households/{households['labour'].pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="suggestion-employment"' in text and "危房改造" in text
    assert "139****1111" in text and "13900001111" not in text
    assert 'data-testid="adopt-housing"' in text


def test_the_household_page_links_to_its_plan(client_for, households):
    pk = households["labour"].pk
    page = client_for("village_monitor").get(f"/households/{pk}/").content.decode()
    assert f'href="/assistance/households/{pk}/">一户一策</a>' in page
    # A liaison has no plan permission (and no household page): no link anywhere.
    assert client_for("liaison").get(f"/households/{pk}/").status_code == 404


def test_out_of_scope_household_is_404(client_for, households):
    client = client_for("outsider")
    assert client.get(f"/assistance/households/{households['labour'].pk}/").status_code == 404
    assert client.get(
        f"/assistance/households/{households['labour'].pk}/follow-up/").status_code == 404


def test_create_plan_with_all_suggestions(client_for, personas, households):
    client = client_for("township_station")
    hid = households["none"].pk
    response = client.post(f"/assistance/households/{hid}/plan/", {
        "responsible_name": "陈干部", "responsible_phone": "13800000000",
        "responsible_user": str(personas["village_monitor"].pk), "adopt_all": "1"})
    assert response.status_code == 302
    plan = AssistancePlan.objects.get(household_id=hid)
    assert plan.responsible_user == personas["village_monitor"]
    assert "dibao" in set(plan.measures.values_list("measure_type_id", flat=True))


def test_village_monitor_cannot_create_plan(client_for, households):
    response = client_for("village_monitor").post(
        f"/assistance/households/{households['weak'].pk}/plan/", {"responsible_name": "x"})
    assert response.status_code == 404
    assert not AssistancePlan.objects.filter(household=households["weak"]).exists()


def test_adopt_one_click_and_stale_version_message(client_for, households, plan):
    client = client_for("village_monitor")
    response = client.post(f"/assistance/plans/{plan.pk}/adopt/",
                           {"measure_type": "housing", "version": plan.version}, follow=True)
    assert "已采纳「危房改造」" in response.content.decode()
    assert plan.measures.filter(measure_type_id="housing").exists()
    page = client.get(f"/assistance/households/{plan.household_id}/").content.decode()
    assert "已采纳" in page
    stale = client.post(f"/assistance/plans/{plan.pk}/adopt/",
                        {"measure_type": "industry", "version": plan.version}, follow=True)
    assert "已被他人修改" in stale.content.decode()


def test_measure_add_edit_and_evidence(client_for, households, plan):
    client = client_for("village_monitor")
    response = client.post(f"/assistance/plans/{plan.pk}/measures/new/", {
        "measure_type": "microcredit", "title": "养牛贷款", "start_date": TODAY.isoformat(),
        "continues_until": (TODAY + dt.timedelta(days=1000)).isoformat(), "amount": "50000",
        "status": "in_progress", "version": plan.version + 0})
    assert response.status_code == 302, response.content.decode()[:2000]
    measure = PlanMeasure.objects.get(plan=plan, measure_type_id="microcredit")
    page = client.get(f"/assistance/households/{plan.household_id}/").content.decode()
    assert "养牛贷款" in page and "贷款到期" in page  # in the continuing table
    response = client.post(f"/assistance/measures/{measure.pk}/", {
        "title": "养牛贷款", "start_date": TODAY.isoformat(), "amount": "40000",
        "status": "in_progress", "version": measure.version,
        "continues_until": (TODAY + dt.timedelta(days=1000)).isoformat()})
    assert response.status_code == 302
    measure.refresh_from_db()
    assert str(measure.amount) == "40000.00"
    upload = client.post(f"/assistance/measures/{measure.pk}/evidence/", {
        "file": SimpleUploadedFile("借款合同.jpg", b"\xff\xd8\xff demo"), "description": "合同"})
    assert upload.status_code == 302
    evidence = measure.evidence.get()
    download = client.get(f"/assistance/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == \
        b"\xff\xd8\xff demo"
    assert client_for("outsider").get(f"/assistance/evidence/{evidence.pk}/").status_code == 404
    # The download is audited (personal data); the outsider's 404 is not a download.
    from minsheng.core.models import AuditEvent

    downloads = AuditEvent.objects.filter(event_type="EXPORTED",
                                          subject_type="assistance.measureevidence",
                                          subject_id=str(evidence.pk))
    assert downloads.count() == 1
    assert downloads.get().note == "下载佐证材料：养牛贷款 借款合同.jpg"
    # A file gone from storage is a 404 with a Chinese message, not a server error.
    evidence.file.storage.delete(evidence.file.name)
    missing = client.get(f"/assistance/evidence/{evidence.pk}/")
    assert missing.status_code == 404 and "佐证材料文件已丢失" in missing.content.decode()
    # the auditor reads the measure but cannot change it
    auditor = client_for("auditor")
    assert auditor.get(f"/assistance/measures/{measure.pk}/").status_code == 200
    assert auditor.post(f"/assistance/measures/{measure.pk}/", {
        "start_date": TODAY.isoformat(), "status": "completed",
        "version": measure.version}).status_code == 404


def test_follow_up_form_prefilled_and_saved(client_for, households, plan):
    client = client_for("village_monitor")
    measure = PlanMeasure.objects.create(plan=plan, measure_type_id="industry",
                                         start_date=TODAY)
    url = f"/assistance/households/{plan.household_id}/follow-up/?month={MONTH}"
    page = client.get(url).content.decode()
    assert 'value="刘干部"' in page and f'name="measure_{measure.pk}_status"' in page
    # The prefilled date in the form a date input reads (YYYY-MM-DD, not the locale's 2026/11/30).
    assert re.search(r'type="date" name="visit_date" value="\d{4}-\d{2}-\d{2}"', page) or \
        re.search(r'name="visit_date"[^>]*value="\d{4}-\d{2}-\d{2}"', page), page
    response = client.post(url, {
        "month": MONTH, "visit_date": TODAY.isoformat(), "cadre_name": "刘干部",
        "income_change": "up", "education_ok": "1", "medical_ok": "1", "housing_ok": "0",
        "water_ok": "", f"measure_{measure.pk}_status": "in_progress", "problems": "",
        "next_steps": "下月回访"})
    assert response.status_code == 302
    visit = FollowUpVisit.objects.get(household_id=plan.household_id)
    assert visit.housing_ok is False and visit.water_ok is None
    measure.refresh_from_db()
    assert measure.status == "in_progress"
    again = client.post(url, {"month": MONTH, "visit_date": TODAY.isoformat(),
                              "cadre_name": "刘干部", "income_change": "same"})
    assert "已登记跟踪走访" in again.content.decode()
    due = client.get("/assistance/").content.decode()
    assert 'data-testid="due-count">0<' in due
