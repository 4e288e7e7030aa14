"""Working-day arithmetic for 办理时限 over China's official holidays and 调休 days."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest

from tracking.calendar import CalendarWarning, Deadline, WorkingCalendar, known_years

# The 2026 arrangement, from 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, as
# published by Xinhua):
#   春节 2月15日(周日)至23日(周一)放假调休, 2月14日(周六)、2月28日(周六)上班;
#   中秋节 9月25日(周五)至27日(周日)放假;
#   国庆节 10月1日(周四)至7日(周三)放假调休, 9月20日(周日)、10月10日(周六)上班;
#   元旦 1月1日至3日放假调休, 1月4日(周日)上班.
D = date

# A year no holiday calendar will ever be published for in this package's lifetime.
UNKNOWN = 2099


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 1, 4), True),  # 元旦 调休: a Sunday worked
        (D(2026, 2, 13), True),  # Friday before 春节
        (D(2026, 2, 14), True),  # 春节 调休: a Saturday worked
        (D(2026, 2, 15), False),  # 春节 starts (Sunday)
        (D(2026, 2, 16), False),  # 春节 on a Monday
        (D(2026, 2, 23), False),  # 春节's last day, a Monday
        (D(2026, 2, 24), True),  # first working day after 春节
        (D(2026, 2, 28), True),  # 春节 调休: a Saturday worked
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 9, 20), True),  # 国庆 调休: a Sunday worked
        (D(2026, 9, 25), False),  # 中秋节 on a Friday
        (D(2026, 9, 28), True),  # Monday between 中秋 and 国庆
        (D(2026, 10, 1), False),  # 国庆 starts (Thursday)
        (D(2026, 10, 7), False),  # 国庆's last day, a Wednesday
        (D(2026, 10, 8), True),  # first working day after 国庆
        (D(2026, 10, 10), True),  # 国庆 调休: a Saturday worked
        (D(2026, 10, 11), False),  # the Sunday after
    ],
)
def test_is_working_day_follows_the_2026_notice(
    cal: WorkingCalendar, day: date, working: bool
) -> None:
    assert cal.is_working_day(day) is working


def test_a_datetime_is_judged_by_its_date(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(datetime(2026, 2, 14, 9, 30)) is True
    assert cal.is_working_day(datetime(2026, 2, 15, 9, 30)) is False


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # 春节
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday + 1: the worked Saturday
        (D(2026, 2, 13), 2, D(2026, 2, 24)),  # then the whole festival is skipped
        (D(2026, 2, 12), 3, D(2026, 2, 24)),
        (D(2026, 2, 18), 1, D(2026, 2, 24)),  # accepted on a holiday
        (D(2026, 2, 18), 5, D(2026, 2, 28)),  # ends on the worked Saturday
        (D(2026, 2, 27), 2, D(2026, 3, 2)),
        # 中秋 + 国庆
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Friday + 1: the worked Sunday
        (D(2026, 9, 18), 2, D(2026, 9, 21)),
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # 中秋 Friday skipped
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # 国庆 skipped
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the worked Saturday counts
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 9, 28), 5, D(2026, 10, 10)),
        (D(2026, 9, 18), 12, D(2026, 10, 12)),
        (D(2026, 10, 1), 1, D(2026, 10, 8)),  # accepted on a holiday
        # an ordinary week: a 20-working-day limit is four weeks
        (D(2026, 3, 2), 20, D(2026, 3, 30)),
    ],
)
def test_add_working_days_counts_from_the_next_working_day(
    cal: WorkingCalendar, start: date, days: int, due: date
) -> None:
    assert cal.add_working_days(start, days) == Deadline(due, ())


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (D(2026, 2, 13), D(2026, 2, 13)),  # a working day: due that day
        (D(2026, 2, 14), D(2026, 2, 14)),  # a worked Saturday: due that day
        (D(2026, 2, 15), D(2026, 2, 24)),  # a holiday: the next working day
        (D(2026, 10, 1), D(2026, 10, 8)),
        (D(2026, 9, 19), D(2026, 9, 20)),  # a Saturday: the worked Sunday after it
    ],
)
def test_zero_days_is_due_on_the_first_working_day_from_start(
    cal: WorkingCalendar, start: date, due: date
) -> None:
    assert cal.add_working_days(start, 0).due == due


@pytest.mark.parametrize("days", [-1, -20])
def test_negative_days_are_refused(cal: WorkingCalendar, days: int) -> None:
    with pytest.raises(ValueError, match="days"):
        cal.add_working_days(D(2026, 3, 2), days)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2026, 9, 18), D(2026, 10, 12), 12),
        (D(2026, 10, 12), D(2026, 9, 18), -12),  # end before start: days overdue
        (D(2026, 2, 13), D(2026, 2, 24), 2),  # the worked Saturday and the 24th
        (D(2026, 2, 24), D(2026, 2, 13), -2),
        (D(2026, 9, 30), D(2026, 10, 7), 0),  # only holidays in between
        (D(2026, 10, 7), D(2026, 9, 30), 0),  # counted after Sept 30: nothing either way
        (D(2026, 3, 2), D(2026, 3, 2), 0),
        (D(2026, 3, 6), D(2026, 3, 9), 1),  # Friday to Monday
        (D(2026, 12, 30), D(2026, 12, 31), 1),
    ],
)
def test_working_days_between_counts_after_start_through_end(
    cal: WorkingCalendar, start: date, end: date, count: int
) -> None:
    assert cal.working_days_between(start, end) == (count, ())


def test_between_undoes_add(cal: WorkingCalendar) -> None:
    start = D(2026, 9, 18)
    for days in range(1, 40):
        due = cal.add_working_days(start, days).due
        assert cal.working_days_between(start, due)[0] == days


def test_known_years_come_from_the_library() -> None:
    years = known_years()
    assert 2004 in years
    assert 2026 in years
    assert UNKNOWN not in years
    assert WorkingCalendar().known_years() == years


def _assert_unknown_year_warning(warning: CalendarWarning, year: int) -> None:
    assert warning.day.year == year
    assert warning.message.startswith(f"{year}: no official holiday calendar known to ")
    assert "chinesecalendar" in warning.message
    assert warning.message.endswith("counted Monday–Friday")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(UNKNOWN, 1, 1), True),  # a Thursday, New Year's Day or not: no data, so Mon–Fri
        (D(UNKNOWN, 6, 5), True),  # Friday
        (D(UNKNOWN, 6, 6), False),  # Saturday
        (D(UNKNOWN, 6, 7), False),  # Sunday
    ],
)
def test_an_unknown_year_is_guessed_monday_to_friday(
    cal: WorkingCalendar, day: date, working: bool
) -> None:
    assert cal.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (D(UNKNOWN, 6, 5), 1, D(UNKNOWN, 6, 8)),  # Friday + 1: Monday
        (D(UNKNOWN, 6, 6), 0, D(UNKNOWN, 6, 8)),  # Saturday, 0 days: Monday
        (D(UNKNOWN, 6, 5), 0, D(UNKNOWN, 6, 5)),
        (D(UNKNOWN, 6, 1), 100, D(UNKNOWN, 10, 19)),  # Monday + 100: 20 weeks on
    ],
)
def test_an_unknown_year_warns_once_naming_it(
    cal: WorkingCalendar, start: date, days: int, due: date
) -> None:
    deadline = cal.add_working_days(start, days)
    assert deadline.due == due
    (warning,) = deadline.warnings
    _assert_unknown_year_warning(warning, UNKNOWN)


def test_each_unknown_year_crossed_gets_its_own_warning(cal: WorkingCalendar) -> None:
    # Tue 30 Dec 2098 + 3: Wed 31st, Thu 1 Jan, Fri 2 Jan.
    deadline = cal.add_working_days(D(UNKNOWN - 1, 12, 30), 3)
    assert deadline.due == D(UNKNOWN, 1, 2)
    assert [w.day.year for w in deadline.warnings] == [UNKNOWN - 1, UNKNOWN]
    for warning, year in zip(deadline.warnings, [UNKNOWN - 1, UNKNOWN], strict=True):
        _assert_unknown_year_warning(warning, year)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(UNKNOWN - 1, 12, 30), D(UNKNOWN, 1, 5), 4),  # Dec 31, Jan 1, Jan 2, Jan 5
        (D(UNKNOWN, 1, 5), D(UNKNOWN - 1, 12, 30), -4),
    ],
)
def test_between_warns_for_unknown_years_in_both_directions(
    cal: WorkingCalendar, start: date, end: date, count: int
) -> None:
    got, warnings = cal.working_days_between(start, end)
    assert got == count
    assert [w.day.year for w in warnings] == [UNKNOWN - 1, UNKNOWN]


def test_counting_past_the_last_known_year_warns_for_the_next(cal: WorkingCalendar) -> None:
    last = max(known_years())
    deadline = cal.add_working_days(D(last, 12, 31), 1)
    # Only the unknown year's days were counted, and they were counted Monday–Friday.
    expected = D(last + 1, 1, 1)
    while expected.weekday() >= 5:
        expected += timedelta(days=1)
    assert deadline.due == expected
    (warning,) = deadline.warnings
    _assert_unknown_year_warning(warning, last + 1)
    assert warning.day == D(last + 1, 1, 1)


def test_a_known_span_bordering_an_unknown_year_does_not_warn(cal: WorkingCalendar) -> None:
    last = max(known_years())
    assert cal.working_days_between(D(last, 12, 1), D(last, 12, 31))[1] == ()


@pytest.mark.parametrize(
    ("due", "today", "left", "status"),
    [
        (D(2026, 10, 9), D(2026, 10, 9), 0, "due_soon"),  # due today
        (D(2026, 10, 10), D(2026, 10, 9), 1, "due_soon"),  # due on the worked Saturday
        (D(2026, 10, 8), D(2026, 9, 30), 1, "due_soon"),  # 国庆 between: still 1
        (D(2026, 10, 9), D(2026, 9, 30), 2, "on_track"),
        (D(2026, 10, 12), D(2026, 10, 9), 2, "on_track"),  # the worked Saturday counts
        (D(2026, 3, 9), D(2026, 3, 7), 1, "due_soon"),  # Saturday, due Monday
        (D(2026, 3, 8), D(2026, 3, 7), 0, "due_soon"),  # due on a Sunday, today Saturday
        (D(2026, 10, 8), D(2026, 10, 9), -1, "overdue"),
        (D(2026, 3, 6), D(2026, 3, 7), -1, "overdue"),  # due Friday, today Saturday
        (D(2026, 3, 6), D(2026, 3, 9), -1, "overdue"),  # ...and still -1 on the Monday
        (D(2026, 9, 30), D(2026, 10, 7), -1, "overdue"),  # passed during 国庆
        (D(2026, 9, 30), D(2026, 10, 9), -2, "overdue"),
    ],
)
def test_days_left_and_status_at_the_boundaries(
    cal: WorkingCalendar, due: date, today: date, left: int, status: str
) -> None:
    assert cal.days_left(due, today) == left
    assert cal.status_of(due, today) == status


def test_ten_thousand_calls_take_well_under_a_second(cal: WorkingCalendar) -> None:
    starts = [D(2025, 1, 1) + timedelta(days=i % 700) for i in range(10_000)]
    cal.add_working_days(starts[0], 1)  # only the first call of a year builds its cache
    began = time.perf_counter()
    for i, start in enumerate(starts):
        due = cal.add_working_days(start, i % 30).due
        cal.status_of(due, start)
    assert time.perf_counter() - began < 1.0
