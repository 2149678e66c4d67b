"""Choice lists of the household registry (农户台账), labels as on the 信息采集表."""

from django.db import models


class HouseholdCategory(models.TextChoices):
    ORDINARY = "ordinary", "一般农户"
    LIFTED = "lifted", "脱贫户"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "之子"
    DAUGHTER = "daughter", "之女"
    DAUGHTER_IN_LAW = "daughter_in_law", "之儿媳"
    SON_IN_LAW = "son_in_law", "之女婿"
    GRANDSON = "grandson", "之孙子"
    GRANDDAUGHTER = "granddaughter", "之孙女"
    FATHER = "father", "之父"
    MOTHER = "mother", "之母"
    GRANDPARENT = "grandparent", "之祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Education(models.TextChoices):
    NONE = "none", "文盲或半文盲"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中专（中职）"
    COLLEGE = "college", "大专及以上"
    PRESCHOOL = "preschool", "学龄前儿童"


class SchoolStage(models.TextChoices):
    NOT_IN_SCHOOL = "not_in_school", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "七年级至九年级"
    SENIOR = "senior", "普通高中"
    VOCATIONAL = "vocational", "中职"
    HIGHER = "higher", "高职及以上"
    SPECIAL = "special", "送教上门"
    # An approved deferral or exemption (经批准缓学、免学): a compulsory-age child who is out of
    # school with this status is not an education-security risk.
    EXEMPT = "exempt", "经批准缓学免学"


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "大病"
    DISABLED = "disabled", "残疾"


class LabourCapacity(models.TextChoices):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class WorkArea(models.TextChoices):
    NONE = "", "未务工"
    IN_COUNTY = "in_county", "县内"
    IN_PROVINCE = "in_province", "省内县外"
    OUT_OF_PROVINCE = "out_of_province", "省外"


class HousingGrade(models.TextChoices):
    UNKNOWN = "", "未鉴定"
    A = "A", "A级"
    B = "B", "B级"
    C = "C", "C级（局部危房）"
    D = "D", "D级（整栋危房）"


class ArchiveReason(models.TextChoices):
    DECEASED = "deceased", "死亡"
    MOVED_OUT = "moved_out", "户口迁出"
    MERGED = "merged", "合户"
    SPLIT = "split", "分户"
    DUPLICATE = "duplicate", "重复登记"
    OTHER = "other", "其他"
