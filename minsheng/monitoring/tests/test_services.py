import datetime as dt
from decimal import Decimal

import pytest

from minsheng.core.errors import InvalidInput, NotFound, PermissionDenied
from minsheng.core.models import AuditEvent
from minsheng.monitoring.models import RiskSignal, RunKind, RunStatus, ScreeningRun, SignalStatus
from minsheng.monitoring.selectors import signal_explanation
from minsheng.monitoring.services import (
    screening_execute,
    screening_queue,
    screening_run,
    simulation_run,
    what_if_parse,
)
from minsheng.policy import rules
from minsheng.policy.models import ParameterSnapshot, ScreeningDetermination
from minsheng.registry.models import Household
from minsheng.registry.services import ledger_save
from minsheng.testing import COUNTY_A, TOWNSHIP_A

from .conftest import ON

INCOME = "income_below_range"


def open_reasons(household):
    return set(RiskSignal.objects.filter(household=household, status=SignalStatus.OPEN)
               .values_list("reason_code", flat=True))


class ScreeningRunTests:
    def test_opens_one_signal_per_household_and_reason(self, personas, families):
        run = screening_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON)
        assert run.status == RunStatus.DONE
        assert open_reasons(families["poor"]) == {INCOME}
        assert open_reasons(families["poor_c"]) == {INCOME}
        assert open_reasons(families["middle"]) == set()
        assert open_reasons(families["rich"]) == set()
        # Out of the county: never screened.
        assert open_reasons(families["outside"]) == set()
        assert (run.evaluated, run.flagged, run.new_count, run.still_open, run.resolved) == \
            (4, 2, 2, 0, 0)

    def test_signal_keeps_figures_and_renders_the_rule_sentence(self, personas, families):
        screening_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON)
        signal = RiskSignal.objects.get(household=families["poor"])
        assert (signal.measured, signal.threshold, signal.people) == ("5000.00", "8500.00", 2)
        assert signal.region_id == families["poor"].region_id
        text = signal_explanation(signal)
        assert text == rules.explain(INCOME, measured="5000.00", threshold="8500.00", on=ON,
                                     region_code=signal.region_id)
        assert text.startswith("家庭人均纯收入 5,000 元，低于")
        assert "2026 年监测范围 8,500 元（【演示值】湖南省 2026 年度" in text

    def test_second_screening_creates_nothing_and_writes_nothing(self, personas, families):
        county = personas["county_office"]
        screening_run(actor=county, region_code=COUNTY_A, on=ON)
        before = list(RiskSignal.objects.order_by("pk").values())
        determinations = ScreeningDetermination.objects.count()
        again = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert (again.new_count, again.still_open, again.resolved) == (0, 2, 0)
        assert list(RiskSignal.objects.order_by("pk").values()) == before
        assert ScreeningDetermination.objects.count() == determinations

    def test_writes_one_determination_per_household_with_new_signals(self, personas, families):
        run = screening_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON)
        det = ScreeningDetermination.objects.get(household=families["poor"])
        assert det.source == f"screening:{run.pk}"
        assert (det.status, det.on, det.region_code) == ("risk", ON, families["poor"].region_id)
        assert det.reasons == [INCOME]
        # The facts the rules read, as the screening read them.
        facts = det.as_facts()
        assert (facts["other_members"], facts["members"]) == (2, [])
        assert facts["ledgers"]["2026"]["wage_income"] == "10000.00"
        assert set(facts["ledgers"]) == {"2026", "2025"}
        # One per household the run decided something about: the two with new signals.
        assert set(ScreeningDetermination.objects.filter(source=f"screening:{run.pk}")
                   .values_list("household_id", flat=True)) == {families["poor"].pk,
                                                                families["poor_c"].pk}
        # The basis: every rule's version and every parameter the rules use, stored once and
        # shared, without the village's code (the determination holds it).
        assert det.basis.rules == {rule.id: rule.version for rule in rules.RULES}
        assert ParameterSnapshot.objects.filter(pk=det.basis_id).count() == 1
        expected = rules.parameter_snapshot(on=ON, region_code=det.region_code)
        assert det.used_parameters == expected
        assert det.used_parameters["monitoring.range"]["value"] == "8500"
        assert det.used_parameters["monitoring.range"]["ref"]["document"]
        assert "region_code" not in det.basis.parameters["monitoring.range"]

    def test_marks_signal_resolved_by_data_when_income_rises(self, personas, families):
        county = personas["county_office"]
        first = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        poor = families["poor"]
        for ledger in poor.ledgers.all():
            ledger_save(actor=county, household=poor, year=ledger.year, version=ledger.version,
                        wage_income=Decimal(40_000))
        second = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert (second.new_count, second.still_open, second.resolved) == (0, 1, 1)
        signal = RiskSignal.objects.get(household=poor)  # kept, not deleted
        assert signal.status == SignalStatus.RESOLVED_BY_DATA
        assert (signal.first_run_id, signal.resolved_run_id, signal.resolved_on) == \
            (first.pk, second.pk, ON)
        # A risk that comes back later opens a new signal beside the resolved one.
        for ledger in poor.ledgers.all():
            ledger_save(actor=county, household=poor, year=ledger.year, version=ledger.version,
                        wage_income=Decimal(1_000))
        third = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert third.new_count == 1
        assert RiskSignal.objects.filter(household=poor).count() == 2
        fresh = RiskSignal.objects.get(household=poor, status=SignalStatus.OPEN)
        assert fresh.measured == "500.00"

    def test_updates_figures_of_a_signal_that_still_holds(self, personas, families):
        county = personas["county_office"]
        first = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        poor = families["poor"]
        for ledger in poor.ledgers.all():
            ledger_save(actor=county, household=poor, year=ledger.year, version=ledger.version,
                        wage_income=Decimal(12_000))
        second = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert (second.new_count, second.still_open, second.resolved) == (0, 2, 0)
        signal = RiskSignal.objects.get(household=poor)
        assert (signal.measured, signal.first_run_id, signal.last_run_id) == \
            ("6000.00", first.pk, second.pk)

    def test_dry_run_counts_and_writes_no_signal(self, personas, families):
        run = screening_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON,
                            dry_run=True)
        assert (run.dry_run, run.new_count, run.evaluated) == (True, 2, 4)
        assert not RiskSignal.objects.exists()
        assert not ScreeningDetermination.objects.exists()

    def test_screening_a_township_leaves_other_townships_alone(self, personas, families):
        county = personas["county_office"]
        screening_run(actor=county, region_code=COUNTY_A, on=ON)
        for ledger in families["poor_c"].ledgers.all():  # 白仓镇: would be resolved
            ledger_save(actor=county, household=families["poor_c"], year=ledger.year,
                        version=ledger.version, wage_income=Decimal(90_000))
        run = screening_run(actor=personas["township_station"], region_code=TOWNSHIP_A, on=ON)
        assert (run.evaluated, run.still_open, run.resolved) == (3, 1, 0)
        assert open_reasons(families["poor_c"]) == {INCOME}

    def test_archived_household_is_not_screened(self, personas, families):
        from minsheng.registry.services import household_archive

        county = personas["county_office"]
        screening_run(actor=county, region_code=COUNTY_A, on=ON)
        poor = Household.objects.get(pk=families["poor"].pk)
        household_archive(actor=county, household=poor, version=poor.version,
                          reason="other", note="测试")
        run = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert (run.evaluated, run.resolved) == (3, 1)

    def test_audits_each_run(self, personas, families):
        run = screening_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON)
        event = AuditEvent.objects.get(event_type="SCREENING_RUN", subject_id=str(run.pk))
        assert event.region_code == COUNTY_A
        assert event.extra["new_count"] == 2
        assert event.actor_username == "county_office"

    def test_refuses_region_outside_scope_with_chinese_message(self, personas, families):
        with pytest.raises(NotFound) as exc:
            screening_run(actor=personas["county_office"], region_code="430524", on=ON)
        assert exc.value.message == "区划「430524」不存在或不在您的管辖范围内。"
        assert not ScreeningRun.objects.exists()

    def test_refuses_roles_that_may_not_run(self, personas, families):
        for name in ("village_monitor", "auditor", "liaison"):
            with pytest.raises(PermissionDenied):
                screening_run(actor=personas[name], region_code=None, on=ON)

    def test_missing_parameter_fails_the_run_and_writes_nothing(self, personas, families):
        from minsheng.policy.errors import ParameterMissing

        with pytest.raises(ParameterMissing) as exc:
            screening_run(actor=personas["county_office"], region_code=COUNTY_A,
                          on=dt.date(2020, 6, 30))
        run = ScreeningRun.objects.get()
        assert run.status == RunStatus.FAILED
        assert run.message == exc.value.message
        assert "2020-06-30" in run.message
        assert not RiskSignal.objects.exists()
        assert not AuditEvent.objects.filter(event_type="SCREENING_RUN").exists()

    def test_queued_run_executes_once(self, personas, families):
        run = screening_queue(actor=personas["county_office"], region_code=COUNTY_A, on=ON)
        assert run.status == RunStatus.QUEUED
        screening_execute(run=run)
        with pytest.raises(InvalidInput) as exc:
            screening_execute(run=run)
        assert exc.value.message == f"筛查批次 #{run.pk} 已在运行或已结束。"


class SimulationTests:
    def test_counts_households_and_people_entering(self, personas, families):
        signals = list(RiskSignal.objects.values())
        run = simulation_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON,
                             what_if=["monitoring.range=13000"])
        assert run.kind == RunKind.SIMULATION and run.status == RunStatus.DONE
        assert run.overrides == {"monitoring.range": "13000"}
        totals = run.result["totals"]
        assert (totals["entering_households"], totals["entering_people"]) == (1, 3)
        assert (totals["leaving_households"], totals["leaving_people"]) == (0, 0)
        assert (totals["baseline_households"], totals["what_if_households"]) == (2, 3)
        by_reason = {(r["township"], r["reason_code"]): r for r in run.result["rows"]}
        row = by_reason[(TOWNSHIP_A[:9], INCOME)]
        assert (row["entering_households"], row["entering_people"], row["township_name"]) == \
            (1, 3, "塘渡口镇")
        assert list(RiskSignal.objects.values()) == signals == []
        assert not ScreeningDetermination.objects.exists()

    def test_counts_households_and_people_leaving(self, personas, families):
        run = simulation_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON,
                             what_if={"monitoring.range": "4500"})
        townships = {t["township"]: t for t in run.result["townships"]}
        assert (townships["430523100"]["leaving_households"],
                townships["430523100"]["leaving_people"]) == (1, 2)
        assert townships["430523101"]["leaving_households"] == 0
        assert (run.new_count, run.resolved) == (0, 1)

    def test_changes_nothing_in_registry_or_signals(self, personas, families):
        county = personas["county_office"]
        screening_run(actor=county, region_code=COUNTY_A, on=ON)
        signals = list(RiskSignal.objects.order_by("pk").values())
        households = list(Household.objects.order_by("pk").values("pk", "version"))
        simulation_run(actor=county, region_code=COUNTY_A, on=ON,
                       what_if=["monitoring.range=4500"])
        assert list(RiskSignal.objects.order_by("pk").values()) == signals
        assert list(Household.objects.order_by("pk").values("pk", "version")) == households

    def test_is_stored_and_audited(self, personas, families):
        run = simulation_run(actor=personas["county_office"], region_code=COUNTY_A, on=ON,
                             what_if=["monitoring.range=13000"])
        event = AuditEvent.objects.get(event_type="SIMULATION_RUN")
        assert event.subject_id == str(run.pk)
        assert event.extra["overrides"] == {"monitoring.range": "13000"}

    def test_only_county_office_may_simulate(self, personas, families):
        with pytest.raises(PermissionDenied):
            simulation_run(actor=personas["township_station"], region_code=None, on=ON,
                           what_if=["monitoring.range=13000"])


class WhatIfParseTests:
    def test_reads_value_with_the_parameter_unit(self, db):
        assert what_if_parse(["monitoring.range=9000"]) == {"monitoring.range": Decimal(9000)}

    @pytest.mark.parametrize(("items", "message"), [
        (["monitoring.nothing=1"], "未知的政策参数「monitoring.nothing」。"),
        (["monitoring.range"], "模拟参数「monitoring.range」格式有误，应为 参数名=取值，"
                               "如 monitoring.range=9000。"),
        ([], "请至少给出一个模拟参数（参数名=取值）。"),
        (["monitoring.range=1", "monitoring.range=2"], "模拟参数「monitoring.range」重复给出。"),
    ])
    def test_refuses_bad_keys(self, db, items, message):
        with pytest.raises(InvalidInput) as exc:
            what_if_parse(items)
        assert exc.value.message.startswith(message)

    def test_refuses_value_that_is_not_a_number(self, db):
        with pytest.raises(InvalidInput) as exc:
            what_if_parse(["monitoring.range=很多"])
        assert "monitoring.range" in exc.value.message
        assert "很多" in exc.value.message

    def test_refuses_value_outside_the_parameter_bounds(self, db):
        with pytest.raises(InvalidInput) as exc:
            what_if_parse(["monitoring.range=1"])
        assert exc.value.message == ("模拟参数「防止返贫监测范围（家庭年人均纯收入标准）」"
                                     "（monitoring.range）的取值 1 小于下限 1000。")

    def test_refuses_parameter_no_rule_uses(self, db):
        with pytest.raises(InvalidInput) as exc:
            what_if_parse(["procedure.identification.notice_days=5"])
        assert "不被任何筛查规则使用" in exc.value.message




class ScreeningDeterminationTests:
    """Each screening determination replays from its own facts and basis (``replay``) to the
    reasons stored and to the figures of the run's signals — also after the registry has
    changed."""

    def assert_replays(self, det):
        outcomes = det.replay()
        assert [o.rule_id for o in outcomes] == [rule.id for rule in rules.RULES]
        held = sorted(reason.code for o in outcomes for reason in o.reasons)
        assert held == det.reasons
        statuses = {o.status for o in outcomes}
        assert det.status == ("risk" if "risk" in statuses else
                              "unknown" if "unknown" in statuses else "clear")
        # The figures of the signals this run opened or changed are the replay's.
        figures = {reason.code: (reason.values.get("measured"), reason.values.get("threshold"))
                   for o in outcomes for reason in o.reasons}
        run_id = int(det.source.split(":")[1])
        for signal in RiskSignal.objects.filter(household_id=det.household_id,
                                                last_run_id=run_id, status=SignalStatus.OPEN):
            assert figures[signal.reason_code] == (signal.measured, signal.threshold), \
                signal.reason_code
        return outcomes

    def test_every_determination_replays_to_what_was_stored(self, personas, families):
        county = personas["county_office"]
        poor = families["poor"]
        # Give the poor household a member without insurance and a child of compulsory age
        # out of school, unsafe housing, a failing water check and high medical costs (two
        # reasons of one rule): every rule's facts matter.
        from minsheng.registry.services import household_update, member_add
        from minsheng.registry.testing import member_data

        child = member_data("失学儿童", dt.date(2014, 3, 1), 401, relation="son",
                            school_stage="not_in_school", medical_insurance=False)
        member_add(actor=county, household=poor, data=child)
        poor.refresh_from_db()
        household_update(actor=county, household=poor, version=poor.version,
                         housing_grade="D", water_quality_ok=False)
        ledger_save(actor=county, household=poor, year=2026,
                    version=poor.ledgers.get(year=2026).version,
                    medical_out_of_pocket=Decimal(30_000))
        run = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        stored = list(ScreeningDetermination.objects.filter(source=f"screening:{run.pk}"))
        det = next(d for d in stored if d.household_id == poor.pk)
        assert det.reasons == sorted([
            INCOME, "medical_over_income_share", "medical_over_threshold",
            "child_out_of_school", "member_uninsured", "housing_unsafe", "water_failing"])
        facts = det.as_facts()
        assert [m["name"] for m in facts["members"]] == ["失学儿童"]
        assert facts["other_members"] == 2
        # The registry changes afterwards; the replay still gives what was decided then.
        poor.refresh_from_db()
        household_update(actor=county, household=poor, version=poor.version,
                         housing_grade="A", water_quality_ok=True)
        for stored_det in stored:
            self.assert_replays(stored_det)

    def test_a_screening_dated_before_a_later_ledger_keeps_that_years_facts(self, personas,
                                                                           families):
        county = personas["county_office"]
        poor = families["poor"]
        ledger_save(actor=county, household=poor, year=2027, wage_income=Decimal(90_000))
        run = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        det = ScreeningDetermination.objects.get(source=f"screening:{run.pk}", household=poor)
        assert set(det.as_facts()["ledgers"]) == {"2026", "2025"}
        assert det.status == "risk"
        self.assert_replays(det)

    def test_changed_figures_store_a_new_determination_and_an_unchanged_run_none(
            self, personas, families):
        county = personas["county_office"]
        poor = families["poor"]
        first = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        ledger_save(actor=county, household=poor, year=2026,
                    version=poor.ledgers.get(year=2026).version, wage_income=Decimal(12_000))
        second = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        det = ScreeningDetermination.objects.get(source=f"screening:{second.pk}")
        assert det.household_id == poor.pk
        outcomes = self.assert_replays(det)
        assert outcomes[0].reasons[0].values["measured"] == "6000.00"
        first_det = ScreeningDetermination.objects.get(source=f"screening:{first.pk}",
                                                       household=poor)
        assert first_det.replay()[0].reasons[0].values["measured"] == "5000.00"
        third = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert not ScreeningDetermination.objects.filter(source=f"screening:{third.pk}").exists()

    def test_new_and_changed_signals_in_one_run_each_get_a_determination(
            self, personas, families):
        county = personas["county_office"]
        poor, middle = families["poor"], families["middle"]
        screening_run(actor=county, region_code=COUNTY_A, on=ON)
        ledger_save(actor=county, household=poor, year=2026,
                    version=poor.ledgers.get(year=2026).version, wage_income=Decimal(12_000))
        ledger_save(actor=county, household=middle, year=2026,
                    version=middle.ledgers.get(year=2026).version, wage_income=Decimal(3_000))
        run = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        # middle: below the line and a sharp drop (two new signals); poor: new figures.
        assert (run.new_count, run.resolved) == (2, 0)
        stored = {d.household_id: d for d in
                  ScreeningDetermination.objects.filter(source=f"screening:{run.pk}")}
        assert set(stored) == {poor.pk, middle.pk}
        assert stored[middle.pk].reasons == sorted([INCOME, "income_dropped"])
        assert stored[middle.pk].as_facts()["other_members"] == 3
        for det in stored.values():
            self.assert_replays(det)

    def test_a_household_whose_signals_all_resolve_gets_a_clear_determination(
            self, personas, families):
        county = personas["county_office"]
        poor = families["poor"]
        screening_run(actor=county, region_code=COUNTY_A, on=ON)
        ledger_save(actor=county, household=poor, year=2026,
                    version=poor.ledgers.get(year=2026).version, wage_income=Decimal(40_000))
        run = screening_run(actor=county, region_code=COUNTY_A, on=ON)
        assert run.resolved == 1
        det = ScreeningDetermination.objects.get(source=f"screening:{run.pk}")
        assert (det.household_id, det.status, det.reasons) == (poor.pk, "clear", [])
        assert all(o.status == "clear" for o in self.assert_replays(det))
