"""Screening pages: scope (404), permissions, rendering, background run, audited export."""

from python_calamine import CalamineWorkbook

from minsheng.core.models import AuditEvent
from minsheng.monitoring.models import RiskSignal, RunKind, RunStatus, ScreeningRun
from minsheng.monitoring.services import screening_run

from .conftest import ON


def screen(personas):
    return screening_run(actor=personas["county_office"], region_code="430523", on=ON)


class OverviewTests:
    def test_counts_by_township_and_reason(self, personas, families, client_for):
        screen(personas)
        response = client_for("county_office").get("/monitoring/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "人均纯收入低于监测范围" in html
        assert "塘渡口镇" in html and "白仓镇" in html
        assert 'data-testid="signal-total">2<' in html
        assert 'data-testid="screening-form"' in html

    def test_village_monitor_sees_results_without_run_form(self, personas, families,
                                                           client_for):
        screen(personas)
        html = client_for("village_monitor").get("/monitoring/").content.decode()
        assert 'data-testid="screening-form"' not in html
        # Only its own village (大岭社区 of 塘渡口镇) counts: the poor household there.
        assert 'data-testid="signal-total">1<' in html

    def test_roles_without_signals_get_404(self, personas, client_for):
        for name in ("liaison", "enterprise", "sys_admin"):
            assert client_for(name).get("/monitoring/").status_code == 404

    def test_anonymous_is_sent_to_login(self, personas, client):
        response = client.get("/monitoring/")
        assert response.status_code == 302 and "/login/" in response["Location"]


class RunPageTests:
    def test_start_runs_as_background_task_and_page_shows_counts(
            self, personas, families, client_for, django_capture_on_commit_callbacks):
        client = client_for("county_office")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/monitoring/runs/new/", {"region": "430523",
                                                             "on": "2026-06-30"})
        run = ScreeningRun.objects.get()
        assert response["Location"] == f"/monitoring/runs/{run.pk}/"
        assert run.status == RunStatus.DONE and run.new_count == 2
        page = client.get(f"/monitoring/runs/{run.pk}/").content.decode()
        assert 'data-testid="new-count">2<' in page
        assert RiskSignal.objects.count() == 2

    def test_queued_run_page_polls(self, personas, families, client_for):
        client = client_for("county_office")
        client.post("/monitoring/runs/new/", {"region": "430523", "on": "2026-06-30"})
        run = ScreeningRun.objects.get()  # the task is enqueued on commit: still queued here
        assert run.status == RunStatus.QUEUED
        partial = client.get(f"/monitoring/runs/{run.pk}/", headers={"HX-Request": "true"})
        html = partial.content.decode()
        assert 'hx-trigger="every 1s"' in html and "<html" not in html

    def test_out_of_scope_region_is_refused_in_chinese(self, personas, families, client_for):
        response = client_for("county_office").post(
            "/monitoring/runs/new/", {"region": "430524", "on": "2026-06-30"}, follow=True)
        assert "区划「430524」不存在或不在您的管辖范围内。" in response.content.decode()
        assert not ScreeningRun.objects.exists()

    def test_village_monitor_may_not_start(self, personas, families, client_for):
        response = client_for("village_monitor").post("/monitoring/runs/new/",
                                                      {"on": "2026-06-30"})
        assert response.status_code == 404
        assert not ScreeningRun.objects.exists()

    def test_run_of_another_county_is_404(self, personas, families, client_for):
        run = screen(personas)
        assert client_for("outsider").get(f"/monitoring/runs/{run.pk}/").status_code == 404
        assert client_for("city_office").get(f"/monitoring/runs/{run.pk}/").status_code == 200


class SignalListTests:
    def test_lists_households_with_explanations_and_masked_phone(self, personas, families,
                                                                 client_for):
        screen(personas)
        html = client_for("county_office").get(
            "/monitoring/signals/?reason_code=income_below_range&township=430523100"
        ).content.decode()
        assert "S-POOR" in html and "S-POOR-C" not in html
        assert "家庭人均纯收入 5,000 元，低于" in html and "2026 年监测范围 8,500 元" in html
        assert f'href="/households/{families["poor"].pk}/"' in html
        assert 'data-testid="signal-count">1<' in html

    def test_query_count_stays_flat_when_signals_grow(self, personas, families, client_for,
                                                       django_assert_max_num_queries):
        from .conftest import register

        screen(personas)
        client = client_for("county_office")
        with django_assert_max_num_queries(20) as few:
            client.get("/monitoring/signals/")
        for n in range(8):
            register(personas["county_office"], f"S-MORE{n}", "430523100002", 1_000 * (n + 1), 1)
        screen(personas)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get("/monitoring/signals/")
        assert 'data-testid="signal-count">10<' in response.content.decode()

    def test_filters_by_status(self, personas, families, client_for):
        screen(personas)
        html = client_for("county_office").get(
            "/monitoring/signals/?status=resolved_by_data").content.decode()
        assert 'data-testid="signal-count">0<' in html

    def test_outsider_sees_none_of_the_county(self, personas, families, client_for):
        screen(personas)
        html = client_for("outsider").get("/monitoring/signals/").content.decode()
        assert 'data-testid="signal-count">0<' in html


class ExportTests:
    def test_export_is_audited_and_scoped(self, personas, families, client_for, tmp_path):
        screen(personas)
        response = client_for("township_station").get("/monitoring/signals/export.xlsx")
        assert response.status_code == 200
        path = tmp_path / "x.xlsx"
        path.write_bytes(b"".join(response.streaming_content))
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert rows[0][:5] == ["户编号", "户主", "所在村", "乡镇", "风险原因"]
        assert [r[0] for r in rows[1:]] == ["S-POOR"]  # 白仓镇 is outside the township
        assert rows[1][5].startswith("家庭人均纯收入 5,000 元")
        event = AuditEvent.objects.get(event_type="EXPORTED", subject_type="monitoring.risksignal")
        assert event.extra["rows"] == 1 and event.actor_username == "township_station"


class SimulationPageTests:
    def test_county_office_runs_and_sees_result(self, personas, families, client_for):
        client = client_for("county_office")
        response = client.post("/monitoring/simulations/", {
            "region": "430523", "on": "2026-06-30", "what_if": "monitoring.range=13000"})
        run = ScreeningRun.objects.get(kind=RunKind.SIMULATION)
        assert response["Location"] == f"/monitoring/simulations/{run.pk}/"
        html = client.get(response["Location"]).content.decode()
        assert 'data-testid="entering">1 户 / 3 人<' in html
        listing = client.get("/monitoring/simulations/").content.decode()
        assert "monitoring.range=13000" in listing
        assert not RiskSignal.objects.exists()

    def test_bad_parameter_is_shown_in_chinese(self, personas, families, client_for):
        response = client_for("county_office").post("/monitoring/simulations/", {
            "on": "2026-06-30", "what_if": "monitoring.range=abc"})
        assert response.status_code == 200
        assert 'data-testid="simulation-error"' in response.content.decode()
        assert not ScreeningRun.objects.exists()

    def test_township_station_may_view_but_not_run(self, personas, families, client_for):
        client = client_for("township_station")
        html = client.get("/monitoring/simulations/").content.decode()
        assert 'data-testid="simulation-form"' not in html
        response = client.post("/monitoring/simulations/", {
            "on": "2026-06-30", "what_if": "monitoring.range=13000"})
        assert response.status_code == 404

    def test_simulation_of_another_county_is_404(self, personas, families, client_for):
        from minsheng.monitoring.services import simulation_run

        run = simulation_run(actor=personas["county_office"], region_code="430523", on=ON,
                             what_if=["monitoring.range=13000"])
        assert client_for("outsider").get(f"/monitoring/simulations/{run.pk}/").status_code \
            == 404
        # A simulation is not a screening run page, and the other way round.
        assert client_for("county_office").get(f"/monitoring/runs/{run.pk}/").status_code \
            == 404
