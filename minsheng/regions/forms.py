from __future__ import annotations

import re

from django import forms

from minsheng.core.roles import ADMIN_ROLES, Department, Role

_BUSINESS_ROLES = [(value, label) for value, label in Role.choices if value not in ADMIN_ROLES]
ADMIN_ROLE_CREATE = "三类管理员账号只能由运维人员通过命令行创建。"
ADMIN_ROLE_CHANGE = "三类管理员账号只能由运维人员通过命令行变更。"


class _RoleField(forms.ChoiceField):
    """Business roles only; an administrator role gets the 三员分立 message, not a generic one."""

    admin_message = ADMIN_ROLE_CREATE

    def validate(self, value: str) -> None:
        if value in ADMIN_ROLES:
            raise forms.ValidationError(self.admin_message, code="admin_role")
        super().validate(value)


class AccountForm(forms.Form):
    username = forms.CharField(label="账号", max_length=150,
                               help_text="字母、数字和 @/./+/-/_，创建后不可修改")
    display_name = forms.CharField(label="姓名", max_length=64)
    role = _RoleField(label="角色", choices=_BUSINESS_ROLES)
    department = forms.ChoiceField(label="所属部门", required=False,
                                   choices=[("", "（非部门联络员不填）"), *Department.choices])
    region_codes = forms.CharField(
        label="管辖区域代码", help_text="12 位统计用区划代码（也可填 2/4/6/9 位），多个用逗号或空格分隔",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    organisation = forms.CharField(label="单位", max_length=128, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["username"].disabled = True
            self.fields["role"].admin_message = ADMIN_ROLE_CHANGE  # type: ignore[attr-defined]
        else:
            self.fields["password"] = forms.CharField(
                label="初始密码", strip=False, widget=forms.PasswordInput,
                help_text="至少 10 位，包含大小写字母、数字、符号中的至少 3 类")

    def clean_region_codes(self) -> list[str]:
        raw = self.cleaned_data["region_codes"]
        codes = [c for c in re.split(r"[\s,，、;；]+", raw) if c]
        bad = [c for c in codes if not c.isdigit() or len(c) not in (2, 4, 6, 9, 12)]
        if bad:
            raise forms.ValidationError(f"区划代码格式不正确：{'、'.join(bad)}")
        if not codes:
            raise forms.ValidationError("至少填写一个管辖区域。")
        return sorted({c.ljust(12, "0") for c in codes})

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not re.fullmatch(r"1\d{10}|0\d{2,3}-?\d{7,8}", phone):
            raise forms.ValidationError("手机号应为 11 位数字，或带区号的固定电话。")
        return phone
