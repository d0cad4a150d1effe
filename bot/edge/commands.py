"""The commands of each role, for /help and for Telegram's command menu."""

from __future__ import annotations

Commands = tuple[tuple[str, str], ...]

ANYONE: Commands = (
    ("runs", "Your runs, and which one this chat is about: tap one to switch"),
    ("progress", "Where the run stands: km, pace, projection"),
    ("today", "Today's updates from the runners"),
    ("chart", "A chart: km so far against the plan, and each day's km"),
    ("checkpoints", "The route's checkpoints: passed on day N, or the ETA at the current pace"),
    ("pledge", "Commit to a share of the run: /pledge (5%), /pledge 10%, /pledge 20 km"),
    ("log", "Log your own km: /log 5 [note], /log 5 yesterday [note]; /undo removes the last"),
    ("mypledge", "Your pledge: logged, left, km a day needed, your rank"),
    ("supporters", "Everyone's pledges and km, and the top supporters"),
    ("hideme", "Keep your name off the /supporters list (/showme puts it back)"),
    ("showme", "Show your first name on the /supporters list again"),
    ("quiet", "No private reminder when your km fall behind your pledge's pace"),
    ("nudge", "The pace reminders again: one message on a day you are behind (/quiet stops them)"),
    ("help", "The commands you can use"),
    ("follow", "A private message for each runner update (/unfollow stops them)"),
    ("unfollow", "Stop the update messages"),
    ("subscribe", "A daily summary here: /subscribe [HH:MM] [time zone] (group admins, or you in private)"),
    ("unsubscribe", "Stop the daily summary here"),
)
RUNNER: Commands = (
    ("update", "Post your km: /update 24 [note], or a photo with that caption; edit it to correct"),
    ("undo", "Remove your last update"),
)
RUNNER_FILES = "Or send me your watch's .gpx or .fit file: it posts the km of that day."
ORGANISER: Commands = (
    ("newrun", "Title | From | To | km | start date | end date [| time zone]"),
    ("setdistance", "Correct the run's distance: /setdistance 416"),
    ("setend", "Move the end date: /setend 2021-08-24"),
    ("endrun", "Close the run where it stands"),
    ("invite", "A one-time link that makes its user a runner or co-organiser: /invite lead|companion|organiser"),
    ("unlist", "Keep the run off the index page and /runs (its links still work); /list shows it again"),
    ("list", "Show the run on the index page and in /runs again"),
    ("position", "What the public sees of the runner's position: /position live|delay 30|coarse|hide"),
    ("checkpoint", "/checkpoint Surat | 270 adds one, /checkpoint remove Surat; a .gpx with caption /route: the route"),
)
RUNNER_EXTRA = "You can also share your location with me here (a live location is followed)."


def help_text(is_runner: bool, is_organiser: bool) -> str:
    sections: list[tuple[str, Commands]] = [("Everyone", ANYONE)]
    if is_runner:
        sections.append(("Runners", RUNNER))
    if is_organiser:
        sections.append(("Organisers", ORGANISER))
    lines = []
    for title, commands in sections:
        lines.append(f"<b>{title}</b>")
        lines += [f"/{name} – {description}" for name, description in commands]
        if commands is RUNNER:
            lines.append(RUNNER_EXTRA)
            lines.append(RUNNER_FILES)
        lines.append("")
    return "\n".join(lines).strip()
