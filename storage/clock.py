"""How times are written to and read from the database: UTC ISO-8601 text."""

from datetime import UTC, datetime


def to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def moment(text: str) -> datetime:
    """A time read from a NOT NULL column."""
    return datetime.fromisoformat(text)
