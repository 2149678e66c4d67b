"""Forms of the department-data pages: upload, lead filters, transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from minsheng.core.roles import Department, Role
from minsheng.departments.excel import SPECS
from minsheng.departments.models import LeadStatus
from minsheng.departments.selectors import LeadFilter


def department_choices(actor: Any) -> list[tuple[str, str]]:
    """The departments whose data the actor works with (a liaison: its own)."""
    choices = [(value, label) for value, label in Department.choices if value in SPECS]
    if getattr(actor, "role", "") == Role.DEPARTMENT_LIAISON:
        return [(v, label) for v, label in choices if v == actor.department]
    return choices


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    previous = first - dt.timedelta(days=1)
    return f"{previous:%Y-%m}"


class UploadForm(forms.Form):
    department = forms.ChoiceField(label="部门")
    period = forms.CharField(label="数据期间", max_length=10,
                             help_text="文件所属的年月，如 2025-10")
    auto_assign = forms.BooleanField(label="导入后按农户所在乡镇自动分派", required=False,
                                     initial=True)
    file = forms.FileField(label="选择文件", help_text="支持 xlsx、xls、csv；可以直接上传部门的原表，"
                           "系统会自动识别标题行和表头。")

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices(actor)
        self.fields["period"].initial = _last_month()


class LeadFilterForm(forms.Form):
    department = forms.ChoiceField(label="部门", required=False)
    period = forms.CharField(label="数据期间", required=False, max_length=7,
                             widget=forms.TextInput(attrs={"placeholder": "2025-10"}))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部"), *LeadStatus.choices])
    township = forms.ChoiceField(label="乡镇", required=False)
    threshold_reached = forms.ChoiceField(label="达到阈值", required=False,
                                          choices=[("", "全部"), ("1", "是"), ("0", "否")])
    name_mismatch = forms.ChoiceField(label="姓名不一致", required=False,
                                      choices=[("", "全部"), ("1", "是"), ("0", "否")])

    def __init__(self, *args: Any, actor: Any, townships: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部"), *department_choices(actor)]
        self.fields["township"].choices = [("", "全部"), *[(t.code, t.name) for t in townships]]


def lead_filter_from(params: QueryDict, *, actor: Any, townships: list[Any]) -> tuple[
        LeadFilterForm, LeadFilter]:
    form = LeadFilterForm(params, actor=actor, townships=townships)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})

    def flag(name: str) -> bool | None:
        value = data.get(name)
        return None if value in (None, "") else value == "1"

    return form, LeadFilter(department=data.get("department") or "",
                            period=(data.get("period") or "").strip(),
                            status=data.get("status") or "", township=data.get("township") or "",
                            threshold_reached=flag("threshold_reached"),
                            name_mismatch=flag("name_mismatch"))
