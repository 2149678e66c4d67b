"""Risk screening (风险筛查): screening runs, policy simulations (政策模拟) and risk signals (风险信号).

A screening evaluates every rule over the whole scope inside the database
(``policy.rules.screening_sql``) and keeps one OPEN signal per household and reason. A signal
that no longer holds is marked 已由数据消除 by a later screening, never deleted. A simulation
(政策模拟测算) is a run of kind ``simulation``: it compares hypothetical parameter values with
today's and changes nothing but its own row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from minsheng.policy.models import DeterminationStatus
from minsheng.regions.models import Region
from minsheng.regions.scoping import ScopedQuerySet


class RunKind(models.TextChoices):
    SCREENING = "screening", "风险筛查"
    SIMULATION = "simulation", "政策模拟测算"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ScreeningRun(models.Model):
    """One screening or simulation (筛查批次 / 模拟测算), with its inputs and counts."""

    kind = models.CharField("类型", max_length=12, choices=RunKind.choices,
                            default=RunKind.SCREENING)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人",
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    # The scope of the run: every non-archived household under this region.
    region = models.ForeignKey(Region, verbose_name="筛查范围", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    on = models.DateField("判定日期")
    dry_run = models.BooleanField("试运行（不写入）", default=False)
    overrides = models.JSONField("模拟参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=8, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    phase = models.CharField("进度", max_length=100, blank=True)
    message = models.TextField("说明", blank=True)
    evaluated = models.PositiveIntegerField("参与筛查户数", default=0)
    flagged = models.PositiveIntegerField("存在风险的户数", default=0)
    new_count = models.PositiveIntegerField("新增信号", default=0)
    still_open = models.PositiveIntegerField("仍存在的信号", default=0)
    resolved = models.PositiveIntegerField("已由数据消除的信号", default=0)
    # Simulation result: rows by township and reason (see services.simulation_run).
    result = models.JSONField("模拟结果", default=dict, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "筛查批次"
        verbose_name_plural = "筛查批次"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("run_screening", "运行风险筛查"),
            ("run_simulation", "运行政策模拟测算"),
        ]
        indexes = [models.Index(fields=["kind", "region", "created_at"],
                                name="monitoring_run_kind_region")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.region_id} {self.on}"

    @property
    def is_running(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def duration_seconds(self) -> float:
        return self.duration_ms / 1000


class SignalStatus(models.TextChoices):
    """States of a risk signal. Issue 5 (monitoring cases) adds the states after 待核实."""

    OPEN = "open", "待核实"
    RESOLVED_BY_DATA = "resolved_by_data", "已由数据消除"


class RiskSignal(models.Model):
    """A risk signal (风险信号): one rule reason that holds for one household.

    At most one OPEN signal per household and reason (partial unique index). ``measured`` and
    ``threshold`` are the figures the rule compared; the Chinese explanation is rendered from
    them with ``rules.explain`` when shown (see ``selectors.signal_explanations``).
    """

    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="risk_signals",
                                  db_index=False)
    # The household's village (12 digits); households never change village. The references
    # below are written only by the screening service (from the household and the run it
    # holds): no database constraint, so a bulk screening pays one foreign-key check per row
    # (the household's), not five.
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.DO_NOTHING,
                               related_name="+", db_index=False, db_constraint=False)
    rule_id = models.CharField("规则", max_length=64)
    rule_version = models.PositiveSmallIntegerField("规则版本")
    reason_code = models.CharField("风险原因", max_length=64)
    outcome = models.CharField("判定结论", max_length=8, choices=DeterminationStatus.choices)
    status = models.CharField("状态", max_length=20, choices=SignalStatus.choices,
                              default=SignalStatus.OPEN)
    measured = models.TextField("测算值", null=True, blank=True)
    threshold = models.TextField("标准值", null=True, blank=True)
    people = models.PositiveIntegerField("在户人数", default=0)
    on = models.DateField("判定日期")
    first_run = models.ForeignKey(ScreeningRun, verbose_name="首次发现的筛查",
                                  on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                  db_constraint=False)
    last_run = models.ForeignKey(ScreeningRun, verbose_name="最近变更的筛查",
                                 on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                 db_constraint=False)
    resolved_run = models.ForeignKey(ScreeningRun, verbose_name="消除于筛查",
                                     on_delete=models.DO_NOTHING, related_name="+",
                                     db_index=False, db_constraint=False, null=True, blank=True)
    resolved_on = models.DateField("消除日期", null=True, blank=True)
    created_at = models.DateTimeField("发现时间")
    updated_at = models.DateTimeField("更新时间")

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "风险信号"
        verbose_name_plural = "风险信号"
        ordering = ["region_id", "household_id", "reason_code"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["household", "reason_code"], condition=models.Q(status="open"),
                name="monitoring_signal_one_open",
                violation_error_message="同一农户同一风险原因只能有一条待核实的信号。",
            ),
        ]
        indexes = [
            # A scope's signals by status (results page, the screening's resolve step).
            models.Index(fields=["status", "region"], name="monitoring_sig_status_reg"),
            # A household's signals, open or resolved (household page, API).
            models.Index(fields=["household", "status"], name="monitoring_sig_household"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.reason_code} {self.get_status_display()}"
