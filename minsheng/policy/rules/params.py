"""Parameter values as the rules use them: looked up once for a region and date (or replaced by
a what-if value), with what an explanation needs to cite them (year, value, document)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from minsheng.core.errors import InvalidInput
from minsheng.policy.parameters import Parameter, ParameterSet
from minsheng.policy.units import UNITS, Kind, Unit

Value = Decimal | int | bool | tuple[str, ...]


@dataclass(frozen=True)
class Param:
    """One parameter as a rule sees it."""

    name: str
    value: Value
    unit: str
    snapshot: Mapping[str, Any]  # ParameterValue.snapshot(), or the what-if marker
    what_if: bool = False
    year: int | None = None  # the year the value took effect (None for a what-if value)
    document: str = ""

    @property
    def decimal(self) -> Decimal:
        value = self.value
        if isinstance(value, (bool, tuple)):
            raise TypeError(f"{self.name} is not numeric")
        return Decimal(value)

    @property
    def codes(self) -> tuple[str, ...]:
        if not isinstance(self.value, tuple):
            raise TypeError(f"{self.name} is not a list")
        return self.value


Resolved = Mapping[str, Param]


def active_set(parameters: ParameterSet | None) -> ParameterSet:
    if parameters is not None:
        return parameters
    from minsheng.policy.selectors import active_parameters

    return active_parameters()


def coerce_value(parameter: Parameter, raw: Any) -> Value:
    """A what-if value read with the parameter's unit (numbers as Decimal, never float). Raises
    InvalidInput with a Chinese message when it does not fit the unit or the file's bounds."""
    unit = parameter.unit
    label = f"模拟参数「{parameter.description}」（{parameter.name}）"
    if unit.kind is Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "false"):
            return raw == "true"
        raise InvalidInput(f"{label}的取值应为 true 或 false，实为「{raw}」。")
    if unit.kind is Kind.LIST:
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, (list, tuple)):
            raise InvalidInput(f"{label}的取值应为若干代码（逗号分隔），实为「{raw}」。")
        codes = tuple(str(item).strip() for item in items if str(item).strip())
        unknown = [code for code in codes if code not in (parameter.choices or {})]
        if unknown:
            raise InvalidInput(f"{label}中有不认识的代码：{'、'.join(unknown)}。")
        return codes
    if isinstance(raw, (bool, float)) or not isinstance(raw, (int, Decimal, str)):
        raise InvalidInput(f"{label}的取值「{raw}」不是有效的数字。")
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"{label}的取值「{raw}」不是有效的数字。") from None
    if not number.is_finite():
        raise InvalidInput(f"{label}的取值「{raw}」不是有效的数字。")
    _check_bounds(label, number, unit, parameter)
    if unit.kind is Kind.INTEGER:
        if number != number.to_integral_value():
            raise InvalidInput(f"{label}的取值应为整数，实为「{raw}」。")
        return int(number)
    if unit.kind is Kind.MONEY and number != number.quantize(Decimal("0.01")):
        raise InvalidInput(f"{label}的金额最多两位小数，实为「{raw}」。")
    return number


def _check_bounds(label: str, number: Decimal, unit: Unit, parameter: Parameter) -> None:
    for limit, too_low in ((unit.minimum, True), (unit.maximum, False),
                           (parameter.minimum, True), (parameter.maximum, False)):
        if limit is not None and (number < limit if too_low else number > limit):
            word = "小于下限" if too_low else "大于上限"
            raise InvalidInput(f"{label}的取值 {number} {word} {limit}。")


def coerce_overrides(overrides: Mapping[str, Any] | None,
                     parameters: ParameterSet | None = None) -> dict[str, Value]:
    """What-if values checked against the parameter definitions: an unknown name raises
    ``UnknownParameter``, a value that does not fit raises ``InvalidInput``."""
    if not overrides:
        return {}
    source = active_set(parameters)
    return {name: coerce_value(source.get(name), raw) for name, raw in overrides.items()}


def _plain(value: Value) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def resolve(names: Iterable[str], *, on: dt.date, region_code: str,
            overrides: Mapping[str, Value], parameters: ParameterSet) -> dict[str, Param]:
    """Each named parameter in force on ``on`` for ``region_code`` (what-if values win).
    Raises ParameterMissing / UnknownParameter as the lookup does: never a default."""
    resolved = {}
    for name in names:
        if name in overrides:
            definition = parameters.get(name)
            value = overrides[name]
            resolved[name] = Param(
                name=name, value=value, unit=definition.unit.name, what_if=True,
                snapshot={"what_if": True, "name": name, "value": _plain(value),
                          "unit": definition.unit.name})
            continue
        found = parameters.value(name, on=on, region_code=region_code)
        resolved[name] = Param(name=name, value=found.value, unit=found.unit,
                               snapshot=found.snapshot(), year=found.entry.effective.year,
                               document=found.ref.document)
    return resolved


def from_snapshots(snapshots: Mapping[str, Mapping[str, Any]]) -> dict[str, Param]:
    """Parameters rebuilt from stored snapshots (replaying a stored determination)."""
    resolved = {}
    for name, snap in snapshots.items():
        unit = UNITS[snap["unit"]]
        raw = snap["value"]
        value: Value
        if unit.kind is Kind.LIST:
            value = tuple(raw)
        elif unit.kind is Kind.BOOLEAN:
            value = bool(raw)
        elif unit.kind is Kind.INTEGER:
            value = int(raw)
        else:
            value = Decimal(str(raw))
        if snap.get("what_if"):
            resolved[name] = Param(name=name, value=value, unit=unit.name, snapshot=dict(snap),
                                   what_if=True)
        else:
            resolved[name] = Param(name=name, value=value, unit=unit.name, snapshot=dict(snap),
                                   year=dt.date.fromisoformat(snap["effective"]).year,
                                   document=snap["ref"]["document"])
    return resolved
