"""Request and response schemas of the registry API (农户台账接口).

Choice fields are returned as the stored value plus a ``<field>_label`` Chinese label.
ID numbers, phones and bank accounts are masked unless the caller asked to reveal them and may.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

_MASKED = "默认脱敏；带 reveal=true 且有查看权限时为完整值"
_AMOUNT = "金额（元），两位小数；可传数字或字符串"


class ErrorOut(Schema):
    detail: str = Field(description="错误说明")


class FieldErrorOut(Schema):
    field: str = Field(description="出错的字段")
    message: str = Field(description="该字段的错误说明")


class FieldErrorsOut(Schema):
    detail: str = Field(description="全部错误说明，以“；”连接")
    errors: list[FieldErrorOut] = Field(default_factory=list, description="逐字段的错误")


# --- Households -----------------------------------------------------------------------------

class HouseholdQuery(Schema):
    """Query parameters of the household list: the fields of ``HouseholdFilter`` plus
    ``region`` and paging."""

    q: str = Field("", description="姓名、拼音首字母（如 zxy）或户编号；完整身份证号仅限可查看证件号的角色")
    region: str | None = Field(None, description="只看该区划代码下的农户（须在管辖范围内，否则 404）")
    category: str = Field("", description="户类型：ordinary 一般农户、lifted 脱贫户")
    labour_capacity: str = Field("", description="有该劳动技能的在户成员")
    health: str = Field("", description="有该健康状况的在户成员")
    insurance_gap: bool = Field(False, description="有未参加基本医疗保险的在户成员")
    housing_unsafe: bool = Field(False, description="住房为 C 级或 D 级")
    water_unsafe: bool = Field(False, description="饮水安全有一项不达标")
    relocated: bool = Field(False, description="易地扶贫搬迁户")
    include_archived: bool = Field(False, description="包括已归档农户")
    income_year: int | None = Field(None, description="收入筛选的年度；不填为任一年度")
    income_min: Decimal | None = Field(None, description="家庭纯收入下限（元）")
    income_max: Decimal | None = Field(None, description="家庭纯收入上限（元）")
    limit: int = Field(50, description="每页条数，1～500，默认 50")
    offset: int = Field(0, description="从第几条开始（0 起）")


class HouseholdSummaryOut(Schema):
    id: int
    household_no: str = Field(description="户编号")
    region_code: str = Field(description="所在村的区划代码")
    region_name: str = Field(description="所在村")
    head_name: str = Field(description="户主姓名")
    category: str = Field(description="户类型")
    category_label: str
    member_count: int = Field(description="在户成员数")
    housing_grade: str = Field(description="住房安全等级（空为未鉴定）")
    housing_grade_label: str
    phone: str = Field(description=f"联系电话，{_MASKED}")
    archived: bool = Field(description="已归档")
    version: int = Field(description="版本号，修改时原样带回")


class HouseholdPageOut(Schema):
    count: int = Field(description="符合条件的农户总数")
    items: list[HouseholdSummaryOut]


class MemberOut(Schema):
    id: int
    household_id: int
    name: str = Field(description="姓名")
    id_number: str = Field(description=f"身份证号，{_MASKED}")
    gender: str
    gender_label: str
    birth_date: dt.date = Field(description="出生日期（取自身份证号）")
    ethnicity: str = Field(description="民族")
    relation: str = Field(description="与户主关系")
    relation_label: str
    education: str = Field(description="文化程度")
    education_label: str
    school_stage: str = Field(description="在校生状况")
    school_stage_label: str
    health: str = Field(description="健康状况")
    health_label: str
    disability_grade: int | None = Field(description="残疾等级 1～4")
    labour_capacity: str = Field(description="劳动技能")
    labour_capacity_label: str
    work_area: str = Field(description="务工区域")
    work_area_label: str
    work_months: int = Field(description="务工时间（月）")
    medical_insurance: bool = Field(description="参加基本医疗保险")
    serious_illness_insurance: bool = Field(description="参加大病保险")
    pension_insurance: bool = Field(description="参加基本养老保险")
    dibao: bool = Field(description="享受低保")
    tekun: bool = Field(description="特困供养")
    phone: str = Field(description=f"联系电话，{_MASKED}")
    active: bool = Field(description="在户；减员后为 false")
    archive_reason: str = Field(description="减员原因")
    archive_reason_label: str
    version: int = Field(description="版本号，修改时原样带回")


class LedgerOut(Schema):
    id: int
    year: int = Field(description="年度")
    wage_income: Decimal = Field(description="工资性收入")
    business_income: Decimal = Field(description="生产经营性收入")
    business_expense: Decimal = Field(description="生产经营性支出")
    property_income: Decimal = Field(description="财产性收入")
    transfer_family_planning: Decimal = Field(description="转移性收入：计划生育金")
    transfer_dibao: Decimal = Field(description="转移性收入：低保金")
    transfer_tekun: Decimal = Field(description="转移性收入：特困供养金")
    transfer_pension: Decimal = Field(description="转移性收入：养老保险金")
    transfer_eco_compensation: Decimal = Field(description="转移性收入：生态补偿金")
    transfer_other: Decimal = Field(description="转移性收入：其他")
    medical_out_of_pocket: Decimal = Field(description="合规自付医疗支出")
    education_expense: Decimal = Field(description="教育支出")
    version: int = Field(description="版本号，修改时原样带回")


class HouseholdOut(HouseholdSummaryOut):
    group_name: str = Field(description="村民小组")
    address: str = Field(description="家庭住址")
    bank_name: str = Field(description="开户银行")
    bank_account: str = Field(description=f"银行账号，{_MASKED}")
    relocated: bool = Field(description="易地扶贫搬迁户")
    water_quantity_ok: bool | None = Field(description="饮水水量达标（null 为未核查）")
    water_quality_ok: bool | None = Field(description="饮水水质达标（null 为未核查）")
    water_convenience_ok: bool | None = Field(description="取水方便（null 为未核查）")
    water_assurance_ok: bool | None = Field(description="供水保障率达标（null 为未核查）")
    water_ok: bool | None = Field(description="饮水安全四项全部达标；有未核查项时为 null")
    archive_reason: str = Field(description="归档原因")
    archive_reason_label: str
    archive_note: str = Field(description="归档说明")
    members: list[MemberOut] = Field(description="在户成员，户主在前")
    ledgers: list[LedgerOut] = Field(description="各年度收支，按年度升序")


class HouseholdPatch(Schema):
    """Only the fields sent are changed; ``version`` is the one read."""

    version: int | None = Field(None, description="读取时的版本号（必填）；与当前版本不一致返回 409")
    group_name: str | None = Field(None, description="村民小组")
    address: str | None = Field(None, description="家庭住址")
    phone: str | None = Field(None, description="联系电话")
    bank_name: str | None = Field(None, description="开户银行")
    bank_account: str | None = Field(None, description="银行账号")
    category: str | None = Field(None, description="户类型")
    relocated: bool | None = Field(None, description="易地扶贫搬迁户")
    housing_grade: str | None = Field(None, description="住房安全等级：A、B、C、D 或空")
    water_quantity_ok: bool | None = Field(None, description="饮水水量达标；null 为未核查")
    water_quality_ok: bool | None = Field(None, description="饮水水质达标；null 为未核查")
    water_convenience_ok: bool | None = Field(None, description="取水方便；null 为未核查")
    water_assurance_ok: bool | None = Field(None, description="供水保障率达标；null 为未核查")


# --- Members --------------------------------------------------------------------------------

class _MemberFacts(Schema):
    ethnicity: str | None = Field(None, description="民族，默认汉族")
    education: str | None = Field(None, description="文化程度")
    school_stage: str | None = Field(None, description="在校生状况")
    health: str | None = Field(None, description="健康状况")
    disability_grade: int | None = Field(None, description="残疾等级 1～4（仅健康状况为残疾时）")
    labour_capacity: str | None = Field(None, description="劳动技能")
    work_area: str | None = Field(None, description="务工区域")
    work_months: int | None = Field(None, description="务工时间（月），0～12")
    medical_insurance: bool | None = Field(None, description="参加基本医疗保险")
    serious_illness_insurance: bool | None = Field(None, description="参加大病保险")
    pension_insurance: bool | None = Field(None, description="参加基本养老保险")
    dibao: bool | None = Field(None, description="享受低保")
    tekun: bool | None = Field(None, description="特困供养")
    phone: str | None = Field(None, description="联系电话")


class MemberIn(_MemberFacts):
    id_number: str = Field(description="18 位居民身份证号码；出生日期和性别由它得出")
    name: str = Field(description="姓名")
    relation: str = Field(description="与户主关系")
    birth_date: dt.date | None = Field(None, description="可选；填写时须与身份证号一致")
    gender: str | None = Field(None, description="可选；填写时须与身份证号一致")


class MemberPatch(_MemberFacts):
    """Only the fields sent are changed; the ID number cannot be changed."""

    version: int | None = Field(None, description="读取时的版本号（必填）；与当前版本不一致返回 409")
    name: str | None = Field(None, description="姓名")
    relation: str | None = Field(None, description="与户主关系")


# --- Income ledger --------------------------------------------------------------------------

class LedgerIn(Schema):
    """The amounts sent are saved; those not sent keep their value (0 for a new year)."""

    version: int | None = Field(None, description="修改已有年度时必填；新增年度时不填")
    wage_income: Decimal | None = Field(None, description=f"工资性收入，{_AMOUNT}")
    business_income: Decimal | None = Field(None, description=f"生产经营性收入，{_AMOUNT}")
    business_expense: Decimal | None = Field(None, description=f"生产经营性支出，{_AMOUNT}")
    property_income: Decimal | None = Field(None, description=f"财产性收入，{_AMOUNT}")
    transfer_family_planning: Decimal | None = Field(None, description="转移性收入：计划生育金")
    transfer_dibao: Decimal | None = Field(None, description="转移性收入：低保金")
    transfer_tekun: Decimal | None = Field(None, description="转移性收入：特困供养金")
    transfer_pension: Decimal | None = Field(None, description="转移性收入：养老保险金")
    transfer_eco_compensation: Decimal | None = Field(None, description="转移性收入：生态补偿金")
    transfer_other: Decimal | None = Field(None, description="转移性收入：其他")
    medical_out_of_pocket: Decimal | None = Field(None, description="合规自付医疗支出")
    education_expense: Decimal | None = Field(None, description="教育支出")
