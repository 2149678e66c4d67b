"""Forms of the assistance pages: plan, responsible person, measure, evidence, follow-up."""

from __future__ import annotations

from typing import Any

from django import forms

from minsheng.assistance.models import IncomeChange, MeasureStatus

_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
_FLAG = [("", "未核查"), ("1", "是"), ("0", "否")]


class PlanForm(forms.Form):
    responsible_name = forms.CharField(label="帮扶责任人姓名", max_length=64, required=False)
    responsible_phone = forms.CharField(label="帮扶责任人电话", max_length=20, required=False)
    responsible_unit = forms.CharField(label="帮扶责任人单位", max_length=100, required=False)
    responsible_user = forms.ChoiceField(label="帮扶责任人账号（可选，用于“我的待走访”名单）",
                                         required=False)
    goal = forms.CharField(label="帮扶目标", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].choices = [("", "不关联账号"), *[
            (str(u.pk), f"{u.display_name or u.username}（{u.get_role_display()}）")
            for u in users]]


class MeasureForm(forms.Form):
    measure_type = forms.ChoiceField(label="措施类型")
    title = forms.CharField(label="措施内容", max_length=200, required=False)
    start_date = forms.DateField(label="开始日期", widget=_DATE)
    end_date = forms.DateField(label="结束日期", required=False, widget=_DATE,
                               help_text="留空时按措施类型的默认期限计算")
    continues_until = forms.DateField(
        label="风险消除后延续至", required=False, widget=_DATE,
        help_text="小额信贷填贷款到期日，公益性岗位填协议到期日，教育资助填当前学段结束日")
    amount = forms.DecimalField(label="金额（元）", min_value=0, max_digits=12, decimal_places=2,
                                required=False)
    status = forms.ChoiceField(label="状态", choices=MeasureStatus.choices)
    responsible_unit = forms.CharField(label="责任单位", max_length=100, required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, types: list[Any], edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure_type"].choices = [(t.code, t.name) for t in types]
        if edit:
            self.fields["measure_type"].disabled = True
            self.fields["measure_type"].required = False


class EvidenceForm(forms.Form):
    file = forms.FileField(label="佐证材料", help_text="照片、PDF 或 Office 文档，不超过 10 MB")
    description = forms.CharField(label="说明", max_length=200, required=False)


class VisitForm(forms.Form):
    month = forms.CharField(label="走访月份", max_length=7)
    visit_date = forms.DateField(label="走访日期", widget=_DATE)
    cadre_name = forms.CharField(label="走访干部", max_length=64)
    income_change = forms.ChoiceField(label="收入变化", choices=IncomeChange.choices,
                                      widget=forms.RadioSelect)
    income_note = forms.CharField(label="收入情况说明", max_length=200, required=False)
    education_ok = forms.ChoiceField(label="义务教育有保障", choices=_FLAG, required=False)
    medical_ok = forms.ChoiceField(label="基本医疗有保障", choices=_FLAG, required=False)
    housing_ok = forms.ChoiceField(label="住房安全有保障", choices=_FLAG, required=False)
    water_ok = forms.ChoiceField(label="饮水安全有保障", choices=_FLAG, required=False)
    problems = forms.CharField(label="存在问题", required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label="下一步打算", required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))


def flag_initial(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")
