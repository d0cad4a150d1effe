from datetime import date

from bot.domain.stats import Stage, days_between, progress

START, END = date(2021, 8, 15), date(2021, 8, 22)
KM = 1000


def unity(covered_km: float, today: date, ended_on: date | None = None):
    return progress(416 * KM, START, END, int(covered_km * KM), today, ended_on)


def test_day_one_of_the_unity_run():
    p = unity(24, START)
    assert p.stage is Stage.RUNNING
    assert (p.day, p.days_total, p.remaining_m) == (1, 8, 392 * KM)
    assert round(p.share * 100, 1) == 5.8
    assert p.average_m_per_day == 24 * KM
    assert p.needed_m_per_day == 56 * KM  # 392 km over the 7 days after today
    assert (p.planned_m, p.behind_m, p.ahead_m) == (52 * KM, 28 * KM, 0)
    assert p.projected_finish == date(2021, 9, 1)  # 416 / 24 = 17.3 -> the 18th day


def test_days_counted_inclusively():
    assert days_between(START, END) == 8
    assert days_between(START, START) == 1


def test_before_the_start():
    p = unity(0, date(2021, 8, 14))
    assert p.stage is Stage.NOT_STARTED
    assert (p.day, p.days_run, p.average_m_per_day, p.projected_finish) == (0, 0, None, None)


def test_ahead_of_plan_and_last_day_needs_everything_today():
    p = unity(120, date(2021, 8, 16))
    assert (p.behind_m, p.ahead_m) == (0, 16 * KM)
    last = unity(380, END)
    assert last.days_left == 1
    assert last.needed_m_per_day == 36 * KM


def test_finished_before_the_end_date():
    p = unity(416, date(2021, 8, 21))
    assert p.stage is Stage.FINISHED
    assert (p.remaining_m, p.projected_finish) == (0, None)


def test_ended_by_the_organiser_below_the_distance():
    p = unity(409.5, date(2021, 8, 26), ended_on=date(2021, 8, 24))
    assert p.stage is Stage.ENDED
    assert p.remaining_m == 6_500
    assert p.days_run == 10  # 15 to 24 August


def test_past_the_end_date_without_endrun_is_final():
    p = unity(300, date(2021, 8, 25))
    assert p.stage is Stage.ENDED
    assert p.days_run == 8
