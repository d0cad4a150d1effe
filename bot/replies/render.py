"""Pure functions from numbers and records to message text (HTML; user text always escaped)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, TypeVar

from bot.domain.names import display_name
from bot.domain.position_privacy import PositionMode, delay_text, parse_policy
from bot.domain.stats import Progress, Stage
from bot.domain.units import day_text, km, one_decimal, percent

if TYPE_CHECKING:  # the services render their outbox messages with this module: no import cycle
    from bot.domain.pledge_math import Status
    from bot.domain.position_privacy import PositionPolicy
    from bot.services.results import (
        Behind,
        Change,
        ChartData,
        DayActivity,
        DaySummary,
        Joined,
        JoinedRun,
        Logged,
        LogUndone,
        Pledged,
        Posted,
        ProgressReport,
        Reminders,
        RunnerDayLine,
        RunsView,
        Standing,
        Subscribed,
        SupportersReport,
        TodayReport,
        Undone,
        Where,
    )
    from storage.positions import Position
    from storage.runs import Run

MAX_MESSAGE = 4096
MAX_CAPTION = 1024
NOTE_LIMIT = 500

R = TypeVar("R")


def bar(share: float, width: int = 20) -> str:
    """Cells filled rounding down: the bar is full only when the distance is."""
    filled = max(min(int(share * width), width), 0)
    return "█" * filled + "░" * (width - filled)


def name_html(text: str) -> str:
    """A name (a person's, a run's, a place's, a checkpoint's) as a message shows it: without the characters
    that turn text around or show as nothing (bot.domain.names), HTML-escaped. Names stored before they
    were cleaned where they come in are cleaned here too."""
    return escape(display_name(text))


def clip(text: str, limit: int = NOTE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def map_link(position: Position, run: Run) -> str:
    """The public position (bot.services.live): a coarse one is shown as the area, zoomed out."""
    zoom = 10 if position.coarse else 14
    url = f"https://www.openstreetmap.org/?mlat={position.latitude:.5f}&mlon={position.longitude:.5f}#map={zoom}"
    when = position.at.astimezone(run.tz)
    what = "Near" if position.coarse else "Latest position"
    return f'📍 {what}: <a href="{escape(url)}">map</a> ({name_html(position.runner_name)}, {when.day} {when:%b %H:%M})'


def run_heading(run: Run) -> str:
    return f"<b>{name_html(run.title)}</b>: {name_html(run.start_place)} → {name_html(run.end_place)}"


def _once_per_report(render: Callable[[R], str]) -> Callable[[R], str]:
    """Reports are kept in memory until a write changes them (`Database.cached`): the text of the
    report last rendered is kept with it, so a hundred /progress in a row render it once."""
    last: list = [None, ""]

    def rendered(report: R) -> str:
        if last[0] is not report:
            last[:] = [report, render(report)]
        return last[1]

    return rendered


@_once_per_report
def progress(report: ProgressReport) -> str:
    run, p = report.run, report.progress
    lines = [run_heading(run)]
    if p.stage is Stage.NOT_STARTED:
        lines += [
            f"Starts on {day_text(run.start_date)}: {km(run.distance_m)} km in {p.days_total} days.",
            "Not started yet: 0 km so far.",
        ]
    elif p.stage is Stage.ENDED:
        lines += _final_lines(p)
    else:
        lines += [f"Day {p.day} of {p.days_total}", "", *_distance_lines(p), "", *_pace_lines(p)]
    lines += _where_lines(report.where)
    if report.companions or len(report.leads) > 1:
        lines.append("")
    if len(report.leads) > 1:
        lines += [f"🏃 {name_html(t.runner.name)}: {km(t.metres)} km" for t in report.leads]
    lines += [
        f"🤝 Beside the route: {name_html(t.runner.name)} {km(t.metres)} km (companion, not added)"
        for t in report.companions
    ]
    if report.position:
        lines.append(map_link(report.position, run))
    return "\n".join(lines)


def _distance_lines(p: Progress) -> list[str]:
    return [
        f"<b>{km(p.covered_m)} km</b> of {km(p.distance_m)} km · {percent(p.share)}",
        bar(p.share),
        f"{km(p.remaining_m)} km to go" if p.remaining_m else "🎉 The full distance is covered!",
    ]


def _pace_lines(p: Progress) -> list[str]:
    if p.stage is Stage.FINISHED:
        return [f"Average: {km(p.average_m_per_day or 0)} km a day"]
    lines = []
    if p.average_m_per_day:
        lines.append(f"Average so far: {km(p.average_m_per_day)} km a day")
    lines.append(f"Needed: {km(p.needed_m_per_day)} km a day to finish by {day_text(p.end)}")
    if p.behind_m:
        lines.append(f"Behind plan by {km(p.behind_m)} km (plan: {km(p.planned_m)} km by today)")
    elif p.ahead_m:
        lines.append(f"Ahead of plan by {km(p.ahead_m)} km")
    if p.projected_finish:
        lines.append(f"Projected finish at this pace: {day_text(p.projected_finish)}")
    return lines


def _final_lines(p: Progress) -> list[str]:
    lines = [
        f"Finished: <b>{km(p.covered_m)} km</b> of the planned {km(p.distance_m)} km · {percent(p.share)}",
        bar(p.share),
    ]
    if p.remaining_m:
        lines.append(f"{km(p.remaining_m)} km short of the plan")
    lines.append(f"Planned: {p.days_total} days, {day_text(p.start)} to {day_text(p.end)}; ran {p.days_run} days")
    if p.average_m_per_day:
        lines.append(f"Average: {km(p.average_m_per_day)} km a day")
    return lines


@_once_per_report
def today(report: TodayReport) -> str:
    run = report.run
    heading = f"{run_heading(run)}\n{day_text(report.today)}"
    if 1 <= report.day <= (run.end_date - run.start_date).days + 1:
        heading += f" · day {report.day}"
    lines = [heading, ""]
    lines += _day_lines(report.entries, NOTE_LIMIT) or ["Nobody has posted an update today yet."]
    if report.position:
        lines += ["", map_link(report.position, run)]
    return "\n".join(lines)


def photo_caption(name: str, metres: int | None, note: str | None) -> str:
    """A photo's caption: the name, the update's km (unless the public does not see them), the note."""
    caption = name_html(name) if metres is None else f"{name_html(name)}: {km(metres)} km"
    room = MAX_CAPTION - units(caption) - 2
    if note and room > 10:
        # escaping can lengthen the note, so clip the escaped text at an entity boundary
        escaped = escape(note)
        if units(escaped) > room:
            escaped = escaped[: cut_within(escaped, room - 1)]
            escaped = escaped[: escaped.rfind("&")] if escaped.rfind("&") > escaped.rfind(";") else escaped
            escaped += "…"
        caption += f"\n{escaped}"
    return caption


TOTAL_NOT_HERE = "Your total is not shown in a group: /position keeps the public view of the run {}. Ask me in private."


def _total_kept_from(run: Run, in_group: bool) -> str | None:
    """Why a runner's total is left out of a reply in a group (which the public reads), or None to show it. Under
    /position delay or coarse the public reads the total late or rounded: the runner's exact, current total in
    a group would undo that. (Under hide the km covered stay public.)"""
    if not in_group:
        return None
    policy = parse_policy(run.position_policy)
    if policy.mode is PositionMode.DELAY:
        return TOTAL_NOT_HERE.format(f"{delay_text(policy.delay)} late")
    if policy.mode is PositionMode.COARSE:
        return TOTAL_NOT_HERE.format("rounded to 10 km")
    return None


def posted(result: Posted, in_group: bool = False) -> str:
    """The runner's reply to /update or its correction; `in_group`: it goes to a group, not the private chat."""
    u, title = result.update, name_html(result.run.title)
    if result.before_m is not None:
        head = f"✏️ Corrected: {km(result.before_m)} km → <b>{km(u.metres)} km</b> · {title}"
    else:
        head = f"✅ Posted <b>{km(u.metres)} km</b> for day {(u.local_day - result.run.start_date).days + 1} · {title}"
    kept = _total_kept_from(result.run, in_group)
    if kept:
        return f"{head}\n{kept}"
    return f"{head}\nYour total: {km(result.runner_total_m)} km. /progress shows the route."


def position_saved(run: Run, live: bool) -> str:
    follow = " It will follow your live location." if live else ""
    return f"📍 Position saved for {name_html(run.title)}.{follow}"


def undone(result: Undone, in_group: bool = False) -> str:
    head = (
        f"↩️ Removed your update of {km(result.update.metres)} km ({day_text(result.update.local_day)})"
        f" from {name_html(result.run.title)}."
    )
    kept = _total_kept_from(result.run, in_group)
    return f"{head}\n{kept or f'Your total: {km(result.runner_total_m)} km.'}"


def run_created(run: Run, bot_username: str) -> str:
    days = (run.end_date - run.start_date).days + 1
    return (
        f"🏁 New run: {run_heading(run)}\n"
        f"{km(run.distance_m)} km, {day_text(run.start_date)} to {day_text(run.end_date)} ({days} days), "
        f"time zone {escape(run.timezone)}.\n"
        f"Invite runners with /invite lead or /invite companion, co-organisers with /invite organiser.\n"
        f"{run_links(run, bot_username)}\n"
        "Your commands here are about this run now; /runs switches."
    )


def run_links(run: Run, bot_username: str) -> str:
    """A run's public links: supporters join by the first, a group adds the bot for it by the second."""
    return (
        f"Supporters join at https://t.me/{bot_username}?start={run.slug}\n"
        f"Add me to a group for it: https://t.me/{bot_username}?startgroup={run.slug}"
    )


def run_ended(run: Run) -> str:
    return f"🏁 {name_html(run.title)} is closed where it stands. /progress shows the final figures."


def listing(run: Run, bot_username: str) -> str:
    if run.listed:
        return f"📣 {name_html(run.title)} is listed: on the index page and offered in /runs. /unlist hides it."
    return (
        f"🙈 {name_html(run.title)} is unlisted: off the index page and /runs; its links still work.\n"
        f"{run_links(run, bot_username)}\n/list shows it again."
    )


def distance_changed(change: Change) -> str:
    before, after = change.before.distance_m, change.after.distance_m
    return f"Distance of {name_html(change.after.title)}: {km(before)} km → {km(after)} km."


def end_changed(change: Change) -> str:
    return (
        f"End date of {name_html(change.after.title)}: {day_text(change.before.end_date)} → "
        f"{day_text(change.after.end_date)}."
    )


def invite_link(bot_username: str, run: Run, token: str, role: str, expires_at: datetime) -> str:
    who = "a co-organiser" if role == "organiser" else f"a {role} runner"
    return (
        f"Invite for {who} of {name_html(run.title)}, valid once until {expires_at:%d %b %Y %H:%M} UTC:\n"
        f"https://t.me/{bot_username}?start={token}"
    )


def split(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long reply into messages at line ends (our lines never hold a tag across them). Lengths are
    Telegram's: UTF-16 code units, so a message of emoji is cut where Telegram would refuse it."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while units(line) > limit:
            hard = cut_within(line, limit)
            cut = line.rfind(" ", 0, hard)
            cut = cut if cut > 0 else hard
            if line.rfind("&", 0, cut) > line.rfind(";", 0, cut):
                cut = line.rfind("&", 0, cut)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if units(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def units(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def cut_within(text: str, limit: int) -> int:
    """The largest i with units(text[:i]) <= limit."""
    total = 0
    for i, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return i
    return len(text)


def joined(result: Joined) -> str:
    if result.runner is None:
        return (
            f"🤝 Welcome! You now organise {run_heading(result.run)} with its other organisers.\n"
            "/help lists what organisers can do; in this chat they act on this run (/runs changes it)."
        )
    role = "the lead runner" if result.runner.is_lead else "a companion runner"
    return (
        f"Welcome, {name_html(result.runner.name)}! You are {role} of {run_heading(result.run)}.\n"
        "Post your km with /update 24 [note], or send a photo with that caption. "
        "Share your location with me here so supporters can see where you are."
    )


def welcome(run: Run | None, commands: str, several: bool = False) -> str:
    intro = "👋 I follow a long-distance run for its supporters: progress, daily updates, and more."
    if several:
        current = "Several runs are on: /runs lists them, and a tap chooses the one this chat is about."
    elif run is None:
        current = "There is no run yet."
    else:
        current = (
            f"Now following {run_heading(run)}, {km(run.distance_m)} km, "
            f"{day_text(run.start_date)} to {day_text(run.end_date)}."
        )
    return f"{intro}\n{current}\n\n{commands}"


# --- Group chats and followers: subscriptions, daily summaries, update messages, milestones ---


def _day_lines(entries: list[RunnerDayLine], note_limit: int = 300) -> list[str]:
    """Each runner's km of the day (leads first, as the service made them public), with the notes and a 📷 if
    there were photos."""
    lines = []
    for entry in entries:
        icon, role = ("🏃", "") if entry.role == "lead" else ("🤝", " (companion)")
        line = f"{icon} <b>{name_html(entry.name)}</b>{role}: {km(entry.metres)} km"
        if entry.photos:
            line += " 📷"
        lines.append(line)
        lines += [f"    {escape(clip(note, note_limit))}" for note in entry.notes]
    return lines


def _fit(text: str) -> str:
    """One message: a summary longer than Telegram allows (a day of very many notes) loses its tail."""
    if units(text) <= MAX_MESSAGE:
        return text
    cut = cut_within(text, MAX_MESSAGE - 2)
    line_end = text.rfind("\n", 0, cut)
    return text[: line_end if line_end > 0 else cut] + "\n…"


def daily_summary(summary: DaySummary, supporters: str | None = None) -> str:
    """The summary of a run's local day, sent to subscribed chats. `supporters`: an HTML section
    about the supporters' day (pledges, km logged), added when given."""
    run, p = summary.run, summary.progress
    if summary.final:
        lines = [f"🏁 <b>Final summary</b> · {run_heading(run)}", "", *_final_lines(p)]
        if summary.entries:
            lines += ["", f"{day_text(summary.day)}:", *_day_lines(summary.entries)]
    else:
        route, *rest = _distance_lines(p)
        lines = [
            f"📰 Daily summary · {run_heading(run)}",
            f"<b>Day {p.day} of {p.days_total}</b> · {day_text(summary.day)}",
            "",
        ]
        lines += _day_lines(summary.entries) or [f"No update from the runners on day {p.day}."]
        lines += ["", f"Route: {route}", *rest, *_pace_lines(p), *_where_lines(summary.where)]
    if summary.position:
        lines.append(map_link(summary.position, run))
    if supporters:
        lines += ["", supporters]
    if summary.final:
        lines += ["", "Thank you for following! This was the last daily summary of this run."]
    else:
        lines += ["", "/progress for the latest figures · /today for today's updates"]
    return _fit("\n".join(lines))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("s" if n != 1 else "")


def supporters_of_day(activity: DayActivity, final: bool = False) -> str | None:
    """The supporters' part of a daily summary; None until somebody has pledged. A hidden supporter
    is never the one named (the figures leave them out of the top already)."""
    if not activity.supporters:
        return None
    day_parts = [
        _count(activity.new_pledges, "new pledge") if activity.new_pledges else "no new pledge",
        f"{km(activity.logged_today_m)} km logged" if activity.logged_today_m else "no km logged",
    ]
    in_all = (
        f"{_count(activity.supporters, 'supporter')} · {km(activity.pledged_m)} km pledged · "
        f"{km(activity.logged_m)} km logged"
    )
    quiet_day = not (activity.new_pledges or activity.logged_today_m)
    if final:  # the day after the run: its own figures are nearly always nil
        lines = [f"🤝 <b>Supporters</b>: {in_all}"]
        if not quiet_day:
            lines.append(f"Today: {' · '.join(day_parts)}")
    else:
        lines = [f"🤝 <b>Supporters today</b>: {' · '.join(day_parts)}", f"In all: {in_all}"]
    if activity.top_name:
        lines.append(f"🏅 Top supporter today: {name_html(activity.top_name)}, {km(activity.top_today_m)} km")
    return "\n".join(lines)


def subscribed(result: Subscribed) -> str:
    sub, run = result.subscription, result.run
    who = "You" if sub.kind == "private" else "This group"
    what = f"the daily summary of <b>{name_html(run.title)}</b>" if run else "the daily summary of the run"
    lines = [f"✅ {who} will get {what} at {sub.local_time} ({escape(result.zone)} time)."]
    if run is None:
        lines.append("There is no run yet: the summaries start once this chat follows one (its link, or /runs).")
    elif sub.starts_on <= run.end_date:
        lines.append(f"The first one comes on {day_text(max(sub.starts_on, run.start_date))}.")
    lines.append("Change it with /subscribe HH:MM [time zone], stop it with /unsubscribe.")
    return "\n".join(lines)


def unsubscribed(ended: bool) -> str:
    if ended:
        return "🔕 The daily summary here has stopped. /subscribe starts it again."
    return "There is no daily summary here to stop. /subscribe starts one."


def followed(run: Run, new: bool) -> str:
    title = name_html(run.title)
    if new:
        return f"🔔 You will get a short message here for each update of {title}. /unfollow stops them."
    return f"You follow {title} already. /unfollow stops the messages."


def unfollowed(run: Run, ended: bool) -> str:
    title = name_html(run.title)
    if ended:
        return f"🔕 No more update messages of {title}. /follow turns them back on."
    return f"You were not following {title}. /follow sends you a message for each update."


def hello_group(run: Run | None, summary_time: str, zone: str) -> str:
    following = f"I follow {run_heading(run)} for its supporters" if run else "I follow long-distance runs"
    return (
        f"👋 Hello, everyone! {following}: progress, the runners' updates, milestones.\n"
        f"An administrator can send /subscribe for a daily summary here at {summary_time} ({escape(zone)} time), "
        "or /subscribe HH:MM [time zone] for another time.\n"
        "Anyone can ask /progress or /today."
    )


def lost_rights(title: str | None) -> str:
    where = f"<b>{name_html(title)}</b>" if title else "a group you subscribed"
    return (
        f"I may no longer send messages in {where}, so its daily summary has stopped. "
        "Let me send messages there again, then send /subscribe in that group."
    )


# --- Pledges: /pledge, /log, /undo of a log, /mypledge, /supporters, /hideme -------------------------


LOG_HINT = "Log your walks and runs with /log 5 [note]; /mypledge shows where you stand."
SUGGEST_PLEDGE = "Make it a pledge: /pledge commits 5% of the run, or tap a share below."


def times_run(ratio: float) -> str:
    """A collective distance against the run's: '15% of the run's distance', '2.3× the run's distance'."""
    if ratio < 1:
        return f"{percent(ratio)} of the run's distance"
    return one_decimal(Decimal(str(ratio))) + "× the run's distance"


def _pledge_pace(s: Status, run: Run) -> str:
    if s.reached:
        return f"🎉 You have logged {km(s.logged_m)} km: pledge reached!"
    done = f"{km(s.logged_m)} km logged, {km(s.remaining_m)} km to go. " if s.logged_m else ""
    days = f"{s.days_left} day" + ("s" if s.days_left != 1 else "")
    return f"{done}Do it by {day_text(run.end_date)}: {km(s.needed_per_day_m or 0)} km a day for {days}."


def pledged(result: Pledged) -> str:
    run, s, name = result.run, result.status, name_html(result.first_name)
    share = percent(s.share_of_run)
    what = f"<b>{km(s.pledged_m or 0)} km</b>, {share} of {name_html(run.title)} ({km(run.distance_m)} km)"
    if result.before_m is None:
        head = f"🤝 Thank you, {name}! You pledged {what}."
    elif result.before_m == s.pledged_m:
        head = f"🤝 {name}, your pledge stays {what}."
    else:
        head = f"✏️ {name}, your pledge changed from {km(result.before_m)} km to {what}."
    return f"{head}\n{_pledge_pace(s, run)}\n{LOG_HINT}"


def _against_pledge(s: Status) -> str:
    if s.pledged_m is None:
        return f"Your total: {km(s.logged_m)} km. {SUGGEST_PLEDGE}"
    left = f", {km(s.remaining_m)} km to go" if s.remaining_m else ""
    return f"Your pledge: {km(s.logged_m)} of {km(s.pledged_m)} km · {percent(s.done)}{left}."


def logged(result: Logged) -> str:
    entry = result.log
    if result.before_m is not None:
        head = f"✏️ Corrected your log: {km(result.before_m)} km → <b>{km(entry.metres)} km</b>"
    else:
        head = f"✅ Logged <b>{km(entry.metres)} km</b>"
    head += f" for {day_text(entry.local_day)} · {name_html(result.run.title)}"
    if entry.note:
        head += f": {escape(clip(entry.note))}"
    lines = [head, _against_pledge(result.status)]
    if result.congratulate:
        lines.append(
            f"🎉 {name_html(result.first_name)}, you reached your pledge of {km(result.status.pledged_m or 0)} km! "
            "Thank you for going the distance with the run."
        )
    return "\n".join(lines)


def log_undone(result: LogUndone) -> str:
    return (
        f"↩️ Removed your log of {km(result.log.metres)} km ({day_text(result.log.local_day)})"
        f" from {name_html(result.run.title)}.\n"
        f"{_against_pledge(result.status)}"
    )


def my_pledge(standing: Standing) -> str:
    run, s = standing.run, standing.status
    lines = [f"🤝 <b>{name_html(standing.first_name)}</b>, your pledge for {name_html(run.title)}"]
    if s.pledged_m is None:
        lines.append("You have not pledged yet.")
        if s.logged_m:
            lines.append(f"You logged {km(s.logged_m)} km.")
        lines.append(SUGGEST_PLEDGE)
    else:
        lines += [
            f"<b>{km(s.logged_m)} of {km(s.pledged_m or 0)} km</b> logged · {percent(s.done)}",
            bar(s.done),
            f"Pledged: {km(s.pledged_m or 0)} km, {percent(s.share_of_run)} of the run's {km(run.distance_m)} km",
        ]
        if s.reached:
            lines.append("🎉 Pledge reached! Every km more still counts.")
        elif s.days_left:
            days = f"{s.days_left} day" + ("s" if s.days_left != 1 else "")
            lines.append(
                f"{km(s.remaining_m)} km left · {days} left · {km(s.needed_per_day_m or 0)} km a day needed "
                f"(by {day_text(run.end_date)})"
            )
        else:
            lines.append(f"{km(s.remaining_m)} km short: the days of the run are over.")
    if standing.rank is not None:
        lines.append(f"🏅 Rank {standing.rank} among supporters by km logged")
    elif s.pledged_m is not None:
        lines.append("Log your first km with /log 5 [note] to get on the /supporters board.")
    if standing.hidden:
        lines.append("You are hidden from the /supporters list; /showme puts you back.")
    return "\n".join(lines)


@_once_per_report
def supporters(report: SupportersReport) -> str:
    run, t = report.run, report.totals
    lines = [f"🤝 <b>Supporters of {name_html(run.title)}</b>"]
    if t.supporters:
        people = f"{t.supporters} supporter" + ("s" if t.supporters != 1 else "")
        lines.append(f"{people} · {km(t.pledged_m)} km pledged ({times_run(report.pledged_of_run)})")
    else:
        lines.append("No pledges yet: /pledge commits 5% of the run.")
    lines.append(f"👟 {km(t.logged_m)} km logged ({times_run(report.logged_of_run)})")
    lines.append("")
    if report.board:
        lines.append("🏆 Top supporters by km logged")
        lines += [
            f"{rank}. {name_html(entry.first_name)}: {km(entry.logged_m)} km"
            for rank, entry in zip(report.ranks, report.board, strict=True)
        ]
    else:
        lines.append("Nobody is on the board yet: log your own km with /log 5 [note].")
    return "\n".join(lines)


def hidden(is_hidden: bool) -> str:
    if is_hidden:
        return "🙈 You are off the /supporters list now; your km still count. /showme puts you back."
    return "🙂 You are on the /supporters list again (first name only)."


# --- Pace reminders: the nudge, /quiet, /nudge ---


def nudge(behind: Behind, run: Run, day: date) -> str:
    """The short private reminder of a supporter behind the pace of their pledge on `day`."""
    head = (
        f"👟 {name_html(behind.first_name)}, a friendly nudge for {name_html(run.title)}: you have logged "
        f"{km(behind.logged_m)} of {km(behind.pledged_m)} km, {km(behind.behind_m)} km behind your pledge's pace."
    )
    if day >= run.end_date:
        pace = f"Today is the run's last day: {km(behind.pledged_m - behind.logged_m)} km to go."
    else:
        pace = f"{km(behind.needed_per_day_m)} km a day from tomorrow gets you there by {day_text(run.end_date)}."
    return f"{head}\n{pace} Log a walk with /log 5 [note].\n/quiet to stop these"


def reminders(result: Reminders, summary_time: str) -> str:
    """The reply to /quiet and /nudge."""
    if result.quiet:
        state = "No more pace reminders." if result.changed else "Pace reminders are off already."
        return f"🔕 {state} /nudge turns them back on."
    zone = f" ({escape(result.run.timezone)} time)" if result.run else ""
    state = "Pace reminders are on" + ("" if result.changed else " already")
    return (
        f"🔔 {state}: when your logged km fall behind the pace of your pledge, I send you one short "
        f"private message that day at {summary_time}{zone}. /quiet stops them."
    )


def chart_caption(figures: ChartData) -> str:
    covered = sum(figures.day_m)
    day = (figures.today - figures.start).days + 1
    when = f"after day {day}" if day >= 1 else "before the start"
    return (
        f"📈 <b>{name_html(figures.title)}</b>: {km(covered)} of {km(figures.distance_m)} km {when}\n"
        "The line: km so far against the plan (dashed). The bars: each day's km."
    )


def position_policy(policy: PositionPolicy, run: Run) -> str:
    """The reply to /position: what the public sees from now on, exactly (bot.domain.position_privacy)."""
    what = {
        PositionMode.LIVE: [
            "The public sees everything as it is posted: the km, each update, the route, the track and the"
            " latest position.",
        ],
        PositionMode.DELAY: [
            f"Everything public is as it was {delay_text(policy.delay)} ago: the km covered, each day's km, the"
            " updates listed (a corrected one from its correction), the position and the track.",
            f"Followers' news, milestones and checkpoints passed go out {delay_text(policy.delay)} after the"
            " update that made them; an /undo before then takes back a milestone or checkpoint unsent.",
        ],
        PositionMode.COARSE: [
            "The position and the track are rounded to 0.1° (about 11 km) and move once an hour, their times"
            " rounded to the hour.",
            "Every km is rounded down to 10 km: the km covered and remaining, each day's km (a difference of"
            " rounded totals), companions' km, “near km”, the km to the next checkpoint, the news; milestones"
            " and checkpoints count as passed once the rounded km pass them. The full distance shows once covered.",
            "Each update's own km are not shown (notes and photos are). The route and its checkpoints stay public.",
        ],
        PositionMode.HIDE: [
            "No position, no track, no route, no checkpoints (nor the days they were passed), no place on the"
            " route or next checkpoint, no checkpoint news.",
            "Still public: the km covered and each day's km (so the km to go, the pace and the milestones at 25,"
            " 50, 75 and 100%), each update with its km, note and photo. Someone who knows the road from the"
            " start to the finish could still walk it to that km.",
        ],
    }[policy.mode]
    return "\n".join(
        [
            f"📍 {name_html(run.title)}: {escape(policy.describe())}",
            *(escape(line) for line in what),
            "Under every setting, notes and photos are public as the runners write them: a landmark says where it is.",
            "/progress, /today, /checkpoints, /chart, the daily summaries, the news and the live page all follow it.",
        ]
    )


def completion_caption(result: Logged) -> str:
    return f"🏅 {name_html(result.first_name)}: {km(result.status.logged_m)} km for {name_html(result.run.title)}"


def _where_lines(where: Where | None) -> list[str]:
    """The place on the planned route and the next checkpoint (bot.replies.render_route)."""
    from bot.replies.render_route import where_lines  # render_route builds on this module

    return where_lines(where)


# --- Many runs ----------------------------------------------------------------------------------------


def which_run(choices: list[Run]) -> str:
    lines = ["🤔 Which run do you mean? Tap one; this chat stays with it (/runs changes it)."]
    lines += [f"• <b>{name_html(r.title)}</b>{'' if r.is_open else ' (ended)'}" for r in choices]
    return "\n".join(lines)


def runs_list(runs: RunsView) -> str:
    """/runs: the runs a person is part of (or a group follows), the one this chat is about marked, then open
    listed runs they could join."""
    lines = ["🏃 <b>Your runs</b>" if not runs.in_group else "🏃 <b>This group's run</b>"]
    for run in runs.mine:
        mark = "👉 " if runs.current is not None and run.id == runs.current.id else "• "
        state = "" if run.is_open else " (ended)"
        lines.append(
            f"{mark}<b>{name_html(run.title)}</b>{state}: {day_text(run.start_date)} to {day_text(run.end_date)}"
        )
    if not runs.mine:
        lines.append("None yet." if not runs.in_group else "None chosen yet.")
    if runs.others:
        lines += ["", "<b>Open runs</b>"]
        lines += [f"• {name_html(r.title)}: {km(r.distance_m)} km from {day_text(r.start_date)}" for r in runs.others]
    if runs.current is not None:
        lines += ["", f"This chat is about <b>{name_html(runs.current.title)}</b>. Tap a run to switch."]
    else:
        lines += ["", "Tap a run: this chat's commands are then about it."]
    return "\n".join(lines)


def run_chosen(run: Run, in_group: bool) -> str:
    where = "This group is" if in_group else "This chat is"
    return f"👉 {where} now about <b>{name_html(run.title)}</b>. /progress, /pledge, /log and the rest are about it."


def link_opened(result: JoinedRun, in_group: bool) -> str:
    run = result.run
    if not run.is_open:
        return f"🏁 {run_heading(run)} has ended. /progress shows its final figures; /runs lists the open runs."
    if in_group:
        return (
            f"👋 This group follows {run_heading(run)} now. An administrator can send /subscribe for a daily "
            "summary here; anyone can ask /progress or /today."
        )
    intro = "👋 Welcome to" if result.new else "👉 Back to"
    return (
        f"{intro} {run_heading(run)}, {km(run.distance_m)} km, {day_text(run.start_date)} to "
        f"{day_text(run.end_date)}.\n/progress shows where it stands; /pledge commits you to a share of it; "
        "/follow sends you each update. /runs switches between your runs."
    )
