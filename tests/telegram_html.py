"""A strict checker of Telegram's HTML parse mode: only its tags, balanced, every <, > and & escaped."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

# https://core.telegram.org/bots/api#html-style
TAGS: dict[str, set[str]] = {
    "b": set(),
    "strong": set(),
    "i": set(),
    "em": set(),
    "u": set(),
    "ins": set(),
    "s": set(),
    "strike": set(),
    "del": set(),
    "tg-spoiler": set(),
    "span": {"class"},
    "a": {"href"},
    "tg-emoji": {"emoji-id"},
    "code": {"class"},
    "pre": set(),
    "blockquote": {"expandable"},
}
ENTITIES = {"lt", "gt", "amp", "quot"}
MESSAGE_LIMIT, CAPTION_LIMIT = 4096, 1024


class TelegramHTMLError(ValueError):
    pass


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            raise TelegramHTMLError(f"<{tag}> is not a Telegram tag")
        for name, _ in attrs:
            if name not in TAGS[tag]:
                raise TelegramHTMLError(f"<{tag}> has no attribute {name}")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            raise TelegramHTMLError("<span> only as class=tg-spoiler")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise TelegramHTMLError(f"<{tag}/>: Telegram has no empty tags")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            raise TelegramHTMLError(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                raise TelegramHTMLError(f"unescaped {char!r} in {data[:40]!r}")
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise TelegramHTMLError(f"&{name}; is not one of Telegram's entities")
        self.text.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        raise TelegramHTMLError("a comment")

    def handle_decl(self, decl: str) -> None:
        raise TelegramHTMLError("a declaration")

    def handle_pi(self, data: str) -> None:
        raise TelegramHTMLError("a processing instruction")

    def unknown_decl(self, data: str) -> None:
        raise TelegramHTMLError("a declaration")


def plain_text(html: str) -> str:
    """The text Telegram shows for `html`, or TelegramHTMLError if Telegram would refuse it."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    if checker.rawdata:  # left unparsed: a "<" that opens no tag
        raise TelegramHTMLError(f"unparsed {checker.rawdata[:40]!r}")
    if checker.open:
        raise TelegramHTMLError(f"<{checker.open[-1]}> is never closed")
    return "".join(checker.text)


def utf16_length(text: str) -> int:
    """Telegram counts a message's length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def check_message(html: str, limit: int = MESSAGE_LIMIT) -> str:
    text = plain_text(html)
    if not text.strip():
        raise TelegramHTMLError("an empty message")
    if utf16_length(text) > limit:
        raise TelegramHTMLError(f"{utf16_length(text)} characters, over {limit}")
    return text
