"""Loading and lookup: the most specific region wins, then its parents, then the national value;
date boundaries are exact; nothing in force raises (never a silent 0)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minsheng.core.errors import InvalidInput
from minsheng.policy import parameters as parameters_module
from minsheng.policy.errors import ParameterFilesInvalid, ParameterMissing, UnknownParameter
from minsheng.policy.parameters import (
    PARAMETERS_DIR,
    ParameterSet,
    default_parameters,
    load_directory,
    parameter_value,
    region_chain,
)
from minsheng.policy.tests.helpers import entry, parameter_file, write

D = dt.date

# National from 2024-01-01 (100) and 2025-01-01 (110); 湖南省 from 2024-07-01 (200); 邵阳县 for
# 2025 only (300, until 2025-12-31); 塘渡口镇 from 2025-03-01 (400).
LAYERED = parameter_file(
    entry("2024-01-01", "100"),
    entry("2025-01-01", "110"),
    entry("2024-07-01", "200", region='"43"'),
    entry("2025-01-01", "300", region='"430523"', until="2025-12-31"),
    entry("2025-03-01", "400", region='"430523100"'),
)
VILLAGE_A = "430523100001"  # 大岭社区, in 塘渡口镇
VILLAGE_C = "430523101002"  # 四峰社区, in 白仓镇 (same county, no township value)
OTHER_COUNTY = "430524"  # 隆回县
OTHER_PROVINCE = "44"


@pytest.fixture
def params(tmp_path) -> ParameterSet:
    write(tmp_path, {"test/layered.yaml": LAYERED})
    return ParameterSet.from_directory(tmp_path)


def lookup(params: ParameterSet, on: dt.date, region: str) -> tuple[Decimal, str]:
    found = params.value("test.layered", on=on, region_code=region)
    return found.value, found.source_region  # type: ignore[return-value]


class RegionFallbackTests:
    def test_uses_the_township_value_when_the_village_is_inside_it(self, params):
        assert lookup(params, D(2025, 6, 1), VILLAGE_A) == (400, "430523100000")

    def test_uses_the_county_value_when_the_township_has_none(self, params):
        assert lookup(params, D(2025, 6, 1), VILLAGE_C) == (300, "430523000000")

    def test_uses_the_province_value_when_the_county_has_none(self, params):
        assert lookup(params, D(2025, 6, 1), OTHER_COUNTY) == (200, "430000000000")

    def test_uses_the_national_value_when_no_region_in_the_chain_has_one(self, params):
        assert lookup(params, D(2025, 6, 1), OTHER_PROVINCE) == (110, "")

    def test_a_region_value_wins_over_a_later_national_value(self, params):
        # The national figure changed on 2025-01-01; 湖南省's own (2024-07-01) still applies.
        assert lookup(params, D(2025, 1, 1), OTHER_COUNTY) == (200, "430000000000")

    def test_accepts_every_code_length_when_they_name_the_same_region(self, params):
        for code in ("430523", "430523000000"):
            assert lookup(params, D(2025, 6, 1), code) == (300, "430523000000")
        for code in ("43", "4300", "430000", "430000000", "430000000000"):
            assert lookup(params, D(2025, 6, 1), code) == (200, "430000000000")

    def test_region_chain_lists_the_region_its_parents_and_national(self):
        assert region_chain(VILLAGE_A) == ("430523100001", "430523100000", "430523000000",
                                           "430500000000", "430000000000", "")
        assert region_chain("43") == ("430000000000", "")


class DateBoundaryTests:
    def test_raises_the_day_before_the_first_national_value(self, params):
        with pytest.raises(ParameterMissing):
            lookup(params, D(2023, 12, 31), OTHER_PROVINCE)

    def test_applies_on_and_after_the_effective_date(self, params):
        assert lookup(params, D(2024, 1, 1), OTHER_PROVINCE) == (100, "")
        assert lookup(params, D(2024, 1, 2), OTHER_PROVINCE) == (100, "")

    def test_switches_exactly_on_the_effective_date_of_a_new_value(self, params):
        assert lookup(params, D(2024, 12, 31), OTHER_PROVINCE) == (100, "")
        assert lookup(params, D(2025, 1, 1), OTHER_PROVINCE) == (110, "")
        assert lookup(params, D(2025, 1, 2), OTHER_PROVINCE) == (110, "")

    def test_uses_the_parent_the_day_before_a_region_value_starts(self, params):
        assert lookup(params, D(2024, 6, 30), OTHER_COUNTY) == (100, "")
        assert lookup(params, D(2024, 7, 1), OTHER_COUNTY) == (200, "430000000000")
        assert lookup(params, D(2024, 7, 2), OTHER_COUNTY) == (200, "430000000000")
        assert lookup(params, D(2025, 2, 28), VILLAGE_A) == (300, "430523000000")
        assert lookup(params, D(2025, 3, 1), VILLAGE_A) == (400, "430523100000")

    def test_falls_back_to_the_parent_the_day_after_a_region_value_ends(self, params):
        assert lookup(params, D(2025, 12, 31), VILLAGE_C) == (300, "430523000000")
        assert lookup(params, D(2026, 1, 1), VILLAGE_C) == (200, "430000000000")

    def test_raises_when_the_only_value_has_expired(self, tmp_path):
        write(tmp_path, {"yearly.yaml": parameter_file(entry("2024-01-01", until="2024-12-31"))})
        params = ParameterSet.from_directory(tmp_path)
        assert params.value("yearly", on=D(2024, 12, 31), region_code="43").value == 100
        with pytest.raises(ParameterMissing):
            params.value("yearly", on=D(2025, 1, 1), region_code="43")

    def test_rejects_a_datetime_or_a_string_when_a_date_is_needed(self, params):
        for on in (dt.datetime(2025, 6, 1, tzinfo=dt.UTC), "2025-06-01"):
            with pytest.raises(TypeError):
                params.value("test.layered", on=on, region_code="43")  # type: ignore[arg-type]


class MissingValueTests:
    def test_raises_with_a_chinese_message_naming_parameter_date_and_region(self, params):
        with pytest.raises(ParameterMissing) as exc:
            lookup(params, D(2023, 12, 31), VILLAGE_A)
        assert exc.value.message == (
            "政策参数「测试参数」（test.layered）在 2023-12-31 没有适用于区划 430523100001 的取值"
            "（本区划、各级上级区划和全国均未设定或已过期），无法计算，请联系管理员补充。")

    def test_raises_when_only_another_province_has_a_value(self, tmp_path):
        write(tmp_path, {"local.yaml": parameter_file(entry(region='"43"'))})
        params = ParameterSet.from_directory(tmp_path)
        assert params.value("local", on=D(2024, 1, 1), region_code="4305").value == 100
        with pytest.raises(ParameterMissing):
            params.value("local", on=D(2024, 1, 1), region_code="44")

    def test_raises_unknown_parameter_when_no_file_defines_the_name(self, params):
        with pytest.raises(UnknownParameter) as exc:
            params.value("test.nothing", on=D(2025, 1, 1), region_code="43")
        assert exc.value.message == "未定义的政策参数「test.nothing」。"

    @pytest.mark.parametrize("code", ["", "4", "430", "4305231", "43052310000X", "00", 43])
    def test_rejects_a_malformed_region_code(self, params, code):
        with pytest.raises(InvalidInput) as exc:
            params.value("test.layered", on=D(2025, 1, 1), region_code=code)
        assert exc.value.message == f"区划代码「{code}」格式不正确：应为 2、4、6、9 或 12 位数字。"


class ValueTests:
    def test_returns_the_entry_used_with_its_reference(self, params):
        found = params.value("test.layered", on=D(2025, 6, 1), region_code=VILLAGE_C)
        assert found.value == Decimal(300) and isinstance(found.value, Decimal)
        assert found.unit == "元/年"
        assert found.region_code == VILLAGE_C
        assert found.entry.effective == D(2025, 1, 1)
        assert found.entry.until == D(2025, 12, 31)
        assert found.entry.index == 4
        assert found.ref.document == "测试文件"
        assert found.ref.verified is True
        assert found.snapshot() == {
            "name": "test.layered", "value": "300", "unit": "元/年", "on": "2025-06-01",
            "region_code": VILLAGE_C, "source_region": "430523000000",
            "effective": "2025-01-01", "until": "2025-12-31",
            "ref": {"document": "测试文件", "issuer": "测试机关", "date": "2024-01-01", "url": "",
                    "verified": True},
        }

    def test_reads_each_unit_kind_as_its_python_type(self, tmp_path):
        write(tmp_path, {
            "money.yaml": parameter_file(entry(value="1234.5")),
            "days.yaml": parameter_file(entry(value="15"), head="description: 天数\nunit: 天\n"),
            "share.yaml": parameter_file(entry(value="0.4"), head="description: 比例\nunit: 比例\n"),
            "flag.yaml": parameter_file(entry(value="false"), head="description: 开关\nunit: 布尔\n"),
            "items.yaml": parameter_file(
                entry(value="[b, a]"),
                head="description: 项目\nunit: 列表\nchoices: {a: 甲, b: 乙}\n"),
        })
        params = ParameterSet.from_directory(tmp_path)

        def value(name: str):
            return params.value(name, on=D(2024, 1, 1), region_code="43").value

        assert value("money") == Decimal("1234.5") and isinstance(value("money"), Decimal)
        assert value("days") == 15 and type(value("days")) is int
        assert value("share") == Decimal("0.4") and isinstance(value("share"), Decimal)
        assert value("flag") is False
        assert value("items") == ("b", "a")
        assert params.get("items").choices == {"a": "甲", "b": "乙"}
        assert params.value("items", on=D(2024, 1, 1), region_code="43").snapshot()["value"] == [
            "b", "a"]

    def test_keeps_the_note_of_an_entry(self, tmp_path):
        write(tmp_path, {"noted.yaml": parameter_file(entry(extra="note: 演示值。"))})
        found = ParameterSet.from_directory(tmp_path).value("noted", on=D(2024, 1, 1),
                                                            region_code="43")
        assert found.entry.note == "演示值。"

    def test_names_a_parameter_by_its_path_when_in_subfolders(self, tmp_path):
        write(tmp_path, {"a/b/c_d.yaml": parameter_file(), "e.yaml": parameter_file()})
        params = ParameterSet.from_directory(tmp_path)
        assert params.names() == ["a.b.c_d", "e"]
        assert "a.b.c_d" in params and len(params) == 2


class LoadingTests:
    def test_refuses_to_build_a_set_when_a_file_has_problems(self, tmp_path):
        write(tmp_path, {"good.yaml": parameter_file(), "bad.yaml": parameter_file(entry(ref=None))})
        with pytest.raises(ParameterFilesInvalid) as exc:
            ParameterSet.from_directory(tmp_path)
        assert exc.value.message == (
            "政策参数文件有 1 处问题，请先运行 minsheng policy check 并修正：\n"
            "bad.yaml 第 1 条取值（生效日期 2024-01-01）：缺少出处（ref）：每条取值都要写明文件、"
            "发文机关、日期和是否已核实")

    def test_lists_only_the_first_twenty_problems_in_the_error(self, tmp_path):
        files = {f"bad_{n:02}.yaml": "values: 1\n" for n in range(8)}  # 3 problems each
        write(tmp_path, files)
        with pytest.raises(ParameterFilesInvalid) as exc:
            ParameterSet.from_directory(tmp_path)
        assert exc.value.message.startswith("政策参数文件有 24 处问题")
        assert exc.value.message.count("\n") == 21
        assert exc.value.message.endswith("……另有 4 处")

    def test_leaves_out_files_with_problems_and_keeps_the_others(self, tmp_path):
        write(tmp_path, {"good.yaml": parameter_file(), "bad.yaml": parameter_file(entry(ref=None))})
        result = load_directory(tmp_path)
        assert list(result.parameters) == ["good"]
        assert result.files == 2
        assert result.entries == 1

    def test_ignores_notes_and_hidden_files_beside_the_parameters(self, tmp_path):
        write(tmp_path, {"p.yaml": parameter_file(), "README.md": "# 说明\n",
                         ".hidden/x.yaml": "broken: [", "__pycache__/y.yaml": "broken: ["})
        result = load_directory(tmp_path)
        assert result.problems == []
        assert result.files == 1

    def test_counts_unverified_values(self, tmp_path):
        unverified = "{document: 转载, issuer: 待核实, date: 2024-01-01, verified: false}"
        write(tmp_path, {"p.yaml": parameter_file(entry(), entry("2025-01-01", ref=unverified))})
        result = load_directory(tmp_path)
        assert (result.entries, result.unverified) == (2, 1)


class ShippedParametersTests:
    def test_loads_the_shipped_parameters_once_per_process(self):
        default_parameters.cache_clear()
        first = default_parameters()
        assert default_parameters() is first
        assert len(first) == len(list(PARAMETERS_DIR.rglob("*.yaml")))

    def test_parameter_value_reads_the_shipped_files(self):
        found = parameter_value("departments.medical_insurance.inpatient_out_of_pocket_others",
                                on=D(2025, 6, 1), region_code="430523100001")
        assert found.value == 20000

    def test_the_data_folder_does_not_shadow_the_module(self):
        # parameters/ holds YAML only; an __init__.py there would replace this module on import.
        assert parameters_module.__file__.endswith("parameters.py")
        assert not (PARAMETERS_DIR / "__init__.py").exists()
