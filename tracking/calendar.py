"""Working-day (工作日) arithmetic for the 办理时限 of government matters (事项).

Which days are worked comes from the `chinesecalendar` package (import name
`chinese_calendar`): China's public holidays and the adjusted working days (调休) that the
State Council's yearly notice moves onto weekends. No holiday table is kept here.

For a year the package has no data for, nothing is guessed silently: such a year's days
count as working Monday–Friday only, and every result that counted one of its days
carries a `CalendarWarning` naming the year.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Literal

import chinese_calendar

__all__ = [
    "CalendarWarning",
    "Deadline",
    "Status",
    "WorkingCalendar",
    "known_years",
]

Status = Literal["overdue", "due_soon", "on_track"]

# Years probed for data: far wider than any calendar the package could plausibly carry,
# so the known range is read off the package rather than written down here.
_PROBE_YEARS = range(1900, 2200)


@dataclass(frozen=True)
class CalendarWarning:
    """A caveat on a result, e.g. a year counted without an official holiday calendar."""

    day: dt.date
    message: str


@dataclass(frozen=True)
class Deadline:
    """A due date and the caveats that came with computing it."""

    due: dt.date
    warnings: tuple[CalendarWarning, ...] = ()


@dataclass(frozen=True)
class _Year:
    """One year's working days as sorted ordinals, and whether they are official."""

    ordinals: tuple[int, ...]
    known: bool


@cache
def _library_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # vendored or renamed install: fall back
        return str(getattr(chinese_calendar, "__version__", "unknown"))


@cache
def known_years() -> range:
    """The years `chinesecalendar` has official holiday data for, found by probing it.

    Returns:
        A range of years (empty if the package knows none).
    """
    known = [year for year in _PROBE_YEARS if _library_knows(year)]
    return range(known[0], known[-1] + 1) if known else range(0)


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _build_year(year: int) -> _Year:
    first = dt.date(year, 1, 1).toordinal()
    last = dt.date(year, 12, 31).toordinal()
    try:
        ordinals = tuple(
            o
            for o in range(first, last + 1)
            if bool(chinese_calendar.is_workday(dt.date.fromordinal(o)))
        )
        return _Year(ordinals, known=True)
    except NotImplementedError:
        # The plain-week guess; callers turn `known=False` into a warning.
        plain = tuple(o for o in range(first, last + 1) if dt.date.fromordinal(o).weekday() < 5)
        return _Year(plain, known=False)


@dataclass
class WorkingCalendar:
    """Working-day arithmetic over China's official calendar, cached per year.

    Counting follows how 办理时限 run: the day a matter is accepted (受理) is not counted;
    the count starts on the next working day. Dates may be `date` or `datetime` (the time
    of day is ignored).
    """

    _years: dict[int, _Year] = field(default_factory=dict, init=False, repr=False)

    def known_years(self) -> range:
        """The years with an official holiday calendar; see the module-level `known_years`."""
        return known_years()

    def is_working_day(self, day: dt.date) -> bool:
        """Whether `day` is a working day (an unknown year: whether it is Monday–Friday).

        Use `working_days_between` or `add_working_days` to be told about unknown years.
        """
        ordinal = day.toordinal()
        ordinals = self._year(day.year).ordinals
        i = bisect_right(ordinals, ordinal)
        return i > 0 and ordinals[i - 1] == ordinal

    def add_working_days(self, start: dt.date, days: int) -> Deadline:
        """The due date `days` working days after `start`.

        The due date is the `days`-th working day strictly after `start`, whatever `start`
        itself is (accepted on a Friday with `days=1`: due the next working day). With
        `days == 0` it is `start` if that is a working day, else the next working day.

        Args:
            start: The day of acceptance.
            days: The time limit in working days, at least 0.

        Returns:
            The due date, with a warning for each year without official data that the
            count passed through.

        Raises:
            ValueError: If `days` is negative.
        """
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        origin = start.toordinal()
        if days == 0 and self.is_working_day(start):
            return Deadline(dt.date.fromordinal(origin), self._warnings(origin, origin))
        # Find the k-th working day after `origin`, walking whole years from the cache.
        remaining, year = max(days, 1), start.year
        position = bisect_right(self._year(year).ordinals, origin)
        while True:
            ordinals = self._year(year).ordinals
            available = len(ordinals) - position
            if remaining <= available:
                due = ordinals[position + remaining - 1]
                break
            remaining -= available
            year, position = year + 1, 0
        # With days == 0 the (non-working) start day was examined too.
        first_examined = origin if days == 0 else origin + 1
        return Deadline(dt.date.fromordinal(due), self._warnings(first_examined, due))

    def working_days_between(
        self, start: dt.date, end: dt.date
    ) -> tuple[int, tuple[CalendarWarning, ...]]:
        """Working days after `start` up to and including `end`.

        When `end` precedes `start` the count is negative: minus the working days after
        `end` up to and including `start` (for a due date `end` and a today `start`: the
        working days overdue). Equal dates give 0.

        Returns:
            The signed count and a warning per year without official data that was counted.
        """
        lo, hi = sorted((start.toordinal(), end.toordinal()))
        if lo == hi:
            return 0, ()
        count = 0
        for year in range(dt.date.fromordinal(lo + 1).year, dt.date.fromordinal(hi).year + 1):
            ordinals = self._year(year).ordinals
            count += bisect_right(ordinals, hi) - bisect_right(ordinals, lo)
        signed = count if end.toordinal() >= start.toordinal() else -count
        return signed, self._warnings(lo + 1, hi)

    def days_left(self, due: dt.date, today: dt.date) -> int:
        """Working days remaining until `due`, negative once it has passed.

        0 means due today (or only non-working days remain before `due`). Past `due` the
        value is minus the working days elapsed since `due`, and at least 1 in size, so a
        matter due on a Friday is already -1 on the Saturday. Unknown-year warnings are
        dropped here; `working_days_between` returns them.
        """
        count, _ = self.working_days_between(today, due)
        return min(count, -1) if due.toordinal() < today.toordinal() else count

    def status_of(self, due: dt.date, today: dt.date) -> Status:
        """Where a matter due on `due` stands on `today`.

        Returns:
            "overdue" once `due` has passed, "due_soon" when due today or within 1 working
            day, else "on_track".
        """
        left = self.days_left(due, today)
        if left < 0:
            return "overdue"
        return "due_soon" if left <= 1 else "on_track"

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            cached = self._years[year] = _build_year(year)
        return cached

    def _warnings(self, first: int, last: int) -> tuple[CalendarWarning, ...]:
        """One warning per unknown year among the days with ordinals first..last."""
        start_year, end_year = dt.date.fromordinal(first).year, dt.date.fromordinal(last).year
        return tuple(
            CalendarWarning(
                day=max(dt.date(year, 1, 1), dt.date.fromordinal(first)),
                message=(
                    f"{year}: no official holiday calendar known to chinesecalendar "
                    f"{_library_version()}; counted Monday–Friday"
                ),
            )
            for year in range(start_year, end_year + 1)
            if not self._year(year).known
        )
