"""Choice lists of employment assistance (就业帮扶)."""

from django.db import models


class WorkStatus(models.TextChoices):
    EMPLOYED = "employed", "务工"
    UNEMPLOYED = "unemployed", "未就业"


class UnemployedReason(models.TextChoices):
    FAMILY_CARE = "family_care", "照料家庭"
    ILLNESS = "illness", "疾病或残疾"
    FARMING = "farming", "在家务农"
    STUDYING = "studying", "在校或参加培训"
    NO_SUITABLE_JOB = "no_suitable_job", "找不到合适岗位"
    LACK_OF_SKILLS = "lack_of_skills", "缺乏技能"
    AGE = "age", "年龄偏大"
    UNWILLING = "unwilling", "本人无就业意愿"
    OTHER = "other", "其他"


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", "农林牧渔业"
    MANUFACTURING = "manufacturing", "制造业"
    HANDICRAFT = "handicraft", "手工加工"
    CONSTRUCTION = "construction", "建筑业"
    TRADE = "trade", "批发和零售业"
    SERVICES = "services", "服务业"
    TOURISM = "tourism", "文化旅游"
    OTHER = "other", "其他"


class WorkshopType(models.TextChoices):
    FACTORY = "factory", "厂房式"
    HOME = "home", "居家式"
    FARMING = "farming", "种养式"
    OTHER = "other", "其他"


class WorkshopStatus(models.TextChoices):
    PRODUCING = "producing", "在产"
    STOPPED = "stopped", "停产"
    RESUMED = "resumed", "复工"


class WorkerCategory(models.TextChoices):
    LIFTED = "lifted", "脱贫人口"
    MONITORED = "monitored", "监测对象"
    OTHER = "other", "其他人员"


class SubsidyKind(models.TextChoices):
    JOB_STABILITY = "job_stability", "稳岗补贴"
    SOCIAL_INSURANCE = "social_insurance", "社保补贴"
    EMPLOYMENT = "employment", "就业补贴"
    ENTREPRENEURSHIP = "entrepreneurship", "创业补贴"


# 劳动力: the labour capacities that make a working-age member part of the labour force.
LABOUR_CAPACITIES = ("ordinary", "skilled", "weak")
# Allowed workshop status changes (复工 tracking): from → the statuses it may move to.
WORKSHOP_TRANSITIONS = {
    WorkshopStatus.PRODUCING: (WorkshopStatus.STOPPED,),
    WorkshopStatus.STOPPED: (WorkshopStatus.RESUMED,),
    WorkshopStatus.RESUMED: (WorkshopStatus.STOPPED, WorkshopStatus.PRODUCING),
}


# --- Jobs, matching, 用工预录通知书, 招聘会 ------------------------------------------------------

class PostingStatus(models.TextChoices):
    OPEN = "open", "招聘中"
    CLOSED = "closed", "已结束"


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", "已开具"
    SIGNED = "signed", "三方已签字"
    STARTED = "started", "已上岗"
    EMPLOYED_3M = "employed_3m", "在岗满 3 个月"
    EMPLOYED_6M = "employed_6m", "在岗满 6 个月"
    LEFT = "left", "已终止（未上岗或离岗）"


class FairOutcome(models.TextChoices):
    ATTENDED = "attended", "到场求职"
    INTENTION = "intention", "达成意向"
    SIGNED = "signed", "成功签约"


# 用工预录通知书 lifecycle (declarative): from → {to: months after 上岗 that must have passed}.
# The 3- and 6-month checks are the states' own definition (在岗满 3/6 个月), not a policy figure.
NOTICE_TRANSITIONS: dict[str, dict[str, int | None]] = {
    NoticeStatus.ISSUED: {NoticeStatus.SIGNED: None, NoticeStatus.LEFT: None},
    NoticeStatus.SIGNED: {NoticeStatus.STARTED: None, NoticeStatus.LEFT: None},
    NoticeStatus.STARTED: {NoticeStatus.EMPLOYED_3M: 3, NoticeStatus.LEFT: None},
    NoticeStatus.EMPLOYED_3M: {NoticeStatus.EMPLOYED_6M: 6, NoticeStatus.LEFT: None},
    NoticeStatus.EMPLOYED_6M: {},
    NoticeStatus.LEFT: {},
}
