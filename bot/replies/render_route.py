"""Pure functions from the route, checkpoints and activity files to message text (HTML, user text escaped)."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING

from bot.domain.checkpoint_names import MAX_CHECKPOINTS, visible
from bot.domain.checkpoint_parsing import MAX_NAME
from bot.domain.geometry import Nearby
from bot.domain.names import display_name
from bot.domain.route_progress import day_number, duration_text, eta
from bot.domain.units import km

if TYPE_CHECKING:
    from bot.files.activity_files import Activity
    from bot.services.results import ActivityLogged, ActivityPosted, CheckpointReport, CheckpointSet, RouteSaved, Where
    from storage.runs import Run


"""The news of checkpoints passed names at most this many (the farthest); with 100 checkpoints of 64
characters one update could otherwise make a message twice Telegram's 4,096."""
ROUTE_REPLY_NAMES = 20
"""The reply to a route names at most this many checkpoints (and far waypoints); /checkpoints lists all."""


def _name(text: str) -> str:
    """A name as HTML, cleaned as every name shown is (bot.domain.names; bot.replies.render.name_html)."""
    return escape(display_name(text))


def _day_and_date(day: date, start: date) -> str:
    return f"day {day_number(day, start)} ({day.day} {day:%b})"


def place_text(place: Nearby) -> str:
    """'near km 182, 8 km before Vapi', 'near km 270, at Surat', 'near km 418, 1 km past Kevadia', or
    'off the route by 2.3 km (near km 182)' (plain text, names not escaped)."""
    near = f"near km {km(place.along_m)}"
    if place.off_route_m is not None:
        return f"off the route by {km(place.off_route_m)} km ({near})"
    if place.at:
        return f"{near}, at {display_name(place.at)}"
    if place.before:
        return f"{near}, {km(place.before[1])} km before {display_name(place.before[0])}"
    if place.past:
        return f"{near}, {km(place.past[1])} km past {display_name(place.past[0])}"
    return near


def route_saved(result: RouteSaved) -> str:
    run, planned = result.run, result.planned
    length = planned.route.length_m
    if km(length) == km(run.distance_m):
        head = f"🗺 The route of {_name(run.title)} is {km(length)} km, the run's distance."
    else:
        head = (
            f"🗺 The route of {_name(run.title)} is {km(length)} km; the run's distance stays {km(run.distance_m)} km:"
            f" /setdistance {km(length)} to use it."
        )
    lines = [head]
    if result.saved:
        shown = result.saved[:ROUTE_REPLY_NAMES]
        listed = ", ".join(f"{_name(c.name)} (km {km(c.at_m)})" for c in shown)
        more = f" and {len(result.saved) - len(shown)} more" if len(result.saved) > len(shown) else ""
        count = f"{result.kept} checkpoint{'s' if result.kept != 1 else ''}"
        lines.append(f"{count} from its waypoints: {listed}{more}.")
        if result.left_out:
            lines.append(
                f"{result.left_out} more named waypoint{'s' if result.left_out != 1 else ''} left out: a name again"
                f" (in any case), a name of invisible characters, or past the {MAX_CHECKPOINTS} checkpoints"
                " a run keeps."
            )
    elif planned.checkpoints:
        lines.append("Its waypoints' names show as nothing: add checkpoints with /checkpoint Name | km.")
    else:
        lines.append("No named waypoints in the file: add checkpoints with /checkpoint Name | km.")
    if planned.far_waypoints:
        far = [visible(name)[:MAX_NAME] for name in planned.far_waypoints[:ROUTE_REPLY_NAMES]]
        rest = len(planned.far_waypoints) - len(far)
        lines.append(f"Not on the route, so left out: {escape(', '.join(far))}{f' and {rest} more' if rest else ''}.")
    lines.append("/checkpoints lists them.")
    return "\n".join(lines)


def checkpoint_set(result: CheckpointSet) -> str:
    c = result.checkpoint
    passed = f", passed on {_day_and_date(c.passed_on, result.run.start_date)}" if c.passed_on else ""
    return (
        f"📍 {_name(result.run.title)}: checkpoint {_name(c.name)} at km {km(c.at_m)}{passed}. /checkpoints lists them."
    )


def checkpoint_removed(result: CheckpointSet) -> str:
    return (
        f"Removed the checkpoint {_name(result.checkpoint.name)} (km {km(result.checkpoint.at_m)})"
        f" from {_name(result.run.title)}."
    )


def checkpoints(report: CheckpointReport) -> str:
    run, p = report.run, report.progress
    head = f"📍 <b>Checkpoints</b> · {_name(run.title)}"
    if report.hidden:  # /position hide: the service gave none
        return f"{head}\nThe organiser keeps the runner's place on the route private: no checkpoints are shown."
    if report.route_length_m is not None:
        head += f" · route {km(report.route_length_m)} km"
    if not report.checkpoints:
        return (
            f"{head}\nNo checkpoints yet. Organisers: send the route as GPX with the caption /route,"
            " or /checkpoint Name | km."
        )
    lines = [head, f"Covered: {km(p.covered_m)} km", ""]
    for c in report.checkpoints:
        if c.passed_on is not None:
            status = f"✅ passed on {_day_and_date(c.passed_on, run.start_date)}"
        else:
            arrival = eta(c.at_m, p.average_m_per_day, run.start_date, p.today)
            to_go = f"{km(c.at_m - p.covered_m)} km to go"
            status = f"{to_go}, ETA {_day_and_date(arrival, run.start_date)}" if arrival else f"{to_go}, no pace yet"
        lines.append(f"km {km(c.at_m)} · <b>{_name(c.name)}</b>: {status}")
    if p.average_m_per_day:
        lines += ["", f"ETAs at the average so far, {km(p.average_m_per_day)} km a day ({escape(run.timezone)})."]
    return "\n".join(lines)


def where_lines(where: Where | None) -> list[str]:
    """The /progress and daily summary lines: the place on the route and the next checkpoint."""
    if where is None:
        return []
    lines = []
    if where.place:
        lines.append(f"🗺 On the route: {escape(place_text(where.place))}")
    if where.next_name:
        line = f"📍 Next checkpoint: {_name(where.next_name)}, {km(where.next_to_go_m)} km to go"
        if where.next_eta:
            line += f", ETA {_day_and_date(where.next_eta, where.start)}"
        lines.append(line)
    return lines


def _started(started_at: datetime, run: Run) -> str:
    return f"{started_at.astimezone(run.tz):%H:%M}"


def _figures(activity: Activity) -> list[str]:
    """The line telling both figures, when the watch's own and the track's differ by more than 3%."""
    if not activity.figures_differ or activity.device_m is None:
        return []
    device, track = km(activity.device_m), km(activity.track_m)
    if device == track:
        return []
    if activity.distance_source == "device":
        return [f"⌚ Your watch says {device} km (the track's points add up to {track} km)."]
    return [f"⌚ Your watch's own figure, {device} km, is far from its track's {track} km, so the track's km count."]


def activity_posted(result: ActivityPosted) -> str:
    posted, activity = result.posted, result.activity
    lines = [
        f"✅ Posted <b>{km(posted.update.metres)} km</b> for day {result.day} from your activity file"
        f" ({duration_text(activity.duration.total_seconds())}, started {_started(activity.started_at, posted.run)})"
        f" · {_name(posted.run.title)}",
        *_figures(activity),
    ]
    if result.place:
        lines.append(f"🗺 Ended {escape(place_text(result.place))}.")
    if result.by_hand_m:
        lines.append(
            f"⚠️ You also posted {km(result.by_hand_m)} km by hand for day {result.day}. If this file is the same"
            " run, /undo removes the file's km, so it is not counted twice."
        )
    lines.append(f"Your total: {km(posted.runner_total_m)} km. /progress shows the route; /undo removes it.")
    return "\n".join(lines)


def activity_logged(result: ActivityLogged) -> str:
    logged, activity = result.logged, result.activity
    day = day_number(logged.log.local_day, logged.run.start_date)
    s = logged.status
    head = (
        f"✅ Logged <b>{km(logged.log.metres)} km</b> for day {day} from your activity file"
        f" ({duration_text(activity.duration.total_seconds())}, started {_started(activity.started_at, logged.run)})"
        f" · {_name(logged.run.title)}"
    )
    head = "\n".join([head, *_figures(activity)])
    if result.by_hand_m:
        head += (
            f"\n⚠️ You also logged {km(result.by_hand_m)} km with /log for day {day}. If this file is the same walk"
            " or run, /undo removes the file's km, so it is not counted twice."
        )
    if s.pledged_m:
        return f"{head}\nYou have logged {km(s.logged_m)} km of your {km(s.pledged_m)} km pledge. /mypledge for more."
    return f"{head}\nYou have logged {km(s.logged_m)} km. /pledge a share of the run to log against it."
