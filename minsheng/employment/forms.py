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


# --- Jobs, notices, fairs -------------------------------------------------------------------

class PostingForm(forms.Form):
    enterprise = forms.ChoiceField(label="用工企业")
    workshop = forms.ChoiceField(label="就业帮扶车间（可不选）", required=False)
    title = forms.CharField(label="岗位名称", max_length=100)
    trade = forms.CharField(label="工种", max_length=50, help_text="如 电焊工、缝纫工、普工")
    place = forms.CharField(label="工作地点", max_length=200, required=False)
    lng = forms.CharField(label="经度（可不填，默认取车间所在村或企业的位置）", max_length=20,
                          required=False)
    lat = forms.CharField(label="纬度", max_length=20, required=False)
    wage_min = forms.DecimalField(label="月工资下限（元）", min_value=0, decimal_places=2,
                                  required=False)
    wage_max = forms.DecimalField(label="月工资上限（元）", min_value=0, decimal_places=2,
                                  required=False)
    headcount = forms.IntegerField(label="招聘人数", min_value=1)
    requirements = forms.CharField(label="岗位要求", max_length=500, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    valid_from = forms.DateField(label="有效期起", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    valid_to = forms.DateField(label="有效期止", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, enterprises: list[Any], workshops: list[Any],
                 editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [(e.pk, e.name) for e in enterprises]
        self.fields["workshop"].choices = [("", "—")] + [
            (w.pk, f"{w.enterprise.name} · {w.name}（{w.region.name}）") for w in workshops]
        if editing:
            self.fields["enterprise"].required = False
            self.fields["enterprise"].disabled = True


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="新状态")
    on = forms.DateField(label="日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    note = forms.CharField(label="说明（终止须填原因）", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, moves: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from minsheng.employment.choices import NoticeStatus

        self.fields["to"].choices = moves if moves is not None else NoticeStatus.choices


class FairForm(forms.Form):
    name = forms.CharField(label="招聘会名称", max_length=100,
                           help_text="如 2026 年春风行动专场招聘会")
    held_on = forms.DateField(label="举办日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    place = forms.CharField(label="举办地点", max_length=200)
    region = forms.ChoiceField(label="主办地区")
    note = forms.CharField(label="说明", max_length=500, required=False)

    def __init__(self, *args: Any, regions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]


class FairEnterpriseForm(forms.Form):
    enterprise = forms.ChoiceField(label="参会企业")
    posts = forms.IntegerField(label="提供岗位数", min_value=0, required=False)

    def __init__(self, *args: Any, enterprises: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [(e.pk, e.name) for e in enterprises]


class FairAttendeeForm(forms.Form):
    member = forms.CharField(label="求职人员身份证号（或成员编号）", max_length=20)
    outcome = forms.ChoiceField(label="结果")
    enterprise = forms.ChoiceField(label="意向或签约企业", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, enterprises: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from minsheng.employment.choices import FairOutcome

        self.fields["outcome"].choices = FairOutcome.choices
        self.fields["enterprise"].choices = [("", "—")] + [(e.pk, e.name) for e in enterprises]
