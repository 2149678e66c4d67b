"""Forms of the parameters pages: input shape only; the service checks the value exactly as the
parameter files are checked (unit, bounds, choices, dates, overlap)."""

from __future__ import annotations

from typing import Any

from django import forms

from minsheng.policy.parameters import Parameter
from minsheng.policy.units import Kind
from minsheng.regions.models import Region

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _bounds_text(parameter: Parameter) -> str:
    unit = parameter.unit
    parts = [f"单位：{unit.name}（{unit.label}）"]
    low = max((b for b in (unit.minimum, parameter.minimum) if b is not None), default=None)
    high = min((b for b in (unit.maximum, parameter.maximum) if b is not None), default=None)
    if low is not None or high is not None:
        parts.append(f"范围：{'' if low is None else low}～{'' if high is None else high}")
    if unit.kind is Kind.MONEY:
        parts.append("最多两位小数，不加千分位逗号")
    elif unit.kind is Kind.INTEGER:
        parts.append("整数")
    return "；".join(parts)


class ProposalForm(forms.Form):
    region_code = forms.CharField(
        label="区划代码", max_length=12,
        help_text="县 6 位、乡镇 9 位或村 12 位代码，须在您的管辖范围内；全国、省级和市级的取值由参数文件维护")
    effective = forms.DateField(label="生效日期", widget=_DATE)
    until = forms.DateField(label="截止日期（含当天）", required=False, widget=_DATE,
                            help_text="只管一年的标准请写上截止日期；不写则一直有效，直到被新的取值替代")
    ref_document = forms.CharField(label="出处：文件名称（文号）", max_length=200)
    ref_issuer = forms.CharField(label="出处：发文机关", max_length=100)
    ref_date = forms.DateField(label="出处：发文日期", widget=_DATE)
    ref_url = forms.CharField(label="出处：网址", max_length=200, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, parameter: Parameter, regions: list[Region],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameter = parameter
        self.regions = regions
        kind = parameter.unit.kind
        value: forms.Field
        if kind is Kind.LIST:
            value = forms.MultipleChoiceField(
                label="取值", choices=list((parameter.choices or {}).items()),
                widget=forms.CheckboxSelectMultiple, help_text="勾选计入的项目，至少一项")
        elif kind is Kind.BOOLEAN:
            value = forms.ChoiceField(label="取值", choices=[("true", "是"), ("false", "否")])
        else:
            value = forms.CharField(label=f"取值（{parameter.unit.name}）", max_length=32,
                                    help_text=_bounds_text(parameter))
        self.fields["value"] = value
        self.order_fields(["region_code", "effective", "until", "value"])
        self.fields["region_code"].widget.attrs["list"] = "proposable-regions"

    def clean_value(self) -> Any:
        value = self.cleaned_data["value"]
        if self.parameter.unit.kind is Kind.BOOLEAN:
            return value == "true"
        return value


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label="审批意见", max_length=200, required=False)


class RejectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="退回理由", max_length=200,
                             error_messages={"required": "退回须填写理由。"})


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label="撤回说明", max_length=200, required=False)
