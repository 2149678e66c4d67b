"""Forms of the registry pages: filters, upload, household and member editing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import modelform_factory
from django.http import QueryDict

from minsheng.registry.choices import (
    ArchiveReason,
    Health,
    HouseholdCategory,
    LabourCapacity,
    Relation,
)
from minsheng.registry.filters import HouseholdFilter
from minsheng.registry.models import Household, IncomeLedger, Member
from minsheng.registry.validation import (
    disability_grade_error,
    ledger_year_error,
    work_months_error,
)


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label="查询", required=False, max_length=64,
                        widget=forms.TextInput(attrs={"placeholder": "姓名、拼音首字母或户编号",
                                                      "type": "search"}))
    category = forms.ChoiceField(label="户类型", required=False,
                                 choices=[("", "全部"), *HouseholdCategory.choices])
    labour_capacity = forms.ChoiceField(label="劳动技能", required=False,
                                        choices=[("", "全部"), *LabourCapacity.choices])
    health = forms.ChoiceField(label="健康状况", required=False,
                               choices=[("", "全部"), *Health.choices])
    insurance_gap = forms.BooleanField(label="有成员未参加基本医保", required=False)
    housing_unsafe = forms.BooleanField(label="住房 C/D 级", required=False)
    water_unsafe = forms.BooleanField(label="饮水不达标", required=False)
    relocated = forms.BooleanField(label="易地搬迁户", required=False)
    include_archived = forms.BooleanField(label="含已归档", required=False)
    income_year = forms.IntegerField(label="收入年度", required=False, min_value=2000,
                                     max_value=2100)
    income_min = forms.DecimalField(label="家庭年收入不低于（元）", required=False, min_value=0)
    income_max = forms.DecimalField(label="家庭年收入不高于（元）", required=False, min_value=0)


def household_filter_from(params: QueryDict) -> HouseholdFilter:
    """The filter in a query string; unparseable values are ignored (the form shows errors)."""
    form = HouseholdFilterForm(params)
    form.is_valid()
    data: dict[str, Any] = {}
    for name in HouseholdFilter.__dataclass_fields__:
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if value in (None, ""):
            continue
        data[name] = value
    return HouseholdFilter(**data)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="选择文件", help_text="支持 xlsx、xls、csv；可以直接使用各地的采集表，"
                           "系统会自动识别表头。")


# --- Editing --------------------------------------------------------------------------------


_HOUSEHOLD_EDIT_FIELDS = [
    "group_name", "address", "phone", "bank_name", "bank_account", "category", "relocated",
    "housing_grade", "water_quantity_ok", "water_quality_ok", "water_convenience_ok",
    "water_assurance_ok",
]
_MEMBER_EDIT_FIELDS = [
    "name", "relation", "ethnicity", "education", "school_stage", "health", "disability_grade",
    "labour_capacity", "work_area", "work_months", "medical_insurance",
    "serious_illness_insurance", "pension_insurance", "dibao", "tekun", "phone",
]
_TRI_STATE = forms.NullBooleanSelect


class VersionedForm(forms.Form):
    """Carries the version the editor read (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


_HouseholdBase = modelform_factory(
    Household, fields=_HOUSEHOLD_EDIT_FIELDS,
    widgets={f: _TRI_STATE for f in ("water_quantity_ok", "water_quality_ok",
                                     "water_convenience_ok", "water_assurance_ok")},
)


class HouseholdEditForm(_HouseholdBase):  # type: ignore[misc, valid-type]
    version = forms.IntegerField(widget=forms.HiddenInput)


class HouseholdCreateForm(_HouseholdBase):  # type: ignore[misc, valid-type]
    household_no = forms.CharField(label="户编号", max_length=32)
    region_code = forms.ChoiceField(label="所在村")
    head_name = forms.CharField(label="户主姓名", max_length=64)
    head_id_number = forms.CharField(label="户主身份证号", max_length=22)

    field_order = ["household_no", "region_code", "head_name", "head_id_number"]

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        """``villages``: (code, full name) of each village the actor may register in."""
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = list(villages)


def _checked(value: Any, error: Any) -> Any:
    """``value``, or the registry's message for it as a field error. A field with an error is
    left out of the model's constraint validation, which would name the constraint instead."""
    message = error(value)
    if message:
        raise forms.ValidationError(message)
    return value


class _MemberBase(modelform_factory(Member, fields=_MEMBER_EDIT_FIELDS)):  # type: ignore[misc]
    def clean_disability_grade(self) -> int | None:
        return _checked(self.cleaned_data.get("disability_grade"), disability_grade_error)

    def clean_work_months(self) -> int | None:
        return _checked(self.cleaned_data.get("work_months"), work_months_error)


class MemberEditForm(_MemberBase):  # type: ignore[misc, valid-type]
    version = forms.IntegerField(widget=forms.HiddenInput)


class MemberCreateForm(_MemberBase):  # type: ignore[misc, valid-type]
    id_number = forms.CharField(label="身份证号", max_length=22)
    field_order = ["name", "id_number"]


class LedgerForm(modelform_factory(IncomeLedger, fields=["year", *IncomeLedger.AMOUNT_FIELDS])):  # type: ignore[misc]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_year(self) -> int | None:
        return _checked(self.cleaned_data.get("year"), ledger_year_error)

    def validate_unique(self) -> None:
        """(household, year) is matched by the service, which updates an existing year."""


class MemberArchiveForm(VersionedForm):
    reason = forms.ChoiceField(label="减员原因", choices=ArchiveReason.choices)


class MemberMoveForm(VersionedForm):
    to_household_no = forms.CharField(label="迁入农户的户编号", max_length=32)
    relation = forms.ChoiceField(label="在新户中与户主关系", choices=Relation.choices)
    reason = forms.ChoiceField(label="原因", choices=[("split", "分户"), ("merged", "合户")])


class HouseholdArchiveForm(VersionedForm):
    reason = forms.ChoiceField(label="归档原因", choices=ArchiveReason.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)
