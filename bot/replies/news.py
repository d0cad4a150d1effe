"""The texts of the news the outbox sends, written when each message is sent (bot.domain.news holds the
figures a write stored): a follower's news of a runner's update, a milestone, checkpoints passed."""

from __future__ import annotations

from html import escape

from bot.domain.news import CheckpointsPassed, MilestoneReached, News, Prewritten, RunnerPosted
from bot.domain.units import km, percent
from bot.replies.render import clip, name_html

MAX_NAMED_PASSED = 5
MILESTONE_TITLES = {25: "A quarter of the way!", 50: "Halfway!", 75: "Three quarters done!", 100: "The finish!"}


def text_of(news: News) -> str:
    """The message for `news`, as its reader gets it."""
    match news:
        case RunnerPosted():
            return runner_posted(news)
        case MilestoneReached():
            return milestone(news)
        case CheckpointsPassed():
            return checkpoints_passed(news)
        case Prewritten():
            return news.text


def runner_posted(news: RunnerPosted) -> str:
    """The short private message a follower gets for a runner's new update."""
    name, run = name_html(news.runner_name), name_html(news.run_title)
    if news.metres is None:  # /position coarse: each update's own km are not public
        lines = [f"🏃 <b>{name}</b> · {run}: posted an update (day {news.day})"]
    else:
        lines = [f"🏃 <b>{name}</b> · {run}: +{km(news.metres)} km (day {news.day})"]
    if news.note:
        lines.append(escape(clip(news.note, 200)))
    if news.is_lead:
        share = news.route_m / news.distance_m
        lines.append(f"Route so far: {km(news.route_m)} of {km(news.distance_m)} km · {percent(share)}")
        if news.runner_total_m != news.route_m:
            lines.append(f"{name}: {km(news.runner_total_m)} km in all")
    else:
        lines.append(f"{km(news.runner_total_m)} km in all (companion, beside the route)")
    return "\n".join(lines)


def milestone(news: MilestoneReached) -> str:
    title = name_html(news.run_title)
    if news.percent == 100:
        what = f"The full {km(news.distance_m)} km of {title} is covered, on day {news.day}."
    else:
        what = (
            f"{title} has passed {news.percent}% of its route on day {news.day}: "
            f"{km(news.route_m)} km of {km(news.distance_m)} km."
        )
    icon = "🏁" if news.percent == 100 else "🎉"
    return f"{icon} <b>{MILESTONE_TITLES[news.percent]}</b>\n{what}\n/progress for the details"


def checkpoints_passed(news: CheckpointsPassed) -> str:
    """The news followers and subscribed chats get once, when the route first passes checkpoints (one
    message for all those one update passes, naming the farthest MAX_NAMED_PASSED so that it stays one
    short message)."""
    shown = news.passed[-MAX_NAMED_PASSED:]
    named = [f"<b>{name_html(name)}</b> (km {km(at_m)})" for name, at_m in shown]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    earlier = len(news.passed) - len(shown)
    if earlier:
        listed = f"{earlier} checkpoint{'s' if earlier != 1 else ''}, then {listed}"
    return (
        f"📍 {name_html(news.run_title)} has passed {listed} on day {news.day}.\n"
        "/progress for the details · /checkpoints for the way ahead"
    )
