"""Each metric provider against the hand-computed fixture of ``conftest.py`` (the expected
numbers are worked out in the comments), and the provider contract for every listed provider."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.employment.stats import providers, scale, transfer, workshops
from minsheng.employment.stats.models import EmploymentTarget
from minsheng.regions.models import Region
from minsheng.testing import (
    CITY,
    COUNTY_A,
    OUTSIDE_VILLAGE,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

from .conftest import MONTH, OUTSIDE_COUNTY

TOWNSHIP_B = "430523101000"  # 白仓镇


def regions(*codes: str) -> list[Region]:
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes]


class TransferTests:
    def test_by_destination_and_lifted(self, ledger):
        got = transfer.region_month_values(
            regions(VILLAGE_A, VILLAGE_B, VILLAGE_C, TOWNSHIP_A, TOWNSHIP_B, COUNTY_A, CITY),
            MONTH)
        # 大岭: 甲 县内 (脱贫), 乙 省外 (脱贫), 丁 省内县外, 戊 县内; 丙 未就业 → 4 = 2 + 1 + 1, 脱贫 2
        assert got[VILLAGE_A] == {"transfer_employed": 4, "transfer_in_county": 2,
                                  "transfer_in_province": 1, "transfer_out_of_province": 1,
                                  "transfer_lifted": 2, "transfer_monitored": 0}
        # 石湾: 己 省内县外 (脱贫)
        assert got[VILLAGE_B] == {"transfer_employed": 1, "transfer_in_county": 0,
                                  "transfer_in_province": 1, "transfer_out_of_province": 0,
                                  "transfer_lifted": 1, "transfer_monitored": 0}
        # 四峰: 庚 省外 (脱贫); 辛 未就业 in October
        assert got[VILLAGE_C]["transfer_employed"] == 1
        assert got[VILLAGE_C]["transfer_out_of_province"] == 1
        # 塘渡口镇 = 大岭 + 石湾: 5 = 县内 2 + 省内 2 + 省外 1, 脱贫 3
        assert got[TOWNSHIP_A] == {"transfer_employed": 5, "transfer_in_county": 2,
                                   "transfer_in_province": 2, "transfer_out_of_province": 1,
                                   "transfer_lifted": 3, "transfer_monitored": 0}
        assert got[TOWNSHIP_B]["transfer_employed"] == 1
        # 邵阳县 = 5 + 1 = 6 (县内 2, 省内 2, 省外 2, 脱贫 4); 邵阳市 adds 隆回 壬 县内 脱贫 → 7, 5
        assert got[COUNTY_A] == {"transfer_employed": 6, "transfer_in_county": 2,
                                 "transfer_in_province": 2, "transfer_out_of_province": 2,
                                 "transfer_lifted": 4, "transfer_monitored": 0}
        assert got[CITY]["transfer_employed"] == 7
        assert got[CITY]["transfer_in_county"] == 3
        assert got[CITY]["transfer_lifted"] == 5

    def test_monitoring_objects_from_the_cases(self, ledger, monitored):
        """监测对象 join 脱贫人口 (each person once): H2 监测中 adds 丁, 戊; H3 (脱贫户, in the
        elimination procedure) stays 1; H6 (closed cases only) and H7 (still being identified)
        add workers but no 监测对象."""
        asked = regions(VILLAGE_A, VILLAGE_B, TOWNSHIP_A, COUNTY_A, CITY)
        with CaptureQueriesContext(connection) as queries:
            got = transfer.region_month_values(asked, MONTH)
        # one grouped query per level asked for (village, township, county, city), whatever
        # the number of people and cases: 监测对象 is a subquery, not a list read first
        assert len(queries.captured_queries) == 4
        # 大岭: 甲 县内, 乙 省外 (脱贫户 H1); 丁 省内县外, 戊 县内 (H2 监测中); 癸 县内 (H6, 不纳入
        # and 已标注风险消除) → 5 务工, 脱贫（含监测）4, 监测 2
        assert got[VILLAGE_A] == {"transfer_employed": 5, "transfer_in_county": 3,
                                  "transfer_in_province": 1, "transfer_out_of_province": 1,
                                  "transfer_lifted": 4, "transfer_monitored": 2}
        # 石湾: 己 省内县外 (脱贫户 H3, case in 风险消除：村级公示 → also 监测, counted once);
        # 子 省外 (H7, case at 县级审定: not yet a 监测对象)
        assert got[VILLAGE_B] == {"transfer_employed": 2, "transfer_in_county": 0,
                                  "transfer_in_province": 1, "transfer_out_of_province": 1,
                                  "transfer_lifted": 1, "transfer_monitored": 1}
        # 塘渡口镇 = 大岭 + 石湾: 7 (县内 3, 省内 2, 省外 2), 脱贫（含监测）5, 监测 3
        assert got[TOWNSHIP_A] == {"transfer_employed": 7, "transfer_in_county": 3,
                                   "transfer_in_province": 2, "transfer_out_of_province": 2,
                                   "transfer_lifted": 5, "transfer_monitored": 3}
        # 邵阳县 adds 四峰 庚 省外 (脱贫) → 8, 6, 3; 邵阳市 adds 隆回 壬 县内 (脱贫) → 9, 7, 3
        assert (got[COUNTY_A]["transfer_employed"], got[COUNTY_A]["transfer_lifted"],
                got[COUNTY_A]["transfer_monitored"]) == (8, 6, 3)
        assert (got[CITY]["transfer_employed"], got[CITY]["transfer_lifted"],
                got[CITY]["transfer_monitored"]) == (9, 7, 3)

    def test_a_month_counts_the_monitoring_objects_of_that_month(self, ledger, monitored):
        from minsheng.monitoring.models import MonitoringCase

        before = transfer.region_month_values(regions(VILLAGE_A, VILLAGE_B), MONTH)
        # H6 (大岭, 癸 县内): a third case, eliminated in November → a 监测对象 in October.
        # H7 (石湾, 子 省外): 纳入 in November → not yet one in October, though 监测中 today.
        for key, status, included, eliminated in (
                ("H6", "eliminated", dt.date(2025, 2, 1), dt.date(2025, 11, 20)),
                ("H7", "monitoring", dt.date(2025, 11, 5), None)):
            household = monitored[key]
            MonitoringCase.objects.filter(household=household, is_open=True).update(
                is_open=False)
            MonitoringCase.objects.create(household=household, region_id=household.region_id,
                                          status=status, is_open=status == "monitoring",
                                          included_on=included, eliminated_on=eliminated,
                                          step_started_at=timezone.now())
        got = transfer.region_month_values(regions(VILLAGE_A, VILLAGE_B), MONTH)
        assert got[VILLAGE_A]["transfer_monitored"] == before[VILLAGE_A]["transfer_monitored"] + 1
        assert got[VILLAGE_A]["transfer_lifted"] == before[VILLAGE_A]["transfer_lifted"] + 1
        assert got[VILLAGE_B] == before[VILLAGE_B]

    def test_other_month_and_empty_region(self, ledger):
        got = transfer.region_month_values(regions(COUNTY_A, OUTSIDE_VILLAGE), "2025-09")
        # September: 甲 县内 and 辛 县内, both 脱贫; nothing recorded in 隆回县
        assert got[COUNTY_A]["transfer_employed"] == 2
        assert got[COUNTY_A]["transfer_in_county"] == 2
        assert got[COUNTY_A]["transfer_lifted"] == 2
        assert got[OUTSIDE_VILLAGE] == {k: 0 for k, _l, _u in transfer.METRICS}


class ScaleTests:
    def test_target_month_yearly_and_sum_of_counties(self, ledger, targets):
        got = scale.region_month_values(
            regions(COUNTY_A, OUTSIDE_COUNTY, CITY, TOWNSHIP_A, VILLAGE_A), MONTH)
        # 邵阳县: October target 8 (the month's own), achieved 脱贫 务工 4 → 4 / 8 = 50.0 %
        assert got[COUNTY_A] == {"scale_target": 8, "scale_achieved": 4,
                                 "scale_rate": Decimal("50.0")}
        # 隆回县: no October target → the whole-year 4; achieved 1 (壬) → 25.0 %
        assert got[OUTSIDE_COUNTY] == {"scale_target": 4, "scale_achieved": 1,
                                       "scale_rate": Decimal("25.0")}
        # 邵阳市: no target of its own → 8 + 4 = 12; achieved 5 → 41.666… → 41.7 %
        assert got[CITY] == {"scale_target": 12, "scale_achieved": 5,
                             "scale_rate": Decimal("41.7")}
        # 塘渡口镇: no targets below the county; achieved 甲, 乙, 己 = 3
        assert got[TOWNSHIP_A] == {"scale_target": None, "scale_achieved": 3,
                                   "scale_rate": None}
        assert got[VILLAGE_A]["scale_achieved"] == 2

    def test_yearly_target_in_other_months_and_own_city_target(self, ledger, targets):
        EmploymentTarget.objects.create(region_id=CITY, year=2025, month=0, target=20)
        got = scale.region_month_values(regions(COUNTY_A, CITY), "2025-09")
        # September: 邵阳县 has no September target → 10; achieved 2 (甲, 辛) → 20.0 %
        assert got[COUNTY_A] == {"scale_target": 10, "scale_achieved": 2,
                                 "scale_rate": Decimal("20.0")}
        # the city's own target wins over the sum of its counties; 2 / 20 = 10.0 %
        assert got[CITY]["scale_target"] == 20
        assert got[CITY]["scale_rate"] == Decimal("10.0")

    def test_monitoring_objects_count_towards_the_scale(self, ledger, monitored, targets):
        got = scale.region_month_values(regions(COUNTY_A, TOWNSHIP_A), MONTH)
        # 邵阳县: 脱贫（含监测）务工 6 (see the transfer test) against the October target 8
        assert got[COUNTY_A] == {"scale_target": 8, "scale_achieved": 6,
                                 "scale_rate": Decimal("75.0")}
        assert got[TOWNSHIP_A]["scale_achieved"] == 5

    def test_no_target_other_year(self, ledger, targets):
        got = scale.region_month_values(regions(COUNTY_A), "2026-01")
        assert got[COUNTY_A] == {"scale_target": None, "scale_achieved": 0, "scale_rate": None}


class WorkshopTests:
    def test_october(self, workshops):
        got = workshops_values(VILLAGE_A, VILLAGE_B, VILLAGE_C, COUNTY_A, CITY)
        # 大岭 W1: 复工 on 10-05 → producing, 10 jobs; in post at 10-31: a, b, c (d left 10-15);
        # 脱贫/监测 among them: a, b
        assert got[VILLAGE_A] == {"workshops_total": 1, "workshops_producing": 1,
                                  "workshops_stopped": 0, "workshops_resume_rate": Decimal("100.0"),
                                  "workshop_jobs": 10, "workshop_workers": 3,
                                  "workshop_lifted_workers": 2}
        # 四峰 W2: stopped on 10-20 → no jobs counted; f in post (e starts 11-01)
        assert got[VILLAGE_C] == {"workshops_total": 1, "workshops_producing": 0,
                                  "workshops_stopped": 1, "workshops_resume_rate": Decimal("0.0"),
                                  "workshop_jobs": 0, "workshop_workers": 1,
                                  "workshop_lifted_workers": 1}
        # 石湾 W3 is registered in November: nothing yet, no rate
        assert got[VILLAGE_B]["workshops_total"] == 0
        assert got[VILLAGE_B]["workshops_resume_rate"] is None
        # 邵阳县: 2 workshops, 1 producing → 50.0 %; jobs 10; workers 3 + 1; 脱贫/监测 2 + 1
        assert got[COUNTY_A] == {"workshops_total": 2, "workshops_producing": 1,
                                 "workshops_stopped": 1, "workshops_resume_rate": Decimal("50.0"),
                                 "workshop_jobs": 10, "workshop_workers": 4,
                                 "workshop_lifted_workers": 3}
        # 邵阳市 adds 隆回 W4 (producing since January, 3 jobs, no workers) → 3, 2 → 66.7 %
        assert got[CITY]["workshops_total"] == 3
        assert got[CITY]["workshops_producing"] == 2
        assert got[CITY]["workshops_resume_rate"] == Decimal("66.7")
        assert got[CITY]["workshop_jobs"] == 13

    def test_september(self, workshops):
        got = workshops_values(COUNTY_A, month="2025-09")
        # W1 stopped since 08-10, W2 producing (6 jobs); in post at 09-30: a, b, c, d, f = 5,
        # 脱贫/监测: a, b, d, f = 4
        assert got[COUNTY_A] == {"workshops_total": 2, "workshops_producing": 1,
                                 "workshops_stopped": 1, "workshops_resume_rate": Decimal("50.0"),
                                 "workshop_jobs": 6, "workshop_workers": 5,
                                 "workshop_lifted_workers": 4}

    def test_before_any_workshop(self, workshops):
        got = workshops_values(COUNTY_A, month="2025-02")
        assert got[COUNTY_A]["workshops_total"] == 0
        assert got[COUNTY_A]["workshop_workers"] == 0


def workshops_values(*codes: str, month: str = MONTH):
    return workshops.region_month_values(regions(*codes), month)


class ContractTests:
    @pytest.mark.parametrize("path", providers.PROVIDERS)
    def test_every_provider_imports_and_answers_for_every_region(self, path, ledger, workshops,
                                                                 targets):
        module = importlib.import_module(path)
        keys = [key for key, _label, _unit in module.METRICS]
        assert keys and len(keys) == len(set(keys))
        assert all(label and unit for _key, label, unit in module.METRICS)
        asked = regions(VILLAGE_A, TOWNSHIP_A, COUNTY_A, CITY)
        got = module.region_month_values(asked, MONTH)
        assert set(got) == {r.code for r in asked}
        for values in got.values():
            assert set(values) == set(keys)
            assert all(v is None or isinstance(v, int | Decimal) for v in values.values())

    @pytest.mark.parametrize("path", providers.PROVIDERS)
    def test_set_based_queries_do_not_grow_with_regions(self, path, ledger, workshops, targets):
        module = importlib.import_module(path)
        with CaptureQueriesContext(connection) as one:
            module.region_month_values(regions(VILLAGE_A), MONTH)
        with CaptureQueriesContext(connection) as three:
            module.region_month_values(regions(VILLAGE_A, VILLAGE_B, VILLAGE_C), MONTH)
        assert len(three.captured_queries) == len(one.captured_queries)

    def test_metric_keys_are_unique_across_providers(self):
        keys = [m.key for m in providers.metrics()]
        assert len(keys) == len(set(keys))

    def test_a_missing_provider_fails_loudly(self):
        with pytest.raises(ModuleNotFoundError):
            providers.load(["minsheng.employment.stats.no_such_provider"])


class TrendTests:
    def test_one_call_per_provider_and_month(self, personas, ledger, targets, monkeypatch):
        from types import SimpleNamespace

        from minsheng.employment.stats import selectors

        calls: list[str] = []

        def fake(regions, month):
            calls.append(month)
            return {r.code: {"n": len(calls)} for r in regions}

        module = SimpleNamespace(__name__="fake", METRICS=[("n", "次数", "次")],
                                 region_month_values=fake)
        monkeypatch.setattr(providers, "load", lambda paths=None: [module])
        county = Region.objects.get(code=COUNTY_A)
        trend = selectors.stats_trend(actor=personas["county_office"], month="2025-12",
                                      region=county)
        assert [m for m, _v in trend] == [f"2025-{m:02d}" for m in range(1, 13)]
        assert calls == [m for m, _v in trend]  # twelve calls, one per month, no more

    def test_real_trend_for_the_county(self, personas, ledger, targets, workshops):
        from minsheng.employment.stats import selectors

        county = Region.objects.get(code=COUNTY_A)
        trend = dict(selectors.stats_trend(actor=personas["county_office"], month=MONTH,
                                           region=county))
        assert len(trend) == 10
        # September as hand-computed above: 2 at work, target 10 → 20.0 %, 1 of 2 workshops on
        assert trend["2025-09"]["transfer_employed"] == 2
        assert trend["2025-09"]["scale_rate"] == Decimal("20.0")
        assert trend["2025-09"]["workshops_producing"] == 1
        assert trend["2025-10"]["scale_rate"] == Decimal("50.0")

    def test_trend_outside_scope_is_not_found(self, personas, ledger):
        from minsheng.core.errors import NotFound
        from minsheng.employment.stats import selectors

        county = Region.objects.get(code=COUNTY_A)
        with pytest.raises(NotFound):
            selectors.stats_trend(actor=personas["township_station"], month=MONTH, region=county)
