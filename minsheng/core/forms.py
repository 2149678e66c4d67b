from django import forms

from minsheng.core.models import AuditEventType


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="操作人账号", required=False, max_length=150)
    event_type = forms.ChoiceField(label="事件", required=False,
                                   choices=[("", "全部"), *AuditEventType.choices])
    subject = forms.CharField(label="对象", required=False, max_length=100)
    region_code = forms.CharField(label="区划代码", required=False, max_length=12)
    request_id = forms.CharField(label="请求编号", required=False, max_length=64)
    date_from = forms.DateField(label="起始日期", required=False,
                                widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False,
                              widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean_region_code(self) -> str:
        value = self.cleaned_data["region_code"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError("区划代码只能包含数字。")
        return value

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data
