"""The state machine of monitoring cases (监测对象识别与风险消除程序), as ONE declarative table.

Identification (识别程序)::

    风险预警 → 入户核查 → 信息比对 → 民主评议 → 村级公示 → 乡镇审核 → 县级审定 → 监测中 / 不纳入

Risk elimination (风险消除程序), for a household under monitoring::

    监测中 → 入户核实（不少于 N 人）→ 民主评议 → 村级公示 → 乡镇审核 → 县级审定 → 已标注风险消除

Each row names the action, the permission of the step's owner, the record the step needs before
it can be taken and whether a note is required (every return to an earlier step needs a
reason). ``case_services.case_transition`` is the only writer of ``MonitoringCase.status``: it
looks the step up here. The deadline of each step comes from the procedure parameter named in
``STEP_DEADLINES`` (calendar days, or working days when the parameter's unit is 工作日).
"""

from __future__ import annotations

from dataclasses import dataclass

from minsheng.core.errors import InvalidInput
from minsheng.monitoring.models import CaseStatus as S


class InvalidTransition(InvalidInput):
    """The step is not in the table."""


# What a step needs before it can be taken (checked by the service).
NEEDS_VISIT = "visit"  # an 入户核查 record of this procedure, with the signed 承诺授权书
NEEDS_TEAM = "team"  # an 入户核实 record with at least the parameter's number of people
NEEDS_MEETING = "meeting"  # a 民主评议 record of this procedure whose result is 同意
NEEDS_NOTICE = "notice"  # the 公示 period over and every objection resolved
NEEDS_DECISION = "decision"  # the category and risk types of the monitoring object
NEEDS_LABOUR = "labour"  # the household has labour capacity (never eliminated otherwise)
NEEDS_KIND = "kind"  # 帮扶消除 or 自然消除
NEEDS_CRITERIA = "criteria"  # every risk-elimination criterion met (monitoring.elimination)

CHECK = "monitoring.check_monitoringcase"  # village monitor, township station
COMPARE = "monitoring.compare_monitoringcase"  # county office (信息比对)
REVIEW = "monitoring.review_monitoringcase"  # township station (乡镇审核)
APPROVE = "monitoring.approve_monitoringcase"  # county office (县级审定)


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    action: str  # the action name (API, forms)
    label: str  # the button's label (Chinese)
    permission: str
    needs: tuple[str, ...] = ()
    reason_required: bool = False
    reason_label: str = "说明"

    @property
    def is_return(self) -> bool:
        return ORDER[self.target] < ORDER[self.source] and self.target not in FINAL


def _t(source: str, target: str, action: str, label: str, permission: str, *,
       needs: tuple[str, ...] = (), reason: str = "") -> Transition:
    return Transition(source, target, action, label, permission, needs, bool(reason),
                      reason or "说明")


TABLE: tuple[Transition, ...] = (
    # --- Identification ---
    _t(S.WARNING, S.HOUSEHOLD_CHECK, "start_check", "开始入户核查", CHECK),
    _t(S.WARNING, S.NOT_INCLUDED, "dismiss", "研判后不纳入", REVIEW, reason="不纳入原因"),
    _t(S.HOUSEHOLD_CHECK, S.DATA_COMPARISON, "submit_check", "提交入户核查结果", CHECK,
       needs=(NEEDS_VISIT,)),
    _t(S.DATA_COMPARISON, S.REVIEW, "submit_comparison", "完成信息比对", COMPARE,
       reason="比对结果"),
    _t(S.DATA_COMPARISON, S.HOUSEHOLD_CHECK, "return_to_check", "退回重新核查", COMPARE,
       reason="退回原因"),
    _t(S.REVIEW, S.NOTICE, "start_notice", "评议通过，开始公示", CHECK, needs=(NEEDS_MEETING,)),
    _t(S.REVIEW, S.HOUSEHOLD_CHECK, "return_to_check", "退回重新核查", CHECK,
       reason="退回原因"),
    _t(S.NOTICE, S.TOWNSHIP_REVIEW, "submit_notice", "公示期满，报乡镇审核", CHECK,
       needs=(NEEDS_NOTICE,)),
    _t(S.NOTICE, S.REVIEW, "return_to_review", "异议成立，重新评议", CHECK, reason="退回原因"),
    _t(S.TOWNSHIP_REVIEW, S.COUNTY_APPROVAL, "township_approve", "乡镇审核通过，报县审定",
       REVIEW),
    _t(S.TOWNSHIP_REVIEW, S.HOUSEHOLD_CHECK, "return_to_check", "退回重新核查", REVIEW,
       reason="退回原因"),
    _t(S.TOWNSHIP_REVIEW, S.NOT_INCLUDED, "township_reject", "乡镇审核不通过（不纳入）", REVIEW,
       reason="不纳入原因"),
    _t(S.COUNTY_APPROVAL, S.MONITORING, "include", "县级审定：纳入监测", APPROVE,
       needs=(NEEDS_DECISION,)),
    _t(S.COUNTY_APPROVAL, S.NOT_INCLUDED, "reject", "县级审定：不纳入", APPROVE,
       reason="不纳入原因"),
    _t(S.COUNTY_APPROVAL, S.TOWNSHIP_REVIEW, "return_to_township", "退回乡镇重新审核", APPROVE,
       reason="退回原因"),
    # --- Risk elimination ---
    _t(S.MONITORING, S.ELIM_CHECK, "propose_elimination", "提出风险消除", CHECK,
       needs=(NEEDS_LABOUR, NEEDS_KIND, NEEDS_CRITERIA)),
    _t(S.ELIM_CHECK, S.ELIM_REVIEW, "submit_elim_check", "提交入户核实结果", CHECK,
       needs=(NEEDS_TEAM, NEEDS_LABOUR)),
    _t(S.ELIM_CHECK, S.MONITORING, "withdraw_elimination", "撤回风险消除，继续监测", CHECK,
       reason="撤回原因"),
    _t(S.ELIM_REVIEW, S.ELIM_NOTICE, "start_elim_notice", "评议通过，开始公示", CHECK,
       needs=(NEEDS_MEETING,)),
    _t(S.ELIM_REVIEW, S.ELIM_CHECK, "return_to_elim_check", "退回重新核实", CHECK,
       reason="退回原因"),
    _t(S.ELIM_NOTICE, S.ELIM_TOWNSHIP, "submit_elim_notice", "公示期满，报乡镇审核", CHECK,
       needs=(NEEDS_NOTICE,)),
    _t(S.ELIM_NOTICE, S.ELIM_REVIEW, "return_to_elim_review", "异议成立，重新评议", CHECK,
       reason="退回原因"),
    _t(S.ELIM_TOWNSHIP, S.ELIM_COUNTY, "township_approve_elimination", "乡镇审核通过，报县审定",
       REVIEW),
    _t(S.ELIM_TOWNSHIP, S.ELIM_CHECK, "return_to_elim_check", "退回重新核实", REVIEW,
       reason="退回原因"),
    _t(S.ELIM_TOWNSHIP, S.MONITORING, "township_keep_monitoring", "不同意消除，继续监测", REVIEW,
       reason="不同意原因"),
    _t(S.ELIM_COUNTY, S.ELIMINATED, "eliminate", "县级审定：标注风险消除", APPROVE,
       needs=(NEEDS_LABOUR, NEEDS_CRITERIA)),
    _t(S.ELIM_COUNTY, S.ELIM_TOWNSHIP, "return_to_elim_township", "退回乡镇重新审核", APPROVE,
       reason="退回原因"),
    _t(S.ELIM_COUNTY, S.MONITORING, "keep_monitoring", "不同意消除，继续监测", APPROVE,
       reason="不同意原因"),
)

# The position of each state in its procedure (returns go to a lower position).
ORDER: dict[str, int] = {state: n for n, state in enumerate(S.values)}
ORDER[S.MONITORING] = ORDER[S.ELIM_CHECK] - 1  # 监测中 is the elimination's starting point

FINAL = frozenset({S.NOT_INCLUDED, S.ELIMINATED})
IDENTIFICATION = (S.WARNING, S.HOUSEHOLD_CHECK, S.DATA_COMPARISON, S.REVIEW, S.NOTICE,
                  S.TOWNSHIP_REVIEW, S.COUNTY_APPROVAL)
ELIMINATION = (S.ELIM_CHECK, S.ELIM_REVIEW, S.ELIM_NOTICE, S.ELIM_TOWNSHIP, S.ELIM_COUNTY)
NOTICE_STATES = frozenset({S.NOTICE, S.ELIM_NOTICE})

_IDENT = "procedure.identification"
# The deadline of each working state: the parameter that sets it (unit 天 or 工作日).
STEP_DEADLINES: dict[str, str] = {
    S.WARNING: f"{_IDENT}.household_check_days",
    S.HOUSEHOLD_CHECK: f"{_IDENT}.household_check_days",
    S.DATA_COMPARISON: f"{_IDENT}.data_comparison_days",
    S.REVIEW: f"{_IDENT}.review_days",
    S.NOTICE: f"{_IDENT}.notice_days",
    S.TOWNSHIP_REVIEW: f"{_IDENT}.township_review_working_days",
    S.COUNTY_APPROVAL: f"{_IDENT}.county_approval_working_days",
    S.ELIM_CHECK: f"{_IDENT}.household_check_days",
    S.ELIM_REVIEW: f"{_IDENT}.review_days",
    S.ELIM_NOTICE: "procedure.risk_elimination.notice_days",
    S.ELIM_TOWNSHIP: f"{_IDENT}.township_review_working_days",
    S.ELIM_COUNTY: f"{_IDENT}.county_approval_working_days",
}
NOTICE_PARAMETERS = {S.NOTICE: f"{_IDENT}.notice_days",
                     S.ELIM_NOTICE: "procedure.risk_elimination.notice_days"}
TEAM_SIZE_PARAMETER = "procedure.risk_elimination.household_check_team_size"
GREEN_CHANNEL_PARAMETER = f"{_IDENT}.green_channel"
LEAD_RESPONSE_PARAMETER = f"{_IDENT}.lead_response_days"
TOTAL_PARAMETER = f"{_IDENT}.total_working_days"  # the whole identification procedure

_BY_PAIR: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TABLE}
_BY_ACTION: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TABLE}
if len(_BY_PAIR) != len(TABLE) or len(_BY_ACTION) != len(TABLE):
    raise RuntimeError("duplicate rows in the case transition table")
for _row in TABLE:
    if _row.is_return and not _row.reason_required:
        raise RuntimeError(f"a return to an earlier step needs a reason: {_row}")


def _label(status: str) -> str:
    return S(status).label if status in S.values else status


def transition_for(source: str, target: str) -> Transition:
    step = _BY_PAIR.get((source, target))
    if step is None:
        raise InvalidTransition(f"案件不能从「{_label(source)}」变为「{_label(target)}」。")
    return step


def transition_by_action(source: str, action: str) -> Transition:
    step = _BY_ACTION.get((source, action))
    if step is None:
        raise InvalidTransition(f"案件处于「{_label(source)}」环节，不能执行操作「{action}」。")
    return step


def next_steps(source: str) -> list[Transition]:
    return [t for t in TABLE if t.source == source]
