"""Stored policy data: rule determinations (判定记录) and locally proposed parameter values.

Parameters themselves live in YAML files (``policy/parameters/``); the only parameter values in
the database are the ones county and city staff propose in the UI and a second person approves
(``ParameterProposal`` with status ``approved``). Those join the lookup beside the files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minsheng.registry.models import LedgerCents


class DeterminationStatus(models.TextChoices):
    RISK = "risk", "存在风险"
    CLEAR = "clear", "未发现风险"
    UNKNOWN = "unknown", "无法判定"


class ParameterSnapshot(models.Model):
    """What a screening decided with (判定依据快照): the version of every rule and the values of
    every parameter the rules use (name → value, dates, source region, reference; without the
    village's code, which each determination holds), stored once and shared by every screening
    determination that used the same (the villages of a parameter group, across runs): a
    million determinations then reference a few dozen snapshots instead of repeating some
    2 KB each. Append-only, like determinations."""

    digest = models.CharField("摘要", max_length=64, unique=True)  # sha256 of the JSON
    rules = models.JSONField("规则版本", default=dict)
    parameters = models.JSONField("所用参数")
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "判定依据快照"
        verbose_name_plural = "判定依据快照"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.digest[:12]


class ScreeningDetermination(LedgerCents):
    """One household evaluated by every rule in one screening run (筛查判定记录), replayable
    later: written for each household whose signals the run opened, changed or resolved.

    Holds what was decided — the overall conclusion and the reason codes that hold (the
    figures are the signals') — on which date, with which rule versions and parameter values
    (``basis``, shared by the households of a parameter group), and on which facts, as the
    screening read them: the household's category, housing grade and 饮水 checks, the number of
    active members, the members a member rule could flag (uninsured, or not in school within
    the compulsory-age window — the others are insured and in school or outside the window, so
    they are counted, not listed), and the latest ledger up to the screening's year and the one
    of the year before it, in 分. ``replay`` re-runs every rule from these alone. Append-only.
    """

    # Written only by the screening service, in the run's transaction; no database constraint
    # (households are archived, never deleted), as for determinations.
    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="+", db_index=False,
                                  db_constraint=False)
    source = models.CharField("来源", max_length=64)
    region_code = models.CharField("区划代码", max_length=12)
    on = models.DateField("判定日期")
    status = models.CharField("结论", max_length=8, choices=DeterminationStatus.choices)
    # The reason codes that hold, in the rules' order (``rules.REASON_CODES``).
    reasons = models.JSONField("风险原因", default=list)
    # Written only by the screening service, from a snapshot it has just stored.
    basis = models.ForeignKey(ParameterSnapshot, verbose_name="判定依据", on_delete=models.PROTECT,
                              related_name="+", db_index=False, db_constraint=False)
    category = models.CharField("户类型", max_length=16)
    housing_grade = models.CharField("住房安全等级", max_length=1)
    water_quantity_ok = models.BooleanField("饮水水量达标", null=True)
    water_quality_ok = models.BooleanField("饮水水质达标", null=True)
    water_convenience_ok = models.BooleanField("取水方便", null=True)
    water_assurance_ok = models.BooleanField("供水保障率达标", null=True)
    people = models.IntegerField("在户人数")
    members = models.JSONField("列出的成员", default=list)
    ledger_year = models.IntegerField("收支台账年度", null=True)
    has_previous = models.BooleanField("有上一年度台账", default=False)
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "筛查判定记录"
        verbose_name_plural = "筛查判定记录"
        default_permissions = ("view",)
        indexes = [models.Index(fields=["household", "source"], name="policy_facts_household")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.source}"

    @property
    def used_parameters(self) -> dict:
        """The parameter snapshots (name → snapshot, with this household's village) the rules
        used: what ``rules.replay`` takes."""
        return {name: {**snapshot, "region_code": self.region_code}
                for name, snapshot in self.basis.parameters.items()}

    def replay(self) -> list:
        """Every rule of the run re-evaluated from this record's own facts and parameters (not
        from today's registry or files): one ``rules.Outcome`` per rule, in the rules' order."""
        from minsheng.policy import rules

        facts, parameters = self.as_facts(), self.used_parameters
        order = {rule.id: k for k, rule in enumerate(rules.RULES)}
        # A rule no longer known sorts last; replay raises for it (not available).
        used = sorted(self.basis.rules.items(), key=lambda item: order.get(item[0], len(order)))
        return [rules.replay(rule_id=rule_id, rule_version=version, on=self.on, facts=facts,
                             parameters={name: parameters[name]
                                         for name in rules.RULES_BY_ID[rule_id].parameter_names})
                for rule_id, version in used]

    def as_facts(self) -> dict:
        """The facts as ``HouseholdFacts.from_mapping`` takes them."""
        from minsheng.policy.rules.facts import LEDGER_FIELDS, cents_text

        def amounts(prefix: str) -> dict[str, str]:
            return {name: cents_text(getattr(self, f"{prefix}_{name}") or 0)
                    for name in LEDGER_FIELDS}

        ledgers = {}
        if self.ledger_year is not None:
            ledgers[str(self.ledger_year)] = amounts("c")
            if self.has_previous:
                ledgers[str(self.ledger_year - 1)] = amounts("p")
        members = [{"id": m["id"], "name": m["name"], "birth_date": str(m["birth_date"])[:10],
                    "school_stage": m["school_stage"],
                    "medical_insurance": bool(m["medical_insurance"])}
                   for m in sorted(self.members, key=lambda m: m["id"])]
        return {"household_id": self.household_id, "region_code": self.region_code,
                "category": self.category, "housing_grade": self.housing_grade,
                "water_quantity_ok": self.water_quantity_ok,
                "water_quality_ok": self.water_quality_ok,
                "water_convenience_ok": self.water_convenience_ok,
                "water_assurance_ok": self.water_assurance_ok,
                "members": members, "other_members": self.people - len(members),
                "ledgers": ledgers}


class Determination(models.Model):
    """One rule evaluated for one household (判定记录), replayable later: a single household's
    evaluation (``rules.determine``). A screening stores one ``ScreeningDetermination`` per
    household instead.

    Records what was decided, by which rule version, with which parameter values (and their
    references) and on which facts, so the decision can be explained and re-run years later
    (``rules.replay(…, facts=d.facts, parameters=d.parameters)``).
    """

    # Written only by services, with a household id read from the registry in the same
    # transaction; households are archived, never deleted: no database constraint (earlier
    # screenings wrote hundreds of thousands of these).
    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="determinations",
                                  db_index=False, db_constraint=False)
    region_code = models.CharField("区划代码", max_length=12)
    rule_id = models.CharField("规则", max_length=64)
    rule_version = models.PositiveSmallIntegerField("规则版本")
    on = models.DateField("判定日期")
    status = models.CharField("结论", max_length=8, choices=DeterminationStatus.choices)
    reasons = models.JSONField("理由", default=list, blank=True)
    parameters = models.JSONField("所用参数", default=dict, blank=True)
    facts = models.JSONField("事实快照", default=dict, blank=True)
    # Which run wrote it: empty for a single evaluation; "screening:<id>" for the per-signal
    # determinations screenings wrote before ``ScreeningDetermination`` (migration 0005).
    source = models.CharField("来源", max_length=64, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "判定记录"
        verbose_name_plural = "判定记录"
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["household", "rule_id", "on"], name="policy_det_household_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.rule_version} {self.get_status_display()}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class ParameterProposal(models.Model):
    """A local parameter value proposed in the UI (地方参数取值申报) and its approval.

    Proposed by county or city staff for their own region; a different person approves it
    (四眼原则). Approved values join the YAML values in the lookup for that region.
    """

    name = models.CharField("参数", max_length=128)
    region_code = models.CharField("区划代码", max_length=12)
    effective = models.DateField("生效日期")
    until = models.DateField("截止日期", null=True, blank=True)
    value = models.JSONField("取值")
    note = models.CharField("备注", max_length=200, blank=True)
    ref_document = models.CharField("文件名称（文号）", max_length=200)
    ref_issuer = models.CharField("发文机关", max_length=100)
    ref_date = models.DateField("发文日期")
    ref_url = models.URLField("网址", blank=True)
    status = models.CharField("状态", max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人",
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("申报时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人",
                                   on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "参数取值申报"
        verbose_name_plural = "参数取值申报"
        ordering = ["-proposed_at", "-id"]
        permissions = [
            ("propose_parameter", "申报地方政策参数"),
            ("approve_parameter", "审批地方政策参数"),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="policy_proposal_status_name"),
            models.Index(fields=["region_code", "status"], name="policy_proposal_region"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.region_code} {self.effective}"
