"""/checkpoint's arguments: 'Surat | 270' (add or move), 'remove Surat' -> values, or a UserError saying how."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.checkpoint_names import visible
from bot.domain.errors import UserError
from bot.domain.parsing import MAX_RUN_M, parse_distance

CHECKPOINT_USAGE = "/checkpoint Surat | 270 (a name and its km along the route), or /checkpoint remove Surat"
MAX_NAME = 64


@dataclass(frozen=True)
class CheckpointCommand:
    name: str
    at_m: int | None
    """None: remove the checkpoint of that name."""


def _name(text: str) -> str:
    name = visible(text)
    if not name:
        raise UserError(f"Please give the checkpoint a name. Write it like: {CHECKPOINT_USAGE}")
    if len(name) > MAX_NAME:
        raise UserError(f"A checkpoint's name has at most {MAX_NAME} characters. Write it like: {CHECKPOINT_USAGE}")
    return name


def parse_checkpoint(text: str) -> CheckpointCommand:
    text = text.strip()
    head, _, rest = text.partition(" ")
    if head.lower() == "remove" and "|" not in text:
        return CheckpointCommand(_name(rest), None)
    if text.count("|") != 1:
        raise UserError(f"Write it like: {CHECKPOINT_USAGE}")
    name, distance = text.split("|")
    return CheckpointCommand(_name(name), parse_distance(distance, CHECKPOINT_USAGE, max_m=MAX_RUN_M))
