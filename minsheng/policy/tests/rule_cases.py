"""Rule test cases as data (``cases/*.yaml``): reading them strictly, and the parameter set each
one evaluates with.

A case file holds ``cases:``, a list of mappings with

* ``name`` (unique across files; the pytest id), ``on`` (date), ``region`` (12-digit village);
* ``facts``: household fields (``category``, ``housing_grade``, ``water_*_ok``), ``members``
  (``name``, ``birth_date``, ``school_stage``, ``medical_insurance``, ``relation``,
  ``active``) and ``ledgers`` (``{year: {column: amount}}``);
* optionally ``parameters_dir`` (a folder under ``cases/parameter_sets/`` used *instead of* the
  shipped parameters), ``parameters`` (inline parameter files, ``{"monitoring/range.yaml":
  "<file text>"}``, replacing those files of the shipped or chosen set) and ``overrides``
  (what-if values, ``{name: value}``);
* ``expect``: ``{rule_id: {status, reasons, text, missing}}`` (``reasons`` the exact list of
  reason codes; ``text`` and ``missing`` substrings or lists of substrings), or ``raises:
  ParameterMissing`` instead.

Anything else (an unknown key, a wrong type, an unknown rule or status, a duplicate name) raises
``CaseFileInvalid``: a malformed case fails the test run, it is never skipped.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from minsheng.core.errors import InvalidInput
from minsheng.policy import rules
from minsheng.policy.parameters import (
    ParameterSet,
    _StrictLoader,
    default_parameters,
    load_directory,
)
from minsheng.registry.testing import member_data
from minsheng.testing import MINI_TREE

CASES_DIR = Path(__file__).resolve().parent / "cases"
PARAMETER_SETS_DIR = CASES_DIR / "parameter_sets"

CASE_KEYS = ("name", "on", "region", "facts", "parameters_dir", "parameters", "overrides",
             "expect", "raises", "note")
EXPECT_KEYS = ("status", "reasons", "text", "missing")
STATUSES = (rules.RISK, rules.CLEAR, rules.UNKNOWN)
ERRORS = ("ParameterMissing",)


class CaseFileInvalid(Exception):
    pass


@dataclass(frozen=True)
class Expect:
    status: str
    reasons: tuple[str, ...] | None = None
    text: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    on: dt.date
    region: str
    facts_raw: Mapping[str, Any]
    facts: rules.HouseholdFacts
    expect: Mapping[str, Expect] = field(default_factory=dict)
    parameters_dir: str | None = None
    inline_parameters: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    raises: str | None = None

    def parameters(self) -> ParameterSet:
        return _parameter_set(self.parameters_dir, tuple(sorted(self.inline_parameters.items())))


def _fail(where: str, message: str) -> CaseFileInvalid:
    return CaseFileInvalid(f"{where}：{message}")


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _fail(where, f"{what} 应为文字或文字列表")


def _expect(raw: Any, where: str) -> dict[str, Expect]:
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(where, "expect 应为「规则: 期望」的键值对，且不能为空")
    result = {}
    rule_ids = [rule.id for rule in rules.RULES]
    for rule_id, spec in raw.items():
        if rule_id not in rule_ids:
            raise _fail(where, f"expect 中的规则「{rule_id}」不存在（可用：{'、'.join(rule_ids)}）")
        if not isinstance(spec, Mapping):
            raise _fail(where, f"规则 {rule_id} 的期望应为键值对")
        unknown = sorted(str(key) for key in spec if key not in EXPECT_KEYS)
        if unknown:
            raise _fail(where, f"规则 {rule_id} 的期望中有未知的键：{'、'.join(unknown)}")
        status = spec.get("status")
        if status not in STATUSES:
            raise _fail(where, f"规则 {rule_id} 的 status「{status}」应为 {'、'.join(STATUSES)}")
        reasons = None
        if "reasons" in spec:
            reasons = _strings(spec["reasons"], where, "reasons") if spec["reasons"] else ()
            allowed = rules.RULES_BY_ID[rule_id].reason_codes
            bad = [code for code in reasons if code not in allowed]
            if bad:
                raise _fail(where, f"规则 {rule_id} 没有理由代码 {'、'.join(bad)}")
        result[rule_id] = Expect(
            status=status, reasons=reasons,
            text=_strings(spec["text"], where, "text") if "text" in spec else (),
            missing=_strings(spec["missing"], where, "missing") if "missing" in spec else ())
    return result


def parse_case(raw: Any, *, file: str, index: int) -> Case:
    where = f"{file} 第 {index} 个用例"
    if not isinstance(raw, Mapping):
        raise _fail(where, "用例应为键值对")
    unknown = sorted(str(key) for key in raw if key not in CASE_KEYS)
    if unknown:
        raise _fail(where, f"未知的键：{'、'.join(unknown)}（可用：{'、'.join(CASE_KEYS)}）")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(where, "缺少用例名称（name）")
    where = f"{file} 用例「{name}」"
    try:
        on = dt.date.fromisoformat(str(raw.get("on")))
    except ValueError:
        raise _fail(where, f"日期（on）「{raw.get('on')}」应为 YYYY-MM-DD") from None
    region = raw.get("region")
    if not isinstance(region, str) or len(region) != 12 or not region.isdigit():
        raise _fail(where, f"区划（region）「{region}」应为 12 位村级代码（加引号）")
    facts_raw = raw.get("facts")
    if not isinstance(facts_raw, Mapping):
        raise _fail(where, "缺少农户事实（facts）")
    if "region_code" in facts_raw:
        raise _fail(where, "facts 中不要写 region_code：用例的 region 就是农户所在村")
    try:
        facts = rules.HouseholdFacts.from_mapping(facts_raw, region_code=region)
    except InvalidInput as exc:
        raise _fail(where, f"农户事实有误：{exc}") from None
    raises = raw.get("raises")
    if raises is not None and raises not in ERRORS:
        raise _fail(where, f"raises「{raises}」应为 {'、'.join(ERRORS)}")
    if (raises is None) == ("expect" not in raw):
        raise _fail(where, "须写 expect（期望结果）或 raises（期望的错误）之一，且只能写一个")
    expect = _expect(raw["expect"], where) if "expect" in raw else {}
    parameters_dir = raw.get("parameters_dir")
    if parameters_dir is not None and (not isinstance(parameters_dir, str)
                                       or not (PARAMETER_SETS_DIR / parameters_dir).is_dir()):
        raise _fail(where, f"参数目录「{parameters_dir}」不在 cases/parameter_sets/ 下")
    inline = raw.get("parameters") or {}
    if not isinstance(inline, Mapping) or not all(
            isinstance(k, str) and k.endswith(".yaml") and isinstance(v, str)
            for k, v in inline.items()):
        raise _fail(where, "parameters 应为「参数文件路径.yaml: 文件内容」的键值对")
    overrides = raw.get("overrides") or {}
    if not isinstance(overrides, Mapping):
        raise _fail(where, "overrides 应为「参数名: 模拟值」的键值对")
    return Case(name=name, file=file, on=on, region=region, facts_raw=facts_raw, facts=facts,
                expect=expect, parameters_dir=parameters_dir, inline_parameters=dict(inline),
                overrides=dict(overrides), raises=raises)


def load_file(path: Path) -> list[Case]:
    try:
        # _StrictLoader is a SafeLoader subclass (no arbitrary objects).
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise CaseFileInvalid(f"{path.name}：不是有效的 YAML：{exc}") from None
    if not isinstance(data, Mapping) or set(data) != {"cases"} or not isinstance(
            data["cases"], list) or not data["cases"]:
        raise CaseFileInvalid(f"{path.name}：文件应只有一个键 cases，其值为非空的用例列表")
    return [parse_case(raw, file=path.name, index=index)
            for index, raw in enumerate(data["cases"], start=1)]


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case of every ``*.yaml`` file in the folder (not its subfolders)."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CaseFileInvalid(f"{directory} 中没有用例文件")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for path in files:
        for case in load_file(path):
            if case.name in seen:
                raise CaseFileInvalid(f"用例名称「{case.name}」重复（{seen[case.name]} 和 {path.name}）")
            seen[case.name] = path.name
            cases.append(case)
    return cases


@functools.cache
def _parameter_set(directory: str | None, inline: tuple[tuple[str, str], ...]) -> ParameterSet:
    base = (ParameterSet.from_directory(PARAMETER_SETS_DIR / directory) if directory
            else default_parameters())
    if not inline:
        return base
    with tempfile.TemporaryDirectory() as tmp:
        for relative, text in inline:
            path = Path(tmp) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        result = load_directory(Path(tmp))
    if result.problems:
        raise CaseFileInvalid("内联参数文件有误：" + "；".join(str(p) for p in result.problems))
    merged = {name: base.get(name) for name in base.names()}
    merged.update(result.parameters)
    return ParameterSet(merged)


def check_outcomes(case: Case, outcomes: list[rules.Outcome]) -> list[str]:
    """What differs from the case's expectations (empty when all hold)."""
    by_rule = {outcome.rule_id: outcome for outcome in outcomes}
    problems = []
    for rule_id, expect in case.expect.items():
        outcome = by_rule[rule_id]
        texts = " / ".join(reason.text for reason in outcome.reasons)
        if outcome.status != expect.status:
            problems.append(f"{rule_id}: status {outcome.status} != {expect.status} ({texts})")
        if expect.reasons is not None and outcome.reason_codes != expect.reasons:
            problems.append(f"{rule_id}: reasons {outcome.reason_codes} != {expect.reasons}")
        problems.extend(f"{rule_id}: no reason text contains {part!r}; texts: {texts}"
                        for part in expect.text if part not in texts)
        missing = "；".join(outcome.missing)
        problems.extend(f"{rule_id}: missing {outcome.missing} lacks {part!r}"
                        for part in expect.missing if part not in missing)
        if expect.status == rules.UNKNOWN and not outcome.missing:
            problems.append(f"{rule_id}: unknown without naming the missing fact")
    return problems


VILLAGES = {line.split(",")[0] for line in MINI_TREE["villages.csv"].splitlines()[1:]}
MEMBER_FIELDS = ("school_stage", "medical_insurance")


def load_case(case: Case, actor: Any, *, number: int = 1) -> Any:
    """The case's household written to the registry through its services (the mini region tree
    must be loaded); members marked ``active: false`` are registered, then removed (减员)."""
    from minsheng.registry.choices import ArchiveReason
    from minsheng.registry.models import Member
    from minsheng.registry.services import household_register, ledger_save, member_archive

    if case.region not in VILLAGES:
        raise CaseFileInvalid(f"{case.name}：村 {case.region} 不在测试区划树中")
    raw = case.facts_raw
    members = list(raw.get("members", []))
    data = []
    for seq, member in enumerate(members, start=1):
        birth = member["birth_date"]
        birth = birth if isinstance(birth, dt.date) else dt.date.fromisoformat(birth)
        relation = member.get("relation", "head" if seq == 1 else "other")
        data.append(member_data(member["name"], birth, number * 20 + seq, relation=relation,
                                **{k: member[k] for k in MEMBER_FIELDS if k in member}))
    household_fields = {key: raw[key] for key in
                        ("category", "housing_grade", "water_quantity_ok", "water_quality_ok",
                         "water_convenience_ok", "water_assurance_ok") if key in raw}
    household = household_register(
        actor=actor, household_no=f"CASE{number:04d}", region_code=case.region,
        members=data, head_name="" if data else "无成员", today=dt.date(2026, 1, 1),
        **household_fields)
    for year, amounts in (raw.get("ledgers") or {}).items():
        ledger_save(actor=actor, household=household, year=int(year), **(amounts or {}))
    created = list(Member.objects.filter(household=household).order_by("id"))
    leaving = [m for m, raw_member in zip(created, members, strict=True)
               if raw_member.get("active") is False]
    for member in sorted(leaving, key=lambda m: m.relation == "head"):
        member.refresh_from_db()
        member_archive(actor=actor, member=member, version=member.version,
                       reason=ArchiveReason.MOVED_OUT)
    return household
