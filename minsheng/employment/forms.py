"""Forms of the employment pages: input shape only; the services check and write."""

from __future__ import annotations

from typing import Any

from django import forms

from minsheng.employment.choices import (
    Sector,
    SubsidyKind,
    UnemployedReason,
    WorkerCategory,
    WorkshopStatus,
    WorkshopType,
    WorkStatus,
)
from minsheng.registry.choices import WorkArea

_AREAS = [("", "—")] + [(v, label) for v, label in WorkArea.choices if v]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="就业状态", choices=WorkStatus.choices,
                               widget=forms.RadioSelect)
    work_area = forms.ChoiceField(label="务工区域", choices=_AREAS, required=False)
    employer_name = forms.CharField(label="就业单位", max_length=200, required=False)
    work_months = forms.IntegerField(label="本年务工月数", min_value=0, max_value=12,
                                     required=False)
    monthly_income = forms.DecimalField(label="月收入（元）", min_value=0, decimal_places=2,
                                        required=False)
    unemployed_reason = forms.ChoiceField(
        label="未就业原因", choices=[("", "—"), *UnemployedReason.choices], required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ProfileForm(forms.Form):
    skills = forms.CharField(label="技能特长", max_length=200, required=False)
    certificates = forms.CharField(label="职业资格或技能证书", max_length=200, required=False)
    intended_trade = forms.CharField(label="意向工种", max_length=100, required=False)
    intended_place = forms.CharField(label="意向务工地点", max_length=100, required=False)
    max_distance_km = forms.IntegerField(label="可接受的最远距离（公里）", min_value=0,
                                         required=False)
    training_wishes = forms.CharField(label="培训意愿", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class UploadForm(forms.Form):
    file = forms.FileField(label="选择文件", help_text="支持 xlsx、xls、csv；可以直接使用各地的台账表，"
                           "系统会自动识别标题行和表头。")


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=30)
    name = forms.CharField(label="企业名称", max_length=200)
    region = forms.ChoiceField(label="注册地（县）")
    address = forms.CharField(label="地址", max_length=200, required=False)
    lng = forms.CharField(label="经度", max_length=20, required=False)
    lat = forms.CharField(label="纬度", max_length=20, required=False)
    sector = forms.ChoiceField(label="行业", choices=Sector.choices)
    contact_name = forms.CharField(label="联系人", max_length=64, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, counties: list[Any], editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(c.code, c.name) for c in counties]
        if editing:
            for name in ("uscc", "region"):
                self.fields[name].required = False
                self.fields[name].disabled = True


class WorkshopForm(forms.Form):
    name = forms.CharField(label="车间名称", max_length=200)
    workshop_type = forms.ChoiceField(label="车间类型", choices=WorkshopType.choices)
    region = forms.ChoiceField(label="所在村")
    address = forms.CharField(label="地址", max_length=200, required=False)
    headcount = forms.IntegerField(label="用工总人数", min_value=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, villages: list[Any], editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(v.code, v.name) for v in villages]
        if editing:
            self.fields["region"].required = False
            self.fields["region"].disabled = True


class WorkshopStatusForm(forms.Form):
    to = forms.ChoiceField(label="新状态", choices=WorkshopStatus.choices)
    on = forms.DateField(label="日期")
    reason = forms.CharField(label="原因或说明", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class WorkerForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=64)
    id_number = forms.CharField(label="身份证号", max_length=20)
    category = forms.ChoiceField(label="人员类别", choices=WorkerCategory.choices)
    contract_start = forms.DateField(label="合同起始日期")
    contract_months = forms.IntegerField(label="合同期限（月）", min_value=1, max_value=120)


class SubsidyForm(forms.Form):
    kind = forms.ChoiceField(label="补贴类型", choices=SubsidyKind.choices)
    amount = forms.DecimalField(label="金额（元）", min_value=0, decimal_places=2)
    granted_on = forms.DateField(label="发放日期")
    note = forms.CharField(label="说明", max_length=200, required=False)
