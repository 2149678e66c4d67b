"""The hand-computed month (2026-11, 30 days) shared by the service, statistics, API and command
tests. Monthly subsidy 600 元 (the parameter file), minimum attendance 50 %, pro rata.

塘渡口镇:
  大岭社区 保洁员: 甲 from 2026-11-01, 22/22 days           → 600.00
  大岭社区 护路员: 丁 from 2026-11-16 (15/30 days in post)  → 300.00 base, 10/11 days → 272.73
  石湾社区 保洁员: 戊 from 2026-11-01, 15/22 days           → 600 × 15/22 = 409.09
  township total 1281.82 (3 people)
白仓镇 四峰社区 护林员: 己 from 2026-11-01, 22/22 days      → 600.00
county total 1881.82 (4 people)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minsheng.employment.publicposts import services
from minsheng.testing import VILLAGE_A, VILLAGE_B, VILLAGE_C

MONTH = "2026-11"
TODAY = dt.date(2026, 12, 7)
TOWNSHIP_TOTAL = Decimal("1281.82")
COUNTY_TOTAL = Decimal("1881.82")


def make_post(actor, village, name, post_type="cleaning", quota=2):
    return services.post_create(actor=actor, region_code=village,
                                data={"post_type": post_type, "name": name, "quota": quota})


def appoint(actor, post, member, start="2026-11-01", end="2027-10-31", **declared):
    return services.appointment_create(actor=actor, post_id=post.pk, member_id=member.pk,
                                       data={"start_date": start, "end_date": end, **declared})


def attend(actor, appointment, required, present, month=MONTH, version=0):
    return services.attendance_save(actor=actor, appointment_id=appointment.pk, month=month,
                                    days_required=required, days_present=present,
                                    version=version, today=TODAY)


def hand_computed_month(personas, member):
    county = personas["county_office"]
    clean_a = make_post(county, VILLAGE_A, "大岭保洁员")
    road_a = make_post(county, VILLAGE_A, "大岭护路员", "road", 1)
    clean_b = make_post(county, VILLAGE_B, "石湾保洁员")
    forest_c = make_post(county, VILLAGE_C, "四峰护林员", "forest", 1)
    a = appoint(county, clean_a, member("甲"))
    d = appoint(county, road_a, member("丁"), start="2026-11-16", end="2027-11-15",
                cannot_go_out=True, cannot_go_out_reason="照料重病的父亲")
    e = appoint(county, clean_b, member("戊"))
    f = appoint(county, forest_c, member("己"))
    clerk = personas["township_station"]
    rows = {"甲": attend(clerk, a, 22, 22), "丁": attend(clerk, d, 11, 10),
            "戊": attend(clerk, e, 22, 15), "己": attend(county, f, 22, 22)}
    return {"posts": (clean_a, road_a, clean_b, forest_c), "appointments": (a, d, e, f),
            "attendance": rows}
