"""The measures catalogue (帮扶措施目录) as data: seeded into :class:`MeasureType` by migration
``0002_catalogue`` and read by the tests. Each type has a kind (开发式 or 兜底保障), a default
duration (a default for the form, not a rule: the real end date is what the contract, the post
agreement or the school stage says) and whether it continues after 风险消除, and until when.

Continuing after elimination (domain rules §3.2): 小额信贷 until the loan is due, 公益性岗位 until
the post agreement ends, education aid and 雨露计划 until the current school stage ends.
"""

from __future__ import annotations

DEVELOPMENTAL = "developmental"
SAFETY_NET = "safety_net"
OTHER = "other"

# code, name, kind, default months (None: open-ended), continues until (empty: stops with
# elimination), sort order
CATALOGUE: tuple[tuple[str, str, str, int | None, str, int], ...] = (
    ("industry", "产业帮扶", DEVELOPMENTAL, 12, "", 10),
    ("employment", "就业帮扶（务工）", DEVELOPMENTAL, 12, "", 20),
    ("public_post", "公益性岗位", DEVELOPMENTAL, 12, "岗位协议到期", 30),
    ("microcredit", "小额信贷", DEVELOPMENTAL, 36, "贷款到期", 40),
    ("education", "教育资助（雨露计划）", OTHER, 12, "当前学段结束", 50),
    ("medical", "医疗保障（医疗救助）", SAFETY_NET, 12, "", 60),
    ("dibao", "最低生活保障（低保）", SAFETY_NET, None, "", 70),
    ("tekun", "特困人员供养", SAFETY_NET, None, "", 80),
    ("temporary_relief", "临时救助", SAFETY_NET, 3, "", 90),
    ("housing", "危房改造", OTHER, 12, "", 100),
    ("water", "饮水安全保障", OTHER, 6, "", 110),
    ("disability", "残疾人两项补贴", SAFETY_NET, 12, "", 120),
    ("insurance", "防贫保险", SAFETY_NET, 12, "", 130),
    ("other", "其他", OTHER, None, "", 200),
)
