"""Forms of the screening pages: run a screening, run a simulation."""

from __future__ import annotations

from django import forms

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {"invalid": "日期无效，应为 YYYY-MM-DD。", "required": "请填写判定日期。"}


def _region(value: str) -> str:
    value = value.strip()
    if value and not value.isdigit():
        raise forms.ValidationError("区划代码只能包含数字。")
    return value


class ScreeningForm(forms.Form):
    region = forms.CharField(label="筛查区划代码", required=False, max_length=12,
                             help_text="留空表示您管辖的区域")
    on = forms.DateField(label="判定日期", widget=_DATE, error_messages=_DATE_ERRORS)
    dry_run = forms.BooleanField(label="试运行（只统计，不写入信号）", required=False)

    def clean_region(self) -> str:
        return _region(self.cleaned_data["region"])


class SimulationForm(forms.Form):
    region = forms.CharField(label="测算区划代码", required=False, max_length=12,
                             help_text="留空表示您管辖的区域")
    on = forms.DateField(label="判定日期", widget=_DATE, error_messages=_DATE_ERRORS)
    what_if = forms.CharField(
        label="模拟参数", widget=forms.Textarea(attrs={"rows": 3,
                                                      "placeholder": "monitoring.range=9000"}),
        help_text="每行一个：参数名=模拟取值", error_messages={"required": "请填写模拟参数。"})

    def clean_region(self) -> str:
        return _region(self.cleaned_data["region"])

    def clean_what_if(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["what_if"].splitlines()
                if line.strip()]
