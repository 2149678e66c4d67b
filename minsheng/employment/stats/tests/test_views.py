"""The statistics page: scope (a township sees its villages; outside is 404), drill-down, the
charts' data, the audited export; the target pages; the workshop map."""

from __future__ import annotations

import io
import json

import pytest
from python_calamine import CalamineWorkbook

from minsheng.core.models import AuditEvent, AuditEventType
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.testing import COUNTY_A, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, VILLAGE_C

from .conftest import MONTH


def rows_of(response) -> list[str]:
    return [r.region.code for r in response.context["table"].rows]


class StatsPageTests:
    def test_township_sees_its_villages_and_its_total(self, client_for, ledger, targets):
        response = client_for("township_station").get(f"/employment/stats/?month={MONTH}")
        assert response.status_code == 200
        assert rows_of(response) == [VILLAGE_A, VILLAGE_B]
        table = response.context["table"]
        assert table.region.code == TOWNSHIP_A
        # 塘渡口镇: 5 at work (甲 乙 丁 戊 己), 3 of them 脱贫; no target below the county
        assert table.total["transfer_employed"] == 5
        assert table.total["scale_achieved"] == 3
        assert table.total["scale_target"] is None
        body = response.content.decode()
        assert "四峰社区" not in body
        assert 'data-testid="stats-total"' in body

    @pytest.mark.parametrize("code", [COUNTY_A, VILLAGE_C, "430524000000", "999999999999"])
    def test_township_outside_its_scope_is_404(self, client_for, ledger, code):
        response = client_for("township_station").get(f"/employment/stats/?region={code}")
        assert response.status_code == 404

    def test_drill_down_to_a_village(self, client_for, ledger):
        client = client_for("county_office")
        top = client.get(f"/employment/stats/?month={MONTH}")
        assert rows_of(top) == [TOWNSHIP_A, "430523101000"]
        assert f'href="?region={TOWNSHIP_A}&month={MONTH}"' in top.content.decode()
        village = client.get(f"/employment/stats/?region={VILLAGE_A}&month={MONTH}")
        assert village.status_code == 200
        assert rows_of(village) == []  # a village has no children: the total is the village
        assert village.context["table"].total["transfer_employed"] == 4

    def test_charts_and_trend(self, client_for, ledger, targets, workshops):
        response = client_for("county_office").get(f"/employment/stats/?month={MONTH}")
        charts = response.context["charts"]
        assert charts["regions"] == ["塘渡口镇", "白仓镇"]
        destinations = {s["name"]: s["data"] for s in charts["destinations"]}
        assert destinations == {"县内务工": [2, 0], "省内县外务工": [2, 0], "省外务工": [1, 1]}
        assert charts["months"] == [f"2025-{m:02d}" for m in range(1, 11)]
        trend = {s["name"]: s["data"] for s in charts["trend"]}
        # September: 2 at work, target 10 (the yearly one); October: 6 at work, target 8
        assert trend["务工人数"][8:] == [2, 6]
        assert trend["务工规模目标"][8:] == [10, 8]
        assert trend["务工规模目标"][0] == 10
        assert 'id="stats-charts"' in response.content.decode()

    def test_village_monitor_defaults_to_its_village(self, client_for, ledger):
        response = client_for("village_monitor").get(f"/employment/stats/?month={MONTH}")
        assert response.status_code == 200
        assert response.context["table"].region.code == VILLAGE_A
        assert response.context["can_export"] is False
        assert client_for("village_monitor").get("/employment/stats/export.xlsx").status_code == 404

    @pytest.mark.parametrize("persona", ["liaison", "enterprise", "sys_admin"])
    def test_roles_without_statistics_get_404(self, client_for, persona):
        assert client_for(persona).get("/employment/stats/").status_code == 404

    def test_bad_month_is_a_chinese_error(self, client_for, ledger):
        response = client_for("county_office").get("/employment/stats/?month=2025-13")
        assert response.status_code == 400
        assert "月份" in response.content.decode()


class ExportTests:
    def test_export_is_audited_and_matches_the_table(self, client_for, ledger, targets):
        before = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).count()
        response = client_for("township_station").get(
            f"/employment/stats/export.xlsx?month={MONTH}")
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        header = sheet[0]
        assert header[:3] == ["区划代码", "区划", "务工人数（人）"]
        by_code = {row[0]: row for row in sheet[1:]}
        assert set(by_code) == {VILLAGE_A, VILLAGE_B, TOWNSHIP_A}
        assert by_code[VILLAGE_A][2] == 4
        assert by_code[TOWNSHIP_A][1] == "塘渡口镇（合计）"
        assert by_code[TOWNSHIP_A][2] == 5
        target_col = header.index("务工规模目标（人）")
        assert by_code[TOWNSHIP_A][target_col] == ""
        event = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).latest("id")
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).count() == before + 1
        assert event.region_code == TOWNSHIP_A
        assert event.extra["month"] == MONTH

    def test_export_outside_scope_is_404_and_not_audited(self, client_for, ledger):
        before = AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).count()
        response = client_for("township_station").get(
            f"/employment/stats/export.xlsx?month={MONTH}&region={COUNTY_A}")
        assert response.status_code == 404
        assert AuditEvent.objects.filter(event_type=AuditEventType.EXPORTED).count() == before


class TargetPageTests:
    def test_county_office_enters_and_corrects_a_target(self, client_for, personas):
        client = client_for("county_office")
        response = client.post("/employment/stats/targets/new/", {
            "region": COUNTY_A, "year": 2025, "month": 10, "target": 8,
            "reference": "邵人社发〔2025〕1号"})
        assert response.status_code == 302
        target = EmploymentTarget.objects.get(region_id=COUNTY_A, year=2025, month=10)
        assert target.created_by == personas["county_office"]
        again = client.post("/employment/stats/targets/new/", {
            "region": COUNTY_A, "year": 2025, "month": 10, "target": 9})
        assert "已经录入" in again.content.decode()
        stale = client.post(f"/employment/stats/targets/{target.pk}/edit/",
                            {"target": 12, "version": 0})
        assert "已被他人修改" in stale.content.decode()
        ok = client.post(f"/employment/stats/targets/{target.pk}/edit/",
                         {"target": 12, "reference": "", "version": 1})
        assert ok.status_code == 302
        target.refresh_from_db()
        assert (target.target, target.version) == (12, 2)
        assert AuditEvent.objects.filter(event_type=AuditEventType.EMPLOYMENT_UPDATED,
                                         subject_type="employment_stats.employmenttarget",
                                         subject_id=str(target.pk)).count() == 2

    def test_township_reads_but_cannot_enter(self, client_for, targets):
        client = client_for("township_station")
        assert client.get("/employment/stats/targets/").status_code == 200
        assert client.get("/employment/stats/targets/new/").status_code == 404
        assert client.post(f"/employment/stats/targets/{targets[0].pk}/delete/",
                           {"version": 1}).status_code == 404

    def test_list_is_scoped(self, client_for, targets):
        body = client_for("county_office").get("/employment/stats/targets/").content.decode()
        assert "邵阳县" in body and "隆回县" not in body


class WorkshopMapTests:
    def test_points_and_workshops_without_coordinates(self, client_for, workshops):
        response = client_for("city_office").get("/employment/workshops/map/")
        assert response.status_code == 200
        chart = json.loads(response.context["chart"])
        producing = {p["name"]: p for p in chart["producing"]}
        stopped = {p["name"] for p in chart["stopped"]}
        # 湘妹子制衣 has coordinates; W1 (复工) and W3 producing, W2 stopped
        assert set(producing) == {"大岭制衣车间", "石湾制衣车间"}
        assert stopped == {"四峰制衣车间"}
        assert producing["大岭制衣车间"]["value"] == [111.25, 27.1]
        assert producing["大岭制衣车间"]["recognized"] is False
        assert producing["大岭制衣车间"]["source"] == "企业"
        # 隆回竹编 has none: its workshop is listed below the chart
        assert [p.workshop.name for p in response.context["unplaced"]] == ["荷叶塘竹编车间"]
        body = response.content.decode()
        assert "不加载任何在线地图底图" in body
        assert "vendor/echarts-5.6.0.min.js" in body

    def test_scoped(self, client_for, workshops):
        response = client_for("township_station").get("/employment/workshops/map/")
        names = {p.workshop.name for p in response.context["placed"]}
        names |= {p.workshop.name for p in response.context["unplaced"]}
        assert names == {"大岭制衣车间", "石湾制衣车间"}
        assert client_for("liaison").get("/employment/workshops/map/").status_code == 404

    def test_village_coordinates_come_first(self, client_for, workshops):
        from decimal import Decimal

        from django.apps import apps

        try:
            model = apps.get_model("employment", "VillageLocation")
        except LookupError:  # pragma: no cover - the jobs part keeps village coordinates
            pytest.skip("no village coordinates in this version")
        model.objects.create(region_id=VILLAGE_C, lng=Decimal("111.300000"),
                             lat=Decimal("27.200000"))
        chart = json.loads(client_for("city_office").get("/employment/workshops/map/")
                           .context["chart"])
        four_peaks = next(p for p in chart["stopped"] if p["name"] == "四峰制衣车间")
        assert (four_peaks["value"], four_peaks["source"]) == ([111.3, 27.2], "所在村")
