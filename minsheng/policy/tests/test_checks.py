"""Every check rule, each with a broken file in a temporary folder, and the exact Chinese message
that names the file and the entry."""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from minsheng.policy import checks
from minsheng.policy.checks import parameters_check
from minsheng.policy.tests.helpers import HEAD, REF, entry, parameter_file, problems, write
from minsheng.policy.units import UNITS


def one(tmp_path, text: str, name: str = "p.yaml") -> list[str]:
    return problems(tmp_path, {name: text})


class FileRuleTests:
    def test_accepts_a_valid_file(self, tmp_path):
        assert one(tmp_path, parameter_file()) == []

    def test_reports_invalid_yaml_with_line_and_column(self, tmp_path):
        assert one(tmp_path, HEAD + "values: [\n") == [
            "p.yaml：不是有效的 YAML：第 4 行第 1 列，expected the node content, but found '<stream end>'"]

    def test_reports_a_key_written_twice(self, tmp_path):
        assert one(tmp_path, HEAD + "unit: 天\nvalues: []\n") == [
            "p.yaml：不是有效的 YAML：第 3 行第 1 列，键「unit」重复出现"]

    def test_reports_a_key_that_is_a_list(self, tmp_path):
        assert one(tmp_path, "? [a]\n: 1\n") == [
            "p.yaml：不是有效的 YAML：第 1 行第 3 列，found unhashable key"]

    def test_accepts_yaml_anchors_and_merge_keys(self, tmp_path):
        text = HEAD + (f"values:\n  - &first\n    effective: 2024-01-01\n    value: 1\n"
                       f"    ref: {REF}\n  - <<: *first\n    region: '43'\n")
        assert one(tmp_path, text) == []

    def test_reports_a_file_that_is_not_a_mapping(self, tmp_path):
        assert one(tmp_path, "- 1\n- 2\n") == [
            "p.yaml：文件内容应为键值对：description、unit、values 等"]

    def test_reports_an_empty_file(self, tmp_path):
        assert one(tmp_path, "") == ["p.yaml：文件内容应为键值对：description、unit、values 等"]

    def test_reports_unknown_top_level_keys(self, tmp_path):
        assert one(tmp_path, "reviewd_on: 2024-01-01\n" + parameter_file()) == [
            "p.yaml：未知的键：reviewd_on（可用：description、unit、min、max、choices、values）"]

    def test_reports_a_missing_description(self, tmp_path):
        assert one(tmp_path, parameter_file(head="unit: 元\n")) == [
            "p.yaml：缺少说明（description）"]

    def test_reports_a_missing_unit(self, tmp_path):
        assert one(tmp_path, parameter_file(head="description: 测试\n")) == [
            "p.yaml：缺少单位（unit）"]

    def test_reports_an_unknown_unit_and_lists_the_known_ones(self, tmp_path):
        assert one(tmp_path, parameter_file(head="description: 测试\nunit: CNY\n")) == [
            f"p.yaml：未知的单位「CNY」（可用：{'、'.join(UNITS)}）"]

    @pytest.mark.parametrize("values", ["", "values: []\n", "values: 5\n"])
    def test_reports_missing_or_empty_values(self, tmp_path, values):
        assert one(tmp_path, HEAD + values) == ["p.yaml：缺少取值列表（values），或列表为空"]

    def test_reports_a_file_name_that_is_not_lower_snake(self, tmp_path):
        assert one(tmp_path, parameter_file(), name="Monitoring/Range.yaml") == [
            "Monitoring/Range.yaml：文件名和目录名只能用小写英文字母、数字和下划线，且以字母开头"
            "（参数名就是路径）"]

    def test_reports_the_yml_extension(self, tmp_path):
        assert one(tmp_path, parameter_file(), name="p.yml") == [
            "p.yml：扩展名应为 .yaml", f"{tmp_path}：目录中没有任何参数文件（*.yaml）"]

    def test_reports_a_file_that_is_not_utf8(self, tmp_path):
        assert problems(tmp_path, {"p.yaml": parameter_file().encode("gb18030")}) == [
            "p.yaml：文件不是 UTF-8 编码"]

    def test_reports_an_empty_folder(self, tmp_path):
        assert problems(tmp_path, {}) == [f"{tmp_path}：目录中没有任何参数文件（*.yaml）"]

    def test_reports_every_problem_of_every_file(self, tmp_path):
        assert problems(tmp_path, {
            "a.yaml": parameter_file(entry(ref=None)),
            "b.yaml": parameter_file(entry("2024-02-30", value="-1")),
        }) == [
            "a.yaml 第 1 条取值（生效日期 2024-01-01）：缺少出处（ref）：每条取值都要写明文件、"
            "发文机关、日期和是否已核实",
            "b.yaml 第 1 条取值（生效日期 2024-02-30）：生效日期（effective）「2024-02-30」不是真实的日期",
            "b.yaml 第 1 条取值（生效日期 2024-02-30）：取值 -1 小于该单位允许的最小值（0）",
        ]


class DateRuleTests:
    def test_reports_a_missing_effective_date(self, tmp_path):
        text = HEAD + f"values:\n  - value: 1\n    ref: {REF}\n"
        assert one(tmp_path, text) == ["p.yaml 第 1 条取值：缺少生效日期（effective）"]

    @pytest.mark.parametrize("written", ["2024/01/01", "20240101", "2024-1-1", "'2024-01-01T00:00'"])
    def test_reports_an_effective_date_not_written_as_yyyy_mm_dd(self, tmp_path, written):
        shown = written.strip("'")
        assert one(tmp_path, parameter_file(entry(written))) == [
            f"p.yaml 第 1 条取值（生效日期 {shown}）：生效日期（effective）「{shown}」应写成 "
            "YYYY-MM-DD，如 2024-01-01"]

    @pytest.mark.parametrize("written", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10"])
    def test_reports_an_effective_date_that_does_not_exist(self, tmp_path, written):
        assert one(tmp_path, parameter_file(entry(written))) == [
            f"p.yaml 第 1 条取值（生效日期 {written}）：生效日期（effective）「{written}」不是真实的日期"]

    def test_accepts_a_leap_day(self, tmp_path):
        assert one(tmp_path, parameter_file(entry("2024-02-29"))) == []

    def test_reports_dates_out_of_order_within_a_region(self, tmp_path):
        text = parameter_file(entry("2025-01-01"), entry("2024-01-01"))
        assert one(tmp_path, text) == [
            "p.yaml 第 2 条取值（生效日期 2024-01-01）：生效日期早于第 1 条（2025-01-01）：同一区划的"
            "取值应按生效日期从早到晚排列"]

    def test_reports_a_repeated_date_within_a_region(self, tmp_path):
        text = parameter_file(entry(region='"43"'), entry(region="43"))
        assert one(tmp_path, text) == [
            "p.yaml 第 2 条取值（生效日期 2024-01-01，区划 43）：与第 1 条的生效日期相同"
            "（同一区划只能有一条）"]

    def test_treats_two_spellings_of_one_region_as_the_same_region(self, tmp_path):
        text = parameter_file(entry(region='"430523"'), entry(region='"430523000000"'))
        assert one(tmp_path, text) == [
            "p.yaml 第 2 条取值（生效日期 2024-01-01，区划 430523000000）：与第 1 条的生效日期相同"
            "（同一区划只能有一条）"]

    def test_accepts_the_same_date_in_different_regions_in_any_order(self, tmp_path):
        text = parameter_file(entry(region='"43"'), entry("2023-01-01"), entry(region='"430523"'),
                              entry("2024-01-01"))
        assert one(tmp_path, text) == []

    def test_reports_until_before_the_effective_date(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(until="2023-12-31"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：截止日期（until）2023-12-31 早于生效日期 2024-01-01"]

    def test_accepts_until_on_the_effective_date(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(until="2024-01-01"))) == []

    def test_reports_an_impossible_until(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(until="2024-12-32"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：截止日期（until）「2024-12-32」不是真实的日期"]

    def test_reports_until_reaching_into_the_next_value(self, tmp_path):
        text = parameter_file(entry(until="2025-01-01"), entry("2025-01-01"))
        assert one(tmp_path, text) == [
            "p.yaml 第 2 条取值（生效日期 2025-01-01）：第 1 条的截止日期 2025-01-01 不早于本条的"
            "生效日期 2025-01-01"]

    def test_accepts_a_gap_after_until(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(until="2024-06-30"), entry("2025-01-01"))) == []


class RegionRuleTests:
    @pytest.mark.parametrize("written,shown", [
        ('"4305231"', "4305231"), ('"4X"', "4X"), ('"00"', "00"), ('"4"', "4"),
        ('"４３"', "４３"), ("[43]", "[43]"), ("true", "true"), ('""', ""),
    ])
    def test_reports_a_malformed_region_code(self, tmp_path, written, shown):
        region = f"，区划 {shown}" if shown else ""
        assert one(tmp_path, parameter_file(entry(region=written))) == [
            f"p.yaml 第 1 条取值（生效日期 2024-01-01{region}）：区划代码「{shown}」应为 2、4、6、9 或 "
            "12 位数字（省 2 位、市 4 位、县 6 位、乡 9 位、村 12 位）；不写 region 表示全国"]

    def test_accepts_an_unquoted_region_code(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(region="430523"))) == []


class ValueRuleTests:
    def test_reports_a_missing_value(self, tmp_path):
        text = HEAD + f"values:\n  - effective: 2024-01-01\n    ref: {REF}\n"
        assert one(tmp_path, text) == ["p.yaml 第 1 条取值（生效日期 2024-01-01）：缺少取值（value）"]

    @pytest.mark.parametrize("written,shown", [
        ("'5000'", "5000"), ("5,000", "5,000"), ("1e3", "1e3"), ("1_000", "1_000"), ("true", "true"),
        ("0x10", "0x10"), ("[1]", "[1]"),
    ])
    def test_reports_a_money_value_that_is_not_a_plain_number(self, tmp_path, written, shown):
        assert one(tmp_path, parameter_file(entry(value=written))) == [
            f"p.yaml 第 1 条取值（生效日期 2024-01-01）：取值应为数字（单位：元/年），实为「{shown}」"]

    def test_reports_more_than_two_decimal_places_in_money(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(value="10.005"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值「10.005」最多两位小数（单位：元/年）"]

    def test_reports_a_fraction_where_the_unit_counts_days(self, tmp_path):
        text = parameter_file(entry(value="5.5"), head="description: 天数\nunit: 天\n")
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值应为整数（单位：天），实为「5.5」"]

    @pytest.mark.parametrize("written", ["yes", "no", "on", "1", "'true'"])
    def test_reports_a_boolean_not_written_as_true_or_false(self, tmp_path, written):
        text = parameter_file(entry(value=written), head="description: 开关\nunit: 布尔\n")
        shown = written.strip("'")
        assert one(tmp_path, text) == [
            f"p.yaml 第 1 条取值（生效日期 2024-01-01）：取值应为 true 或 false（单位：布尔），实为「{shown}」"]

    def test_reports_a_negative_amount(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(value="-0.01"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值 -0.01 小于该单位允许的最小值（0）"]

    def test_reports_a_ratio_above_one(self, tmp_path):
        text = parameter_file(entry(value="1.2"), head="description: 比例\nunit: 比例\n")
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值 1.2 大于该单位允许的最大值（1）"]

    def test_reports_a_day_of_month_outside_one_to_31(self, tmp_path):
        text = parameter_file(entry(value="0"), entry("2025-01-01", value="32"),
                              head="description: 日期\nunit: 日\n")
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值 0 小于该单位允许的最小值（1）",
            "p.yaml 第 2 条取值（生效日期 2025-01-01）：取值 32 大于该单位允许的最大值（31）",
        ]

    def test_reports_values_outside_the_declared_bounds(self, tmp_path):
        text = parameter_file(entry(value="99"), entry("2025-01-01", value="100"),
                              entry("2026-01-01", value="200"), entry("2027-01-01", value="201"),
                              head=HEAD + "min: 100\nmax: 200\n")
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值 99 小于下限 min（100）",
            "p.yaml 第 4 条取值（生效日期 2027-01-01）：取值 201 大于上限 max（200）",
        ]

    def test_reports_min_above_max(self, tmp_path):
        text = parameter_file(entry(value="250"), head=HEAD + "min: 300\nmax: 200\n")
        assert one(tmp_path, text) == [
            "p.yaml：下限 min（300）大于上限 max（200）",
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值 250 小于下限 min（300）",
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值 250 大于上限 max（200）",
        ]

    def test_reports_bounds_on_a_unit_that_is_not_a_number(self, tmp_path):
        text = parameter_file(entry(value="true"), head="description: 开关\nunit: 布尔\nmax: 1\n")
        assert one(tmp_path, text) == ["p.yaml：单位为「布尔」的参数不能设上限 max"]

    def test_reports_a_bound_that_is_not_a_number_of_the_unit(self, tmp_path):
        text = parameter_file(entry(value="5"), head="description: 天数\nunit: 天\nmin: 0.5\nmax: 十\n")
        assert one(tmp_path, text) == [
            "p.yaml：下限 min 应为整数（单位：天），实为「0.5」",
            "p.yaml：上限 max 应为整数（单位：天），实为「十」",
        ]

    def test_reports_an_invalid_note(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(extra="note: ''"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：备注（note）应为一段文字"]

    def test_reports_unknown_keys_in_an_entry(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(extra="efective: 2024-01-01"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：未知的键：efective（可用：effective、until、"
            "value、region、ref、note）"]

    def test_reports_an_entry_that_is_not_a_mapping(self, tmp_path):
        assert one(tmp_path, HEAD + "values:\n  - 2024-01-01\n") == [
            "p.yaml 第 1 条取值：每条取值应为键值对：effective、value、ref 等"]


LIST_HEAD = "description: 项目\nunit: 列表\nchoices: {wage_income: 工资性收入, property_income: 财产性收入}\n"


class ListRuleTests:
    def test_accepts_a_list_of_declared_choices(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(value="[wage_income]"), head=LIST_HEAD)) == []

    def test_reports_a_list_parameter_without_choices(self, tmp_path):
        text = parameter_file(entry(value="[a]"), head="description: 项目\nunit: 列表\n")
        assert one(tmp_path, text) == [
            "p.yaml：单位为「列表」的参数须列出可选项（choices：代码: 中文名称）",
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：没有可选项（choices），无法检查列表取值",
        ]

    def test_reports_choices_on_a_parameter_that_is_not_a_list(self, tmp_path):
        assert one(tmp_path, parameter_file(head=HEAD + "choices: {a: 甲}\n")) == [
            "p.yaml：只有单位为「列表」的参数才能有可选项（choices）"]

    def test_reports_badly_written_choices(self, tmp_path):
        head = "description: 项目\nunit: 列表\nchoices: {Wage: 工资, ok: '', 1: 一, fine: 好}\n"
        assert one(tmp_path, parameter_file(entry(value="[fine]"), head=head)) == [
            "p.yaml：可选项代码「Wage」只能用小写英文字母、数字和下划线，且以字母开头",
            "p.yaml：可选项「ok」缺少中文名称",
            "p.yaml：可选项代码「1」只能用小写英文字母、数字和下划线，且以字母开头",
        ]

    def test_reports_items_not_among_the_choices(self, tmp_path):
        text = parameter_file(entry(value="[wage_income, pension, 3]"), head=LIST_HEAD)
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：列表中有不在可选项（choices）中的代码：pension、3"]

    def test_reports_repeated_items(self, tmp_path):
        text = parameter_file(entry(value="[wage_income, wage_income]"), head=LIST_HEAD)
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：列表中的代码重复：wage_income"]

    def test_reports_a_list_value_that_is_not_a_list(self, tmp_path):
        text = parameter_file(entry(value="wage_income"), head=LIST_HEAD)
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：取值应为列表（单位：列表），实为「wage_income」"]


class ReferenceRuleTests:
    def test_reports_a_missing_reference(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(ref=None))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：缺少出处（ref）：每条取值都要写明文件、发文机关、"
            "日期和是否已核实"]

    def test_reports_a_reference_that_is_not_a_mapping(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(ref="某文件"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处（ref）应为键值对：document、issuer、date、"
            "verified，可选 url"]

    def test_reports_each_missing_part_of_a_reference(self, tmp_path):
        assert one(tmp_path, parameter_file(entry(ref="{document: ' '}"))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：缺少出处的文件名称（document）",
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：缺少出处的发文机关（issuer）",
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：缺少出处的发文日期（date）",
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处缺少核实标记（verified: true 或 false；"
            "来源未经核实的写 false）",
        ]

    def test_reports_a_verified_flag_that_is_not_a_boolean(self, tmp_path):
        ref = "{document: 文件, issuer: 机关, date: 2024-01-01, verified: 否}"
        assert one(tmp_path, parameter_file(entry(ref=ref))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处的核实标记（verified）应为 true 或 false，"
            "实为「否」"]

    def test_reports_an_impossible_reference_date(self, tmp_path):
        ref = "{document: 文件, issuer: 机关, date: 2023-02-29, verified: true}"
        assert one(tmp_path, parameter_file(entry(ref=ref))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处的发文日期（date）「2023-02-29」不是真实的日期"]

    def test_reports_a_reference_issued_more_than_a_year_after_the_effective_date(self, tmp_path):
        late = "{document: 文件, issuer: 机关, date: 2025-01-02, verified: true}"
        in_time = "{document: 文件, issuer: 机关, date: 2025-01-01, verified: true}"
        text = parameter_file(entry(ref=late), entry("2024-01-01", region='"43"', ref=in_time))
        assert one(tmp_path, text) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处的发文日期 2025-01-02 比生效日期 "
            "2024-01-01 晚一年以上，请核对"]

    def test_accepts_the_last_possible_date(self, tmp_path):
        ref = "{document: 文件, issuer: 机关, date: 9999-12-31, verified: true}"
        assert one(tmp_path, parameter_file(entry("9999-12-31", ref=ref))) == []

    def test_reports_a_url_that_is_not_http(self, tmp_path):
        ref = "{document: 文件, issuer: 机关, date: 2024-01-01, verified: true, url: www.gov.cn}"
        assert one(tmp_path, parameter_file(entry(ref=ref))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处的网址（url）应以 http:// 或 https:// "
            "开头，实为「www.gov.cn」"]

    def test_reports_unknown_keys_in_a_reference(self, tmp_path):
        ref = "{document: 文件, issuer: 机关, date: 2024-01-01, verified: true, page: 3}"
        assert one(tmp_path, parameter_file(entry(ref=ref))) == [
            "p.yaml 第 1 条取值（生效日期 2024-01-01）：出处中有未知的键：page（可用：document、issuer、"
            "date、url、verified）"]


@pytest.mark.django_db
class RegionExistenceTests:
    def test_checks_format_only_and_says_so_when_the_region_table_is_empty(self, tmp_path):
        write(tmp_path, {"p.yaml": parameter_file(entry(region='"4399"'))})
        report = parameters_check(tmp_path)
        assert report.ok
        assert not report.regions_checked
        assert report.note == "区划表为空（尚未导入区划），区划代码只检查了格式，未核对是否存在。"

    def test_reports_codes_missing_from_the_region_table_when_it_is_loaded(self, tmp_path,
                                                                           regions):
        write(tmp_path, {"p.yaml": parameter_file(
            entry(region='"43"'), entry(region='"430523100001"'), entry(region='"4399"'),
            entry(region="440000"))})
        report = parameters_check(tmp_path)
        assert report.regions_checked and report.note == ""
        assert [str(problem) for problem in report.problems] == [
            "p.yaml 第 3 条取值（生效日期 2024-01-01，区划 4399）：区划代码 4399 在区划表中不存在",
            "p.yaml 第 4 条取值（生效日期 2024-01-01，区划 440000）：区划代码 440000 在区划表中不存在",
        ]

    def test_sorts_problems_by_file_then_entry(self, tmp_path, regions):
        write(tmp_path, {
            "b.yaml": parameter_file(entry(region='"4399"'), entry("2025-01-01", ref=None)),
            "a.yaml": "values: 1\n",
        })
        report = parameters_check(tmp_path)
        assert [(p.file, p.entry) for p in report.problems] == [
            ("a.yaml", None), ("a.yaml", None), ("a.yaml", None), ("b.yaml", 1), ("b.yaml", 2)]

    def test_checks_format_only_and_says_so_when_there_is_no_region_table(self, tmp_path,
                                                                        monkeypatch):
        class Missing:
            @staticmethod
            def exists() -> bool:
                raise DatabaseError("no such table: regions_region")

        monkeypatch.setattr(checks.Region, "objects", Missing)
        write(tmp_path, {"p.yaml": parameter_file(entry(region='"4399"'))})
        report = parameters_check(tmp_path)
        assert report.ok and not report.regions_checked
        assert report.note == "数据库中还没有区划表，区划代码只检查了格式，未核对是否存在。"
