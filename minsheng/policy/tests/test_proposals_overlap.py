"""The overlap check for a proposed value (``parameters.overlapping_entry``) is the files' own
ordering rule (``_FileReader._order``): checked exhaustively on a small grid of dates."""

from __future__ import annotations

import datetime as dt
import itertools

from minsheng.policy.parameters import (
    LoadResult,
    Reference,
    ValueEntry,
    _FileReader,
    overlapping_entry,
)

REF = Reference(document="d", issuer="i", date=dt.date(2024, 1, 1), verified=True)
DAYS = range(1, 8)


def day(n: int) -> dt.date:
    return dt.date(2024, 1, n)


def file_accepts(entries: list[tuple[dt.date, dt.date | None]]) -> bool:
    reader = _FileReader(name="p", relative="p.yaml", result=LoadResult())
    ordered = sorted(entries, key=lambda e: e[0])
    reader._order([(i, "R", "R", eff, until) for i, (eff, until) in enumerate(ordered, 1)])
    return not reader.problems


def untils(start: int) -> list[int | None]:
    return [None, *range(start, DAYS[-1] + 1)]


def test_overlap_check_agrees_with_file_ordering_rule():
    checked = 0
    refused = 0
    for e1, e2 in itertools.combinations(DAYS, 2):
        for u1 in [None, *range(e1, e2)]:  # the existing values are themselves valid
            for u2 in untils(e2):
                existing = [(day(e1), u1 and day(u1)), (day(e2), u2 and day(u2))]
                entries = [ValueEntry(index=i, effective=eff, value=1, ref=REF, region="R",
                                      until=until) for i, (eff, until) in enumerate(existing)]
                for new in DAYS:
                    for new_until in untils(new):
                        candidate = (day(new), new_until and day(new_until))
                        clash = overlapping_entry(entries, effective=candidate[0],
                                                  until=candidate[1])
                        assert (clash is None) == file_accepts([*existing, candidate]), (
                            existing, candidate)
                        checked += 1
                        refused += clash is not None
    assert checked > 1000
    assert 0 < refused < checked  # both outcomes were exercised
