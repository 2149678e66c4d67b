# ruff: noqa: S608
"""人岗匹配: candidates for a job posting, postings for a person, and all postings in a batch.

Who is a candidate: a member of the labour force (``selectors.labour_force_q``) in the posting's
county and in the actor's scope, whose intended trade (意向工种) or skills/certificates (技能特长、
证书) match the posting's trade. "Match" is containment either way: the posting's trade in the
text, or a word of the text (two characters or more) in the trade — "电焊" matches "电焊工".

Score (weights are policy parameters ``employment.matching.*``):

- 工种匹配 (intended trade matches): ``trade_weight``; 技能匹配 (skills/certificates): ``skill_weight``;
- 距离 (straight line, village → work site): ``distance_weight × R / (R + d)``, R the default
  radius ``default_radius_km`` (full at 0 km, half at R);
- 意愿 (the site is within the person's acceptable distance, or the intended place names it):
  ``intention_weight``;
- 优先 (household priority): ``monitored_weight`` for 监测对象, else ``lifted_weight`` for 脱贫户.

监测对象: a household whose monitoring case is 监测中 or in the elimination procedure
(``monitoring.case_selectors.monitored_household_ids``).

Speed (``bench/matching.py``): one hand-written SQL query returns compact tuples. For one posting
it starts from ``LabourProfileKey`` — the two-character windows of every profile's texts, indexed
by (key, village) and written with the profile — so only the profiles sharing a window with the
trade are read; the exact check (``trade_matches``) and the scoring are plain Python over those
tuples, and names are fetched for the shown page only. The batch reads the county's profiled
labour force once, prepares it per distinct trade (best fixed points first) and stops walking a
posting's list when no later seeker can reach its current top ``limit``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone

from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.masking import mask_id_number
from minsheng.employment.choices import LABOUR_CAPACITIES, PostingStatus
from minsheng.employment.models import (
    JobPosting,
    LabourProfile,
    LabourProfileKey,
    VillageLocation,
)
from minsheng.employment.rules import _lookup, labour_age_bounds
from minsheng.employment.selectors import _ranges
from minsheng.monitoring.case_selectors import monitored_household_ids
from minsheng.policy.selectors import active_parameters
from minsheng.regions.codes import subtree_bounds
from minsheng.regions.models import Region
from minsheng.registry.choices import HouseholdCategory
from minsheng.registry.models import Household, Member

MATCH_PERM = "employment.match_jobposting"
PARAMETERS = ("trade_weight", "skill_weight", "intention_weight", "distance_weight",
              "monitored_weight", "lifted_weight", "default_radius_km")
MAX_LIMIT = 500
NONE, LIFTED, MONITORED = 0, 1, 2
PRIORITY_LABELS = {MONITORED: "监测对象优先", LIFTED: "脱贫户优先"}
_SPLIT = re.compile(r"[\s,，、;；/|（）()]+")


# --- Pure parts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Weights:
    trade: int
    skill: int
    intention: int
    distance: int
    monitored: int
    lifted: int
    radius_km: int
    refs: tuple[dict[str, Any], ...] = ()


def matching_weights(*, on: dt.date, region_code: str) -> Weights:
    """The weights in force for a county on a date (policy parameters)."""
    parameters = active_parameters()
    found = [_lookup(f"employment.matching.{name}", on=on, region_code=region_code,
                     parameters=parameters) for name in PARAMETERS]
    values = [int(p.value) for p in found]
    return Weights(*values, refs=tuple(p.snapshot() for p in found))


def haversine_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle (straight-line) distance in km on a 6371 km sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text or "") if len(w) >= 2]


def trade_matches(trade: str, text: str) -> bool:
    """The posting's trade in the text, or a word (≥ 2 characters) of the text in the trade."""
    trade = (trade or "").strip()
    if not trade or not text:
        return False
    return trade in text or any(w in trade for w in words(text))


def windows(trade: str) -> list[str]:
    """The trade's two-character windows: any word contained in the trade contains one, so
    "text contains a window" is a superset of ``trade_matches`` (the SQL prefilter)."""
    trade = (trade or "").strip()
    if len(trade) < 2:
        return [trade] if trade else []
    return sorted({trade[i:i + 2] for i in range(len(trade) - 1)})


class Seeker(NamedTuple):
    """A candidate as the scoring sees it (one compact tuple per person)."""

    member_id: int
    village: str
    household_id: int
    priority: int
    intended_trade: str
    skills: str  # skills and certificates
    intended_place: str
    max_distance_km: int | None


@dataclass
class Match:
    member_id: int
    score: int
    reasons: list[str]
    distance_km: float | None
    priority: int
    village: str
    posting_id: int | None = None
    name: str = ""
    id_number: str = ""  # masked
    household_no: str = ""
    village_name: str = ""
    posting: Any = None

    @property
    def explanation(self) -> str:
        return "；".join(self.reasons)

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS.get(self.priority, "")


@dataclass(frozen=True)
class Site:
    """A work site: the posting's trade, place and coordinates."""

    posting_id: int
    trade: str
    place: str
    lng: float | None
    lat: float | None


def score(seeker: Seeker, site: Site, distance: float | None, w: Weights) -> Match | None:
    """One person against one posting: the score and its reasons (Chinese), or None when the
    trade matches neither the intention nor the skills."""
    by_intent = trade_matches(site.trade, seeker.intended_trade)
    by_skill = trade_matches(site.trade, seeker.skills)
    if not (by_intent or by_skill):
        return None
    total, reasons = 0, []
    if by_intent:
        total += w.trade
        reasons.append(f"工种匹配：{site.trade}（意向工种 {seeker.intended_trade}）")
    if by_skill:
        total += w.skill
        reasons.append(f"技能相符：{seeker.skills}")
    if distance is None:
        reasons.append("距离未知（村或岗位未标注位置）")
    else:
        total += round(w.distance * w.radius_km / (w.radius_km + distance))
        limit = seeker.max_distance_km
        if limit is not None and distance <= limit:
            total += w.intention
            reasons.append(f"距离 {distance:.1f} 公里（意愿 {limit} 公里内）")
        elif limit is not None:
            reasons.append(f"距离 {distance:.1f} 公里（超出本人可接受的 {limit} 公里）")
        else:
            reasons.append(f"距离 {distance:.1f} 公里")
    if (seeker.intended_place and site.place and seeker.intended_place in site.place
            and not (seeker.max_distance_km is not None and distance is not None
                     and distance <= seeker.max_distance_km)):
        total += w.intention
        reasons.append(f"意向地点相符：{seeker.intended_place}")
    if seeker.priority == MONITORED:
        total += w.monitored
        reasons.append("监测对象优先")
    elif seeker.priority == LIFTED:
        total += w.lifted
        reasons.append("脱贫户优先")
    return Match(member_id=seeker.member_id, score=total, reasons=reasons, distance_km=distance,
                 priority=seeker.priority, village=seeker.village, posting_id=site.posting_id)


def _order(m: Match) -> tuple[Any, ...]:
    return (-m.score, -m.priority, m.distance_km if m.distance_km is not None else 1e9,
            m.member_id)


class Prepared(NamedTuple):
    """A seeker whose trade matches one trade, with the trade and priority points added up."""

    seeker: Seeker
    base: int


def prepare(seekers: Iterable[Seeker], trade: str, w: Weights) -> list[Prepared]:
    """The seekers matching ``trade`` (intention or skills), with their fixed points, best base
    first. The trade check is memoised per distinct text (many people write the same words)."""
    memo: dict[str, bool] = {}

    def hit(text: str) -> bool:
        found = memo.get(text)
        if found is None:
            found = memo[text] = trade_matches(trade, text)
        return found

    out = []
    for s in seekers:
        by_intent = hit(s.intended_trade)
        by_skill = hit(s.skills)
        if by_intent or by_skill:
            out.append(Prepared(s, (w.trade if by_intent else 0) + (w.skill if by_skill else 0)
                                + (w.monitored if s.priority == MONITORED else
                                   w.lifted if s.priority == LIFTED else 0)))
    out.sort(key=_prepared_order)
    return out


def _prepared_order(p: Prepared) -> tuple[int, int, int]:
    return -p.base, -p.seeker.priority, p.seeker.member_id


def rank(prepared: Sequence[Prepared], site: Site, distances: dict[str, float], w: Weights, *,
         within_km: float | None = None, limit: int = 50) -> tuple[int, list[Match]]:
    """(number of candidates, the best ``limit`` with their reasons) for one site.
    ``prepared`` comes from ``prepare`` (best base first). ``distances``: village → km (villages
    without coordinates are absent); ``within_km``: keep only candidates that close.

    The numbers are summed inline and the full ``score`` (with its sentences, and the same total)
    is built for the best ``limit`` only. Without a distance filter every prepared seeker is a
    candidate, so the count is known and the walk stops as soon as no later seeker can reach the
    current ``limit``-th score (its base plus the best distance and intention points)."""
    points = {v: round(w.distance * w.radius_km / (w.radius_km + d)) for v, d in distances.items()}
    reach = max(points.values(), default=0) + w.intention
    place = site.place
    prune = within_km is None
    found = 0
    heap: list[tuple[Any, ...]] = []
    for p in prepared:
        s = p.seeker
        if prune and len(heap) == limit and p.base + reach < heap[0][0]:
            break
        d = distances.get(s.village)
        if d is None:
            if within_km is not None:
                continue
            total = p.base
            near = False
        else:
            if within_km is not None and d > within_km:
                continue
            total = p.base + points[s.village]
            near = s.max_distance_km is not None and d <= s.max_distance_km
        if near or (s.intended_place and place and s.intended_place in place):
            total += w.intention
        found += 1
        item = (total, s.priority, -(d if d is not None else 1e9), -s.member_id, s, d)
        if len(heap) < limit:
            heapq.heappush(heap, item)
        elif item[:4] > heap[0][:4]:
            heapq.heapreplace(heap, item)
    if prune:
        found = len(prepared)
    matches = []
    for *_key, s, d in sorted(heap, key=lambda k: k[:4], reverse=True):
        m = score(s, site, d, w)
        if m is not None:
            matches.append(m)
    return found, matches


# --- Data -----------------------------------------------------------------------------------

def village_distances(lng: float | None, lat: float | None, county: str) -> dict[str, float]:
    """Village code → straight-line km from the site, for the county's located villages."""
    if lng is None or lat is None:
        return {}
    lo, hi = subtree_bounds(county, 3)
    rows = VillageLocation.objects.filter(region_id__gte=lo, region_id__lte=hi).values_list(
        "region_id", "lng", "lat")
    return {code: haversine_km(float(lng), float(lat), float(x), float(y))
            for code, x, y in rows}


def monitored_households(county: str) -> set[int]:
    """The county's 监测对象 households (纳入 and not yet eliminated)."""
    return monitored_household_ids(region_code=county)


def text_keys(*texts: str) -> set[str]:
    """Every two-character window of each text (the profile side of ``windows``)."""
    keys = set()
    for text in texts:
        text = (text or "").strip()
        keys.update(text[i:i + 2] for i in range(len(text) - 1))
    return keys


def profile_keys_write(profiles: Iterable[LabourProfile]) -> int:
    """(Re)write the prefilter keys of these profiles; the number of keys written."""
    profiles = list(profiles)
    LabourProfileKey.objects.filter(profile_id__in=[p.pk for p in profiles]).delete()
    rows = [LabourProfileKey(profile_id=p.pk, region_id=p.region_id, key=k) for p in profiles
            for k in sorted(text_keys(p.intended_trade, p.skills, p.certificates))]
    LabourProfileKey.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def profile_keys_rebuild(*, lo: str, hi: str, chunk: int = 20000) -> int:
    """Rewrite the keys of every profile whose village lies in ``lo``..``hi`` (after bulk loads:
    the demo, the benchmark)."""
    LabourProfileKey.objects.filter(region_id__gte=lo, region_id__lte=hi).delete()
    rows = (LabourProfile.objects.filter(region_id__gte=lo, region_id__lte=hi).order_by("id")
            .values_list("id", "region_id", "intended_trade", "skills", "certificates"))
    written, batch = 0, []
    for pk, village, trade, skills, certs in rows.iterator(chunk_size=chunk):
        batch.extend(LabourProfileKey(profile_id=pk, region_id=village, key=k)
                     for k in sorted(text_keys(trade, skills, certs)))
        if len(batch) >= chunk:
            LabourProfileKey.objects.bulk_create(batch, batch_size=5000)
            written, batch = written + len(batch), []
    LabourProfileKey.objects.bulk_create(batch, batch_size=5000)
    return written + len(batch)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _region_sql(column: str, ranges: list[tuple[str, str]], villages: Sequence[str] | None,
                county: str | None = None) -> tuple[str, list[Any]]:
    """The village condition: the actor's ranges (a whole county as a prefix test, which the
    planner cannot serve from the village index, so SQLite scans the table once instead of
    visiting it in village order), and the ``villages`` of a distance filter."""
    if county is not None and subtree_bounds(county, 3) in ranges:
        sql, params = f"substr({column}, 1, 6) = %s", [county[:6]]
    else:
        sql = "(" + " OR ".join(f"({column} >= %s AND {column} <= %s)" for _r in ranges) + ")"
        params = [x for r in ranges for x in r]
    if villages is not None:
        sql += f" AND {column} IN ({', '.join(['%s'] * len(villages))})"
        params.extend(villages)
    return sql, params


def fetch_seekers(*, ranges: list[tuple[str, str]], county: str, on: dt.date,
                  trade: str | None = None, villages: Sequence[str] | None = None,
                  monitored: set[int] | None = None) -> list[Seeker]:
    """The county's profiled labour force inside ``ranges`` as compact tuples: the labour force
    of ``selectors.labour_force_q`` (active, household not archived, labour capacity, age within
    the county's bounds), read from the profile side. ``trade``: only profiles sharing one of
    its two-character windows (the SQL prefilter of ``trade_matches``), found through the
    (key, village) index of ``LabourProfileKey``; without a trade, every profile with some text.
    ``villages``: only these villages.

    Hand-written SQL, joined in this order (``CROSS JOIN`` fixes it for SQLite): the matching
    keys (or the county's profiles), then each profile, member and household by primary key.
    The ORM's query let SQLite start from every active member of the database instead (3 s at
    200,000 profiles against 0.2 s)."""
    if not ranges or (villages is not None and not villages):
        return []
    after, upto = labour_age_bounds(on=on, region_code=county).birth_range(on)
    q = connection.ops.quote_name
    profiles = f"{q(LabourProfile._meta.db_table)} p"
    text = "(p.intended_trade || '|' || p.skills || '|' || p.certificates)"
    trade = trade.strip() if trade is not None else None
    if trade is not None and len(trade) >= 2:
        keys = windows(trade)
        inside, inside_params = _region_sql("region_id", ranges, villages)
        source = (f"(SELECT DISTINCT profile_id FROM {q(LabourProfileKey._meta.db_table)} "
                  f"WHERE key IN ({', '.join(['%s'] * len(keys))}) AND {inside}) k "
                  f"CROSS JOIN {profiles}")
        where, params = ["p.id = k.profile_id"], [*keys, *inside_params]
    else:
        inside, params = _region_sql("p.region_id", ranges, villages, county)
        source, where = profiles, [inside]
        if trade is None:
            where.append(f"{text} <> '||'")
        elif trade:  # one character: no key is that short, scan the texts
            where.append(f"{text} LIKE %s ESCAPE '\\'")
            params.append(_like(trade))
        else:
            return []
    where.append("m.active AND NOT h.archived")
    where.append(f"m.labour_capacity IN ({', '.join(['%s'] * len(LABOUR_CAPACITIES))})")
    params.extend(LABOUR_CAPACITIES)
    where.append("m.birth_date > %s AND m.birth_date <= %s")
    params.extend([after, upto])
    # Identifiers from model metadata, every value a parameter.
    sql = (f"SELECT p.member_id, p.region_id, m.household_id, h.category, p.intended_trade, "
           f"p.skills, p.certificates, p.intended_place, p.max_distance_km FROM {source} "
           f"CROSS JOIN {q(Member._meta.db_table)} m CROSS JOIN {q(Household._meta.db_table)} h "
           f"WHERE m.id = p.member_id AND h.id = m.household_id AND " + " AND ".join(where))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and trade is not None and len(trade) >= 2:
            # About 10,000 primary-key look-ups: nested loops in one process are faster than
            # the planner's parallel hash joins (measured 150 → 105 ms at 200,000 profiles).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    monitored = monitored or set()
    lifted = HouseholdCategory.LIFTED.value
    return [Seeker(mid, village, hid,
                   MONITORED if hid in monitored else (LIFTED if cat == lifted else NONE),
                   trade_ or "", " ".join(x for x in (skills, certs) if x), place or "", maxd)
            for mid, village, hid, cat, trade_, skills, certs, place, maxd in rows]


def _county_ranges(actor: Any, county: str) -> list[tuple[str, str]]:
    lo, hi = subtree_bounds(county, 3)
    return [(max(lo, a), min(hi, b)) for a, b in _ranges(actor, MATCH_PERM) if a <= hi and lo <= b]


def site_of(posting: JobPosting) -> Site:
    return Site(posting.pk, posting.trade, posting.place,
                float(posting.lng) if posting.lng is not None else None,
                float(posting.lat) if posting.lat is not None else None)


@dataclass
class CandidateResult:
    posting: JobPosting
    total: int
    matches: list[Match]
    within_km: float | None
    weights: Weights
    on: dt.date
    notes: list[str] = field(default_factory=list)


def describe(matches: list[Match]) -> None:
    """Names, masked ID numbers, household numbers and village names for the shown page."""
    if not matches:
        return
    members = {m.pk: m for m in Member.objects.filter(pk__in=[x.member_id for x in matches])
               .select_related("household")}
    names = dict(Region.objects.filter(code__in={x.village for x in matches})
                 .values_list("code", "name"))
    for x in matches:
        m = members[x.member_id]
        x.name, x.id_number = m.name, mask_id_number(m.id_number)
        x.household_no, x.village_name = m.household.household_no, names.get(x.village, "")


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"显示人数 limit 应为 1～{MAX_LIMIT}，实为「{limit}」。")
    return limit


def check_within(within_km: Any) -> float | None:
    if within_km in (None, ""):
        return None
    try:
        value = float(within_km)
    except (TypeError, ValueError):
        raise InvalidInput(f"距离筛选应为公里数，实为「{within_km}」。") from None
    if not 0 < value <= 1000 or not math.isfinite(value):
        raise InvalidInput(f"距离筛选应在 0～1000 公里之间，实为「{within_km}」。")
    return value


def candidates_for(*, actor: Any, posting: JobPosting, within_km: Any = None, limit: int = 50,
                   on: dt.date | None = None) -> CandidateResult:
    """The ranked candidates of a posting in the actor's scope, each with its explanation."""
    limit = check_limit(limit)
    within = check_within(within_km)
    on = on or timezone.localdate()
    county = posting.county_id
    w = matching_weights(on=on, region_code=county)
    result = CandidateResult(posting, 0, [], within, w, on)
    ranges = _county_ranges(actor, county)
    if not ranges:
        return result
    distances = village_distances(posting.lng, posting.lat, county)
    near = None
    if within is not None:
        near = [code for code, d in distances.items() if d <= within]
        if posting.lng is None:
            result.notes.append("该岗位未标注位置，无法按距离筛选。")
    seekers = fetch_seekers(ranges=ranges, county=county, on=on, trade=posting.trade.strip(),
                            villages=near, monitored=monitored_households(county))
    result.total, result.matches = rank(prepare(seekers, posting.trade.strip(), w),
                                        site_of(posting), distances, w, within_km=within,
                                        limit=limit)
    describe(result.matches)
    return result


def seeker_of(member: Member) -> Seeker:
    """One member as the scoring sees them (profile, household priority)."""
    county = member.household.region_id[:6] + "000000"
    profile = LabourProfile.objects.filter(member=member).first()
    priority = (MONITORED if member.household_id in monitored_households(county)
                else LIFTED if member.household.category == HouseholdCategory.LIFTED else NONE)
    if profile is None:
        return Seeker(member.pk, member.household.region_id, member.household_id, priority,
                      "", "", "", None)
    return Seeker(member.pk, member.household.region_id, member.household_id, priority,
                  profile.intended_trade,
                  " ".join(x for x in (profile.skills, profile.certificates) if x),
                  profile.intended_place, profile.max_distance_km)


def _distance(site: Site, here: VillageLocation | None) -> float | None:
    if here is None or site.lng is None or site.lat is None:
        return None
    return haversine_km(site.lng, site.lat, float(here.lng), float(here.lat))


def match_member(*, posting: JobPosting, member: Member, on: dt.date | None = None,
                 ) -> Match | None:
    """One member against one posting (None when the trade does not match)."""
    on = on or timezone.localdate()
    w = matching_weights(on=on, region_code=posting.county_id)
    seeker = seeker_of(member)
    site = site_of(posting)
    return score(seeker, site, _distance(site, VillageLocation.objects.filter(
        region_id=seeker.village).first()), w)


def postings_for(*, actor: Any, member: Member, limit: int = 20,
                 on: dt.date | None = None) -> list[Match]:
    """Open postings of the person's county, best first: those whose trade matches, and those
    within the person's acceptable distance (the default radius when not stated), marked
    工种不符 and scored on distance, intention and priority only."""
    on = on or timezone.localdate()
    county = member.household.region_id[:6] + "000000"
    w = matching_weights(on=on, region_code=county)
    seeker = seeker_of(member)
    here = VillageLocation.objects.filter(region_id=seeker.village).first()
    reach = seeker.max_distance_km if seeker.max_distance_km is not None else w.radius_km
    bonus = (w.monitored if seeker.priority == MONITORED else
             w.lifted if seeker.priority == LIFTED else 0)
    found = []
    for p in open_postings(actor=actor, on=on).filter(county_id=county).select_related(
            "enterprise"):
        site = site_of(p)
        d = _distance(site, here)
        m = score(seeker, site, d, w)
        if m is None and d is not None and d <= reach:
            m = Match(member.pk, round(w.distance * w.radius_km / (w.radius_km + d))
                      + w.intention + bonus,
                      [f"工种不符（岗位 {p.trade}）", f"距离 {d:.1f} 公里（意愿 {reach} 公里内）"],
                      d, seeker.priority, seeker.village, p.pk)
            if bonus:
                m.reasons.append(PRIORITY_LABELS[seeker.priority])
        if m is not None:
            m.posting = p
            found.append(m)
    found.sort(key=lambda m: (-m.score, m.distance_km if m.distance_km is not None else 1e9,
                              m.posting_id or 0))
    return found[:limit]


def open_postings(*, actor: Any, on: dt.date) -> models.QuerySet[JobPosting]:
    from minsheng.employment.jobs import postings_visible

    return postings_visible(actor).filter(status=PostingStatus.OPEN, valid_from__lte=on,
                                          valid_to__gte=on)


# --- Batch ----------------------------------------------------------------------------------

@dataclass
class BatchResult:
    postings: int = 0
    candidates: int = 0  # sum over postings
    seekers: int = 0  # profiled labour force loaded
    results: dict[int, tuple[int, list[Match]]] = field(default_factory=dict)


def match_all(*, actor: Any, county: str, limit: int = 20, on: dt.date | None = None,
              postings: Sequence[JobPosting] | None = None) -> BatchResult:
    """Every open posting of a county matched against the county's profiled labour force (in the
    actor's scope): the labour force is read once and indexed per distinct trade."""
    on = on or timezone.localdate()
    region = Region.objects.filter(code=county, level=3).first()
    if region is None:
        raise NotFound("所选县不存在。")
    ranges = _county_ranges(actor, county)
    out = BatchResult()
    if not ranges:
        return out
    w = matching_weights(on=on, region_code=county)
    if postings is None:
        postings = list(open_postings(actor=actor, on=on).filter(county_id=county))
    seekers = fetch_seekers(ranges=ranges, county=county, on=on,
                            monitored=monitored_households(county))
    out.seekers = len(seekers)
    by_trade: dict[str, list[Prepared]] = {}
    located = {code: (float(x), float(y)) for code, x, y in VillageLocation.objects.filter(
        region_id__gte=county[:6], region_id__lte=county[:6] + "999999").values_list(
        "region_id", "lng", "lat")}
    for p in postings:
        trade = p.trade.strip()
        if trade not in by_trade:
            by_trade[trade] = prepare(seekers, trade, w)
        site = site_of(p)
        distances = ({code: haversine_km(site.lng, site.lat, x, y)
                      for code, (x, y) in located.items()}
                     if site.lng is not None and site.lat is not None else {})
        total, best = rank(by_trade[trade], site, distances, w, limit=limit)
        out.results[p.pk] = (total, best)
        out.postings += 1
        out.candidates += total
    return out
