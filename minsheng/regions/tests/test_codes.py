"""统计用区划代码 arithmetic (minsheng.regions.codes): padding, prefixes, subtree ranges, parents."""

import pytest

from minsheng.regions.codes import (
    LEVEL_BY_LENGTH,
    RegionLevel,
    pad,
    parent_code,
    significant_prefix,
    subtree_bounds,
)


class RegionLevelTests:
    def test_labels_are_the_five_chinese_levels_when_listed_in_order(self):
        assert [(level.value, level.label) for level in RegionLevel] == [
            (1, "省"), (2, "市"), (3, "县"), (4, "乡"), (5, "村"),
        ]

    def test_level_follows_from_code_length_when_the_length_is_2_4_6_9_or_12(self):
        assert LEVEL_BY_LENGTH == {
            2: RegionLevel.PROVINCE, 4: RegionLevel.CITY, 6: RegionLevel.COUNTY,
            9: RegionLevel.TOWNSHIP, 12: RegionLevel.VILLAGE,
        }

    @pytest.mark.parametrize("length", [0, 1, 3, 5, 7, 8, 10, 11, 13])
    def test_no_level_when_the_length_is_anything_else(self, length):
        assert length not in LEVEL_BY_LENGTH


class PadTests:
    @pytest.mark.parametrize("code,padded", [
        ("43", "430000000000"),
        ("4305", "430500000000"),
        ("430523", "430523000000"),
        ("430523100", "430523100000"),
        ("430523100001", "430523100001"),
    ])
    def test_pads_with_zeros_to_twelve_digits_when_the_code_is_shorter(self, code, padded):
        assert pad(code) == padded


class SignificantPrefixTests:
    @pytest.mark.parametrize("level,prefix", [
        (RegionLevel.PROVINCE, "43"),
        (RegionLevel.CITY, "4305"),
        (RegionLevel.COUNTY, "430523"),
        (RegionLevel.TOWNSHIP, "430523100"),
        (RegionLevel.VILLAGE, "430523100001"),
    ])
    def test_keeps_the_digits_of_the_level_when_given_a_village_code(self, level, prefix):
        assert significant_prefix("430523100001", level) == prefix

    def test_accepts_a_plain_int_level_when_read_from_the_database(self):
        assert significant_prefix("430523000000", 3) == "430523"


class SubtreeBoundsTests:
    @pytest.mark.parametrize("code,level,bounds", [
        ("430000000000", RegionLevel.PROVINCE, ("430000000000", "439999999999")),
        ("430500000000", RegionLevel.CITY, ("430500000000", "430599999999")),
        ("430523000000", RegionLevel.COUNTY, ("430523000000", "430523999999")),
        ("430523100000", RegionLevel.TOWNSHIP, ("430523100000", "430523100999")),
        ("430523100001", RegionLevel.VILLAGE, ("430523100001", "430523100001")),
    ])
    def test_is_the_contiguous_code_range_of_the_subtree_when_given_a_region(
        self, code, level, bounds
    ):
        assert subtree_bounds(code, level) == bounds

    def test_excludes_the_neighbouring_county_when_the_county_is_bounded(self):
        lo, hi = subtree_bounds("430523000000", RegionLevel.COUNTY)
        assert lo <= "430523101002" <= hi
        assert not lo <= "430524001001" <= hi
        assert not lo <= "430522999999" <= hi


class ParentCodeTests:
    @pytest.mark.parametrize("code,level,parent", [
        ("430523100001", RegionLevel.VILLAGE, "430523100000"),
        ("430523100000", RegionLevel.TOWNSHIP, "430523000000"),
        ("430523000000", RegionLevel.COUNTY, "430500000000"),
        ("430500000000", RegionLevel.CITY, "430000000000"),
    ])
    def test_is_the_padded_code_one_level_up_when_below_a_province(self, code, level, parent):
        assert parent_code(code, level) == parent

    def test_is_none_when_the_region_is_a_province(self):
        assert parent_code("430000000000", RegionLevel.PROVINCE) is None
