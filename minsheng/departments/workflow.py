"""The state machine of department leads (部门推送线索), as one declarative table.

已推送 → 已分派乡镇 → 已核实 → 已纳入监测 / 不纳入. ``services.lead_transition`` is the only writer
of ``DepartmentLead.status``: it looks the step up here, checks the permission and the reason,
writes, appends a ``LeadStatusChange`` and audits.
"""

from __future__ import annotations

from dataclasses import dataclass

from minsheng.core.errors import InvalidInput
from minsheng.departments.models import LeadStatus


class InvalidTransition(InvalidInput):
    """The step is not in the table."""


@dataclass(frozen=True)
class Transition:
    permission: str
    reason_required: bool = False
    reason_label: str = "说明"
    action: str = ""  # the button's label (Chinese)
    needs_township: bool = False


P, A, V, IN, OUT = (LeadStatus.PUSHED, LeadStatus.ASSIGNED, LeadStatus.VERIFIED,
                    LeadStatus.INCLUDED, LeadStatus.NOT_INCLUDED)
_ASSIGN = "departments.assign_departmentlead"
_VERIFY = "departments.verify_departmentlead"
_DECIDE = "departments.decide_departmentlead"

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (P, A): Transition(_ASSIGN, action="分派乡镇", needs_township=True),
    (A, P): Transition(_ASSIGN, reason_required=True, reason_label="收回原因", action="收回分派"),
    (A, V): Transition(_VERIFY, reason_required=True, reason_label="核实结果", action="提交核实结果"),
    (V, A): Transition(_DECIDE, reason_required=True, reason_label="退回原因", action="退回重新核实"),
    (V, IN): Transition(_DECIDE, action="纳入监测"),
    (V, OUT): Transition(_DECIDE, reason_required=True, reason_label="不纳入原因", action="不纳入"),
    # The county may close a lead without a check (e.g. the person is already monitored).
    (P, OUT): Transition(_DECIDE, reason_required=True, reason_label="不纳入原因", action="不纳入"),
}

FINAL = frozenset({IN, OUT})


def transition_for(from_status: str, to_status: str) -> Transition:
    step = TRANSITIONS.get((from_status, to_status))
    if step is None:
        raise InvalidTransition(
            f"线索不能从「{LeadStatus(from_status).label}」变为「{LeadStatus(to_status).label}」。")
    return step


# The feedback of a monitoring-case decision (案件决定反馈, ``services.leads_feed_back``): the
# steps a still-open lead walks, each one a row of ``TRANSITIONS`` above. A lead not yet
# verified is verified by the case (its 入户核查 is the check); "assigned → pushed" (收回分派)
# is never used for feedback. ``path_valid`` is tested against the table.
CASE_FEEDBACK_PATHS: dict[tuple[str, str], tuple[str, ...]] = {
    (P, IN): (A, V, IN),
    (A, IN): (V, IN),
    (V, IN): (IN,),
    (P, OUT): (OUT,),
    (A, OUT): (V, OUT),
    (V, OUT): (OUT,),
}


def feedback_path(from_status: str, outcome: str) -> tuple[str, ...]:
    """The states a lead at ``from_status`` passes through to ``outcome`` (纳入 or 不纳入);
    empty for a lead already decided (left alone)."""
    if from_status in FINAL:
        return ()
    path = CASE_FEEDBACK_PATHS.get((from_status, outcome))
    if path is None:
        raise InvalidTransition(f"线索不能从「{LeadStatus(from_status).label}」反馈为"
                                f"「{LeadStatus(outcome).label}」。")
    return path


def next_steps(from_status: str) -> list[tuple[str, Transition]]:
    return [(to, step) for (source, to), step in TRANSITIONS.items() if source == from_status]
