import datetime as dt
from decimal import Decimal

import pytest

from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.models import AuditEvent
from minsheng.registry.choices import Gender, Relation
from minsheng.registry.models import Household, HouseholdChange, Member, SearchKey
from minsheng.registry.services import (
    household_archive,
    household_register,
    household_update,
    ledger_save,
    member_add,
    member_archive,
    member_move,
    member_update,
)
from minsheng.registry.testing import make_id, member_data
from minsheng.registry.validation import RegistryInvalid
from minsheng.testing import OUTSIDE_VILLAGE, VILLAGE_A, VILLAGE_B

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def family(personas):
    return household_register(
        actor=personas["village_monitor"], household_no="H001", region_code=VILLAGE_A,
        members=[member_data("曾祥月", dt.date(1980, 1, 1), 1),
                 member_data("李芳", dt.date(1982, 3, 4), 2, relation=Relation.SPOUSE,
                             male=False)],
        today=TODAY, phone="13812345678",
    )


class HouseholdRegisterTests:
    def test_registers_members_with_birth_and_gender_from_id(self, family):
        members = {m.name: m for m in family.members.all()}
        assert family.head_name == "曾祥月"
        assert members["李芳"].birth_date == dt.date(1982, 3, 4)
        assert members["李芳"].gender == Gender.FEMALE
        assert members["曾祥月"].gender == Gender.MALE

    def test_indexes_every_pinyin_reading_of_member_names(self, family):
        keys = set(SearchKey.objects.filter(household=family).values_list("key", flat=True))
        assert {"zxy", "cxy", "lf", "曾祥月", "李芳"} <= keys

    def test_writes_history_and_audit_events(self, family):
        actions = list(HouseholdChange.objects.filter(household=family)
                       .order_by("id").values_list("action", flat=True))
        assert actions == ["登记农户", "新增成员", "新增成员"]
        assert AuditEvent.objects.filter(event_type="HOUSEHOLD_REGISTERED",
                                         subject_id=str(family.pk)).count() == 1

    def test_rejects_two_heads(self, personas):
        with pytest.raises(RegistryInvalid) as exc:
            household_register(
                actor=personas["village_monitor"], household_no="H002", region_code=VILLAGE_A,
                members=[member_data("甲", dt.date(1980, 1, 1), 3),
                         member_data("乙", dt.date(1981, 1, 1), 4)], today=TODAY)
        assert exc.value.message == "一户须有且只有一名户主，本户有 2 名。"

    def test_rejects_a_person_already_in_an_active_household(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            household_register(
                actor=personas["village_monitor"], household_no="H002", region_code=VILLAGE_A,
                members=[member_data("曾祥月", dt.date(1980, 1, 1), 1)], today=TODAY)
        assert "已是在册农户（H001）的成员，一人只能在一个在册农户中。" in exc.value.message
        assert not Member.objects.filter(household__household_no="H002").exists()

    def test_rejects_birth_date_that_disagrees_with_id(self, personas):
        data = member_data("甲", dt.date(1980, 1, 1), 5, birth_date=dt.date(1980, 1, 2))
        with pytest.raises(RegistryInvalid) as exc:
            household_register(actor=personas["village_monitor"], household_no="H003",
                               region_code=VILLAGE_A, members=[data], today=TODAY)
        assert exc.value.message == "出生日期 1980-01-02 与身份证号中的 1980-01-01 不一致。"

    def test_is_not_found_outside_the_actor_village(self, personas):
        with pytest.raises(NotFound):
            household_register(actor=personas["village_monitor"], household_no="H004",
                               region_code=OUTSIDE_VILLAGE,
                               members=[member_data("甲", dt.date(1980, 1, 1), 6)], today=TODAY)

    def test_rejects_duplicate_household_number(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            household_register(actor=personas["village_monitor"], household_no="H001",
                               region_code=VILLAGE_A,
                               members=[member_data("甲", dt.date(1980, 1, 1), 7)], today=TODAY)
        assert exc.value.message == "户编号「H001」已存在。"


class HouseholdUpdateTests:
    def test_updates_and_bumps_version(self, family, personas):
        updated = household_update(actor=personas["village_monitor"], household=family,
                                   version=1, housing_grade="C")
        assert updated.version == 2
        change = HouseholdChange.objects.filter(household=family).first()
        assert change.action == "修改农户信息"
        assert change.changes == {"housing_grade": ["", "C"]}

    def test_refuses_a_stale_version_and_keeps_the_newer_value(self, family, personas):
        household_update(actor=personas["village_monitor"], household=family, version=1,
                         housing_grade="C")
        with pytest.raises(Conflict) as exc:
            household_update(actor=personas["township_station"], household=family, version=1,
                             housing_grade="A")
        assert exc.value.message.startswith("该农户已被他人修改（当前版本 2，您编辑的是版本 1）")
        family.refresh_from_db()
        assert family.housing_grade == "C"

    def test_outsider_cannot_update(self, family, personas):
        with pytest.raises(NotFound):
            household_update(actor=personas["outsider"], household=family, version=1,
                             housing_grade="A")


class MemberTests:
    def test_update_changes_head_name_when_head_renamed(self, family, personas):
        head = family.members.get(relation=Relation.HEAD)
        member_update(actor=personas["village_monitor"], member=head, version=1, name="曾祥日")
        family.refresh_from_db()
        assert family.head_name == "曾祥日"
        assert SearchKey.objects.filter(household=family, key="曾祥日").exists()

    def test_add_refuses_a_second_head(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            member_add(actor=personas["village_monitor"], household=family,
                       data=member_data("丙", dt.date(2000, 1, 1), 8), today=TODAY)
        assert exc.value.message == "本户已有户主。"

    def test_archive_keeps_the_row_and_frees_the_id(self, family, personas):
        spouse = family.members.get(relation=Relation.SPOUSE)
        member_archive(actor=personas["village_monitor"], member=spouse, version=1,
                       reason="moved_out")
        spouse.refresh_from_db()
        assert spouse.active is False
        new = household_register(
            actor=personas["township_station"], household_no="H009", region_code=VILLAGE_B,
            members=[{**member_data("李芳", dt.date(1982, 3, 4), 2, male=False)}], today=TODAY)
        assert new.members.get().id_number == spouse.id_number

    def test_move_splits_a_member_into_another_household_keeping_both_histories(
            self, family, personas):
        target = household_register(
            actor=personas["township_station"], household_no="H010", region_code=VILLAGE_B,
            members=[member_data("王五", dt.date(1970, 1, 1), 9)], today=TODAY)
        spouse = family.members.get(relation=Relation.SPOUSE)
        moved = member_move(actor=personas["township_station"], member=spouse,
                            to_household=target, version=1, relation=Relation.SPOUSE)
        assert moved.household_id == target.pk
        assert moved.id_number == spouse.id_number
        assert HouseholdChange.objects.filter(household=family,
                                              action="迁出至 H010").exists()
        assert HouseholdChange.objects.get(household=target, subject_id=moved.pk).note == \
            "由 H001 迁入"


class LedgerTests:
    def test_creates_then_updates_with_version(self, family, personas):
        ledger = ledger_save(actor=personas["village_monitor"], household=family, year=2025,
                             wage_income=Decimal("12000"), transfer_dibao=Decimal("3600"))
        assert ledger.transfer_income == Decimal("3600")
        ledger = ledger_save(actor=personas["village_monitor"], household=family, year=2025,
                             version=1, wage_income=Decimal("15000"))
        assert ledger.version == 2
        with pytest.raises(Conflict):
            ledger_save(actor=personas["village_monitor"], household=family, year=2025,
                        version=1, wage_income=Decimal("1"))

    def test_refuses_negative_amounts(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            ledger_save(actor=personas["village_monitor"], household=family, year=2025,
                        wage_income=Decimal("-1"))
        assert exc.value.message == "工资性收入不能为负数。"


class ArchiveTests:
    def test_archive_hides_nothing_but_marks_members_inactive(self, family, personas):
        household_archive(actor=personas["county_office"], household=family, version=1,
                          reason="duplicate")
        assert set(family.members.values_list("active", flat=True)) == {False}
        with pytest.raises(InvalidInput):
            household_archive(actor=personas["county_office"], household=family, version=2,
                              reason="duplicate")


def test_make_id_produces_valid_numbers():
    from minsheng.registry.identity import check_id_number

    assert check_id_number(make_id(dt.date(1990, 5, 6), 42), today=TODAY).ok


class FieldRuleTests:
    """The services apply the shared field rules, so no value reaches the database that it
    would refuse (PostgreSQL: value too long, the disability-grade constraint, NOT NULL)."""

    def test_register_refuses_over_long_text_and_saves_nothing(self, personas):
        with pytest.raises(RegistryInvalid) as exc:
            household_register(actor=personas["village_monitor"], household_no="H9",
                               region_code=VILLAGE_A, head_name="某" * 65,
                               address="址" * 201, group_name="组" * 51)
        assert exc.value.errors == [
            ("group_name", "「村民小组」最长 50 个字，实为 51 个。"),
            ("address", "「家庭住址」最长 200 个字，实为 201 个。"),
            ("head_name", "「户主姓名」最长 64 个字，实为 65 个。"),
        ]
        assert not Household.objects.filter(household_no="H9").exists()

    def test_update_refuses_an_unknown_choice_and_null_and_keeps_the_version(self, family,
                                                                               personas):
        with pytest.raises(RegistryInvalid) as exc:
            household_update(actor=personas["village_monitor"], household=family, version=1,
                             relocated=None, housing_grade="E", bank_name="行" * 101)
        assert exc.value.errors == [
            ("relocated", "易地扶贫搬迁户不能为空值（null）。"),
            ("bank_name", "「开户银行」最长 100 个字，实为 101 个。"),
            ("housing_grade", "住房安全等级「E」不是可选值。"),
        ]
        family.refresh_from_db()
        assert family.version == 1

    def test_member_add_refuses_an_unknown_gender_instead_of_failing(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            member_add(actor=personas["village_monitor"], household=family, today=TODAY,
                       data=member_data("曾小明", dt.date(2010, 5, 5), 30, relation="son",
                                        gender="unknown", ethnicity="族" * 21))
        assert exc.value.errors == [("gender", "性别「unknown」不是可选值。"),
                                    ("ethnicity", "「民族」最长 20 个字，实为 21 个。")]
        assert family.members.count() == 2

    def test_member_update_refuses_disability_grade_zero(self, family, personas):
        head = family.members.get(relation=Relation.HEAD)
        with pytest.raises(RegistryInvalid) as exc:
            member_update(actor=personas["village_monitor"], member=head, version=1,
                          today=TODAY, health="disabled", disability_grade=0)
        assert exc.value.errors == [("disability_grade", "残疾等级应为 1～4 级，实为「0」。")]
        head.refresh_from_db()
        assert (head.health, head.disability_grade, head.version) == ("healthy", None, 1)

    def test_member_update_refuses_null_and_an_over_long_name(self, family, personas):
        head = family.members.get(relation=Relation.HEAD)
        with pytest.raises(RegistryInvalid) as exc:
            member_update(actor=personas["village_monitor"], member=head, version=1,
                          today=TODAY, name=None, school_stage="x")
        assert exc.value.errors == [("name", "姓名不能为空值（null）。"),
                                    ("school_stage", "在校生状况「x」不是可选值。")]
        with pytest.raises(RegistryInvalid) as exc:
            member_update(actor=personas["village_monitor"], member=head, version=1,
                          today=TODAY, name="名" * 65)
        assert exc.value.message == "「姓名」最长 64 个字，实为 65 个。"

    def test_member_move_refuses_an_unknown_relation_and_moves_nobody(self, family, personas):
        other = household_register(actor=personas["village_monitor"], household_no="H002",
                                   region_code=VILLAGE_A, today=TODAY,
                                   members=[member_data("王五", dt.date(1970, 1, 1), 3)])
        spouse = family.members.get(relation=Relation.SPOUSE)
        with pytest.raises(RegistryInvalid) as exc:
            member_move(actor=personas["village_monitor"], member=spouse, to_household=other,
                        version=1, relation="uncle")
        assert exc.value.errors == [("relation", "与户主关系「uncle」不是可选值。")]
        spouse.refresh_from_db()
        assert spouse.active

    def test_archive_refuses_an_over_long_note(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            household_archive(actor=personas["county_office"], household=family, version=1,
                              reason="duplicate", note="注" * 201)
        assert exc.value.errors == [("archive_note", "「归档说明」最长 200 个字，实为 201 个。")]
        family.refresh_from_db()
        assert not family.archived

    def test_ledger_refuses_an_amount_the_column_cannot_hold(self, family, personas):
        with pytest.raises(RegistryInvalid) as exc:
            ledger_save(actor=personas["village_monitor"], household=family, year=2025,
                        wage_income=Decimal("10000000000"), transfer_dibao=Decimal("0.125"))
        assert exc.value.errors == [
            ("wage_income", "工资性收入「10000000000」超出范围，应小于 100 亿元。"),
            ("transfer_dibao", "转移性收入：低保金最多两位小数，实为「0.125」。"),
        ]
        assert not family.ledgers.exists()
