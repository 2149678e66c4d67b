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

    # Written only by the screening service, from household ids it has just read from the
    # registry; households are archived, never deleted: no database constraint, so a bulk
    # screening pays no check per row.
    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="risk_signals",
                                  db_index=False, db_constraint=False)
    # The household's village (12 digits); households never change village. The references
    # below are written only by the screening service (from the household and the run it
    # holds): no database constraint either.
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


# --- Monitoring cases (监测对象识别、帮扶、风险消除) -----------------------------------------
#
# One case per household at a time (一户一案): the identification procedure (识别程序) and, for a
# household under monitoring, the risk elimination procedure (风险消除程序) are states of the
# same machine, declared in ``monitoring/workflow.py``. ``case_services.case_transition`` is the
# only writer of ``MonitoringCase.status``. Leads (线索) from every channel land in one inbox
# (``CaseLead``) and merge into the household's open case.


class CaseStatus(models.TextChoices):
    WARNING = "warning", "风险预警"
    HOUSEHOLD_CHECK = "household_check", "入户核查"
    DATA_COMPARISON = "data_comparison", "信息比对"
    REVIEW = "review", "民主评议"
    NOTICE = "notice", "村级公示"
    TOWNSHIP_REVIEW = "township_review", "乡镇审核"
    COUNTY_APPROVAL = "county_approval", "县级审定"
    MONITORING = "monitoring", "监测中（风险未消除）"
    NOT_INCLUDED = "not_included", "不纳入"
    ELIM_CHECK = "elim_check", "风险消除：入户核实"
    ELIM_REVIEW = "elim_review", "风险消除：民主评议"
    ELIM_NOTICE = "elim_notice", "风险消除：村级公示"
    ELIM_TOWNSHIP = "elim_township", "风险消除：乡镇审核"
    ELIM_COUNTY = "elim_county", "风险消除：县级审定"
    ELIMINATED = "eliminated", "已标注风险消除"


# A household is a 监测对象 from 纳入 until its risk is marked eliminated: while its case is
# 监测中 or in the elimination procedure.
MONITORED_STATUSES = (CaseStatus.MONITORING, CaseStatus.ELIM_CHECK, CaseStatus.ELIM_REVIEW,
                      CaseStatus.ELIM_NOTICE, CaseStatus.ELIM_TOWNSHIP, CaseStatus.ELIM_COUNTY)


class CaseCategory(models.TextChoices):
    UNSTABLE = "unstable", "脱贫不稳定户"
    EDGE = "edge", "边缘易致贫户"
    SUDDEN = "sudden", "突发严重困难户"


class RiskType(models.TextChoices):
    ILLNESS = "illness", "因病"
    SCHOOLING = "schooling", "因学"
    DISABILITY = "disability", "因残"
    DISASTER = "disaster", "因灾"
    ACCIDENT = "accident", "因意外"
    INDUSTRY = "industry", "因产业失败"
    EMPLOYMENT = "employment", "因务工就业不稳"
    LABOUR = "labour", "缺劳动力"
    OTHER = "other", "其他"


class CaseDecision(models.TextChoices):
    NONE = "", "未决定"
    INCLUDED = "included", "纳入"
    NOT_INCLUDED = "not_included", "不纳入"


class EliminationKind(models.TextChoices):
    NONE = "", "未标注"
    ASSISTED = "assisted", "帮扶消除"
    NATURAL = "natural", "自然消除"


class ProcedureStage(models.TextChoices):
    IDENTIFICATION = "identification", "识别程序"
    ELIMINATION = "elimination", "风险消除程序"


class MonitoringCase(models.Model):
    """A household's monitoring case (监测对象案件，一户一案).

    ``is_open`` is true until the case ends (不纳入 or 已标注风险消除); a partial unique index
    keeps one open case per household. ``step_deadline`` is the deadline of the current step,
    computed from the procedure parameters when the case enters it.
    """

    household = models.ForeignKey("registry.Household", verbose_name="农户",
                                  on_delete=models.PROTECT, related_name="monitoring_cases")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    status = models.CharField("当前环节", max_length=20, choices=CaseStatus.choices,
                              default=CaseStatus.WARNING)
    is_open = models.BooleanField("办理中", default=True)
    category = models.CharField("监测对象类别", max_length=12, choices=CaseCategory.choices,
                                blank=True)
    risk_types = models.JSONField("风险类型", default=list, blank=True)
    summary = models.TextField("风险情况", blank=True)
    step_started_at = models.DateTimeField("进入当前环节时间")
    step_deadline = models.DateField("当前环节办理时限", null=True, blank=True)
    deadline_parameter = models.CharField("时限依据参数", max_length=100, blank=True)
    # 识别程序全流程办结时限 (``procedure.identification.total_working_days``), from creation.
    procedure_deadline = models.DateField("识别程序办结时限", null=True, blank=True)
    green_channel = models.BooleanField("绿色通道（先帮扶后补程序）", default=False)
    green_channel_at = models.DateTimeField("启用绿色通道时间", null=True, blank=True)
    green_channel_note = models.TextField("绿色通道说明", blank=True)
    decision = models.CharField("识别结论", max_length=16, choices=CaseDecision.choices,
                                blank=True)
    decision_reason = models.TextField("结论说明", blank=True)
    included_on = models.DateField("纳入日期", null=True, blank=True)
    elimination_kind = models.CharField("风险消除方式", max_length=10,
                                        choices=EliminationKind.choices, blank=True)
    eliminated_on = models.DateField("风险消除日期", null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="建档人", null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+",
                                  db_index=False)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监测对象案件"
        verbose_name_plural = "监测对象案件"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        permissions = [
            ("check_monitoringcase", "入户核查、民主评议、村级公示"),
            ("compare_monitoringcase", "信息比对"),
            ("review_monitoringcase", "乡镇审核"),
            ("approve_monitoringcase", "县级审定"),
            ("greenchannel_monitoringcase", "启用绿色通道"),
            ("export_monitoringcase", "导出监测对象名单"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(is_open=True),
                name="monitoring_case_one_open",
                violation_error_message="一户同时只能有一个办理中的监测案件。"),
        ]
        indexes = [
            models.Index(fields=["status", "region"], name="monitoring_case_status"),
            models.Index(fields=["is_open", "step_deadline"], name="monitoring_case_deadline"),
        ]

    def __str__(self) -> str:
        return f"监测案件 {self.number} {self.household.head_name}"

    @property
    def number(self) -> str:
        return f"JC{self.pk or 0:06d}"

    @property
    def risk_type_labels(self) -> list[str]:
        labels = dict(RiskType.choices)
        return [labels.get(code, code) for code in self.risk_types]

    @property
    def stage(self) -> str:
        return (ProcedureStage.ELIMINATION if self.status.startswith("elim")
                or self.status == CaseStatus.ELIMINATED else ProcedureStage.IDENTIFICATION)


class LeadSource(models.TextChoices):
    DECLARATION = "declaration", "农户自主申报"
    VISIT = "visit", "村级排查"
    SIGNAL = "signal", "风险筛查信号"
    DEPARTMENT = "department", "部门推送线索"


class CaseLeadStatus(models.TextChoices):
    PENDING = "pending", "待研判"
    MERGED = "merged", "已转入监测案件"
    DISMISSED = "dismissed", "不纳入（已答复）"


class CaseLead(models.Model):
    """One lead in the inbox (线索收件箱): a self-declaration, a village 排查 report, a screening
    signal or a department lead. Assigned to its village (and so its township) with a response
    deadline; when handled it is merged into the household's open case, or dismissed."""

    source = models.CharField("线索来源", max_length=12, choices=LeadSource.choices)
    household = models.ForeignKey("registry.Household", verbose_name="农户", null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name="所在村", on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    township = models.ForeignKey(Region, verbose_name="所属乡镇", on_delete=models.PROTECT,
                                 related_name="+", db_index=False)
    name = models.CharField("姓名", max_length=64)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    description = models.TextField("情况说明", blank=True)
    details = models.JSONField("排查变化", default=dict, blank=True)
    risk_types = models.JSONField("风险类型", default=list, blank=True)
    signal = models.ForeignKey(RiskSignal, verbose_name="风险信号", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    department_lead = models.ForeignKey("departments.DepartmentLead", verbose_name="部门线索",
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    tracking_code = models.CharField("查询码", max_length=16, null=True, blank=True,
                                     unique=True)
    status = models.CharField("状态", max_length=12, choices=CaseLeadStatus.choices,
                              default=CaseLeadStatus.PENDING)
    case = models.ForeignKey(MonitoringCase, verbose_name="监测案件", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="leads")
    response_deadline = models.DateField("响应时限")
    result_note = models.TextField("处理意见", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("收到时间", auto_now_add=True)

    region_path = "region"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "监测线索"
        verbose_name_plural = "监测线索"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view", "add")
        permissions = [("handle_caselead", "研判监测线索（转入案件或不纳入）")]
        indexes = [
            models.Index(fields=["status", "region"], name="monitoring_lead_status"),
            models.Index(fields=["status", "response_deadline"], name="monitoring_lead_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.name}"


class CaseTransition(models.Model):
    """One step of a case (环节流转记录): who, when, from, to, note. Append-only: written only
    by ``case_services.case_transition`` (and the case's creation)."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT,
                             related_name="transitions")
    from_status = models.CharField("原环节", max_length=20, choices=CaseStatus.choices,
                                   blank=True)
    to_status = models.CharField("新环节", max_length=20, choices=CaseStatus.choices)
    action = models.CharField("操作", max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    note = models.TextField("说明", blank=True)
    deadline = models.DateField("下一环节时限", null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "案件环节流转"
        verbose_name_plural = "案件环节流转"
        ordering = ["case_id", "at", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


class CaseVisit(models.Model):
    """An 入户核查 (identification) or 入户核实 (elimination) record: who visited, members
    present, income and spending of the last 12 months, the 三保障 + 饮水 checklist."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT, related_name="visits")
    stage = models.CharField("程序", max_length=16, choices=ProcedureStage.choices)
    visited_on = models.DateField("核查日期")
    visitors = models.JSONField("核查人员", default=list)
    members_present = models.JSONField("在场家庭成员", default=list, blank=True)
    income_12m = models.DecimalField("近12个月家庭纯收入（元）", max_digits=12,
                                     decimal_places=2)
    spending_12m = models.DecimalField("近12个月刚性支出（元）", max_digits=12,
                                       decimal_places=2, default=0)
    food_clothing_ok = models.BooleanField("不愁吃不愁穿", default=True)
    education_ok = models.BooleanField("义务教育有保障", default=True)
    medical_ok = models.BooleanField("基本医疗有保障", default=True)
    housing_ok = models.BooleanField("住房安全有保障", default=True)
    water_ok = models.BooleanField("饮水安全有保障", default=True)
    note = models.TextField("核查情况", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    region_path = "case__region"
    permission_model = "monitoringcase"

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "入户核查记录"
        verbose_name_plural = "入户核查记录"
        ordering = ["case_id", "-visited_on", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()} {self.visited_on}"

    @property
    def secured(self) -> bool:
        return all((self.food_clothing_ok, self.education_ok, self.medical_ok, self.housing_ok,
                    self.water_ok))


class AttachmentKind(models.TextChoices):
    AUTHORIZATION = "authorization", "承诺授权书（签字）"
    PHOTO = "photo", "现场照片"
    MEETING = "meeting", "评议记录"
    OTHER = "other", "其他材料"


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CaseAttachment(models.Model):
    """A file of a case (附件): the signed 承诺授权书, photos, meeting minutes. Stored under
    MEDIA_ROOT and served only through a scoped view."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT,
                             related_name="attachments")
    visit = models.ForeignKey(CaseVisit, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="attachments")
    transition = models.ForeignKey(CaseTransition, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("材料类型", max_length=16, choices=AttachmentKind.choices)
    file = models.FileField("文件", upload_to=_attachment_path, max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "案件附件"
        verbose_name_plural = "案件附件"
        ordering = ["case_id", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"


class MeetingResult(models.TextChoices):
    AGREE = "agree", "同意"
    DISAGREE = "disagree", "不同意"


class CaseMeeting(models.Model):
    """A 民主评议 meeting (评议会): date, attendees, result."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT, related_name="meetings")
    stage = models.CharField("程序", max_length=16, choices=ProcedureStage.choices)
    held_on = models.DateField("评议日期")
    attendees = models.TextField("参会人员")
    attendee_count = models.PositiveSmallIntegerField("参会人数")
    result = models.CharField("评议结果", max_length=10, choices=MeetingResult.choices)
    note = models.TextField("评议意见", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "民主评议记录"
        verbose_name_plural = "民主评议记录"
        ordering = ["case_id", "-held_on", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case_id} 评议 {self.held_on}"


class CaseNotice(models.Model):
    """A case's village 公示 (村级公示): the period, from the ``notice_days`` parameter."""

    case = models.ForeignKey(MonitoringCase, on_delete=models.PROTECT, related_name="notices")
    stage = models.CharField("程序", max_length=16, choices=ProcedureStage.choices)
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "村级公示"
        verbose_name_plural = "村级公示"
        ordering = ["case_id", "-starts_on", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.case_id} 公示 {self.starts_on}～{self.ends_on}"


class NoticeObjection(models.Model):
    """An objection raised during a 公示 (公示异议), resolved before the step advances."""

    notice = models.ForeignKey(CaseNotice, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    resolved = models.BooleanField("已处理", default=False)
    resolution = models.TextField("核查处理结果", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["notice_id", "id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.notice_id} 异议 {self.received_on}"
