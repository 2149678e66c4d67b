"""Forms of the statistics pages: input shape only; the services check and write."""

from __future__ import annotations

from typing import Any

from django import forms

MONTH_CHOICES = [(0, "全年")] + [(n, f"{n} 月") for n in range(1, 13)]


class TargetForm(forms.Form):
    region = forms.ChoiceField(label="区划（县及以上）")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label="月份", choices=MONTH_CHOICES, coerce=int,
                                   help_text="“全年”为全年目标；某月有目标时该月按月目标统计。")
    target = forms.IntegerField(label="脱贫劳动力务工规模目标（人）", min_value=0)
    reference = forms.CharField(label="依据文件", max_length=200, required=False,
                                help_text="下达目标的文件名称或文号")
    note = forms.CharField(label="备注", max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, regions: list[Any] | None = None, editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.name}（{r.code[:6]}）")
                                         for r in regions or []]
        if editing:  # region and period of a target stay; only the number and papers change
            for name in ("region", "year", "month"):
                self.fields[name].disabled = True
                self.fields[name].required = False
