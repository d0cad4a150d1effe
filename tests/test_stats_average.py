"""The average per day past day 1, where dividing and multiplying by the days run differ; through
/progress as a supporter reads it, and as the pure figures."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.stats import Stage, progress
from tests.conftest import ASHA, MILIND, ORGANISER

START, END = date(2021, 8, 15), date(2021, 8, 22)
IST = ZoneInfo("Asia/Kolkata")


def unity(covered_m: int, today: date, ended_on: date | None = None):
    return progress(416_000, START, END, covered_m, today, ended_on)


def test_day_3_average_divides_by_the_three_days_run():
    p = unity(114_000, date(2021, 8, 17))
    assert (p.day, p.days_run) == (3, 3)
    assert p.average_m_per_day == 38_000
    assert p.projected_finish == date(2021, 8, 25)  # 416 / 38 = 10.9 -> the 11th day
    assert p.needed_m_per_day == 60_400  # 302 km over the 5 days after the 17th
    assert (p.planned_m, p.behind_m, p.ahead_m) == (156_000, 42_000, 0)


def test_the_average_is_rounded_to_the_nearest_metre():
    assert unity(2_000, date(2021, 8, 17)).average_m_per_day == 667
    assert unity(1_000, date(2021, 8, 17)).average_m_per_day == 333


def test_no_average_before_anything_is_covered():
    assert unity(0, date(2021, 8, 17)).average_m_per_day is None
    assert unity(0, date(2021, 8, 17)).projected_finish is None


def test_after_the_end_the_average_is_over_the_days_run_up_to_the_close():
    closed = unity(200_000, date(2021, 8, 30), ended_on=date(2021, 8, 18))
    assert (closed.stage, closed.days_run) == (Stage.ENDED, 4)
    assert closed.average_m_per_day == 50_000
    past_end = unity(400_000, date(2021, 8, 30))
    assert (past_end.days_run, past_end.average_m_per_day) == (8, 50_000)


def test_a_finished_run_projects_nothing_more():
    p = unity(416_000, date(2021, 8, 20))
    assert p.stage is Stage.FINISHED
    assert p.projected_finish is None
    assert p.average_m_per_day == 69_333


async def test_progress_on_day_3_shows_the_average_of_three_days(unity):
    for day, km in ((15, 24), (16, 40), (17, 50)):
        unity.clock.now = datetime(2021, 8, day, 18, 0, tzinfo=IST)
        await unity.say(MILIND, f"/update {km}")

    reply = await unity.say(ASHA, "/progress")

    assert "Day 3 of 8" in reply
    assert "Average so far: 38 km a day" in reply
    assert "Needed: 60.4 km a day to finish by 22 Aug 2021" in reply
    assert "Behind plan by 42 km (plan: 156 km by today)" in reply
    assert "Projected finish at this pace: 25 Aug 2021" in reply


async def test_the_final_progress_averages_over_the_days_actually_run(unity):
    for day, km in ((15, 24), (16, 40), (17, 50)):
        unity.clock.now = datetime(2021, 8, day, 18, 0, tzinfo=IST)
        await unity.say(MILIND, f"/update {km}")
    await unity.say(ORGANISER, "/endrun")
    unity.clock.now = datetime(2021, 8, 20, 9, 0, tzinfo=IST)

    reply = await unity.say(ASHA, "/progress")

    assert "Planned: 8 days, 15 Aug 2021 to 22 Aug 2021; ran 3 days\nAverage: 38 km a day" in reply


def test_the_last_day_is_still_run_and_the_day_after_is_final():
    last = unity(300_000, END)
    assert (last.stage, last.day, last.days_run, last.days_left) == (Stage.RUNNING, 8, 8, 1)
    assert last.needed_m_per_day == 116_000
    assert unity(300_000, date(2021, 8, 23)).stage is Stage.ENDED


async def test_progress_on_the_last_day_asks_for_the_rest_today(unity):
    unity.clock.now = datetime(2021, 8, 22, 9, 0, tzinfo=IST)
    await unity.say(MILIND, "/update 300")

    reply = await unity.say(ASHA, "/progress")

    assert "Day 8 of 8" in reply
    assert "Needed: 116 km a day to finish by 22 Aug 2021" in reply
    assert "Finished" not in reply
