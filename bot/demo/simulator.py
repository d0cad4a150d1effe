"""The real Application with a fake Bot API at the HTTP edge: for tests, the demo and benchmarks.

`FakeBotAPI` is a `telegram.request.BaseRequest` that answers like Telegram and records every call.
`Simulator` builds the bot with `build_application`, plays updates built the way Telegram sends
them, and moves a simulated clock.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self, TypeVar

from apscheduler.triggers.date import DateTrigger
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application, BaseRateLimiter
from telegram.request import BaseRequest, RequestData

from bot.edge import outbox
from bot.edge.app import build_application, close_application, setup_application
from bot.edge.context import DB
from bot.ops.config import Settings
from storage.db import Database

BOT_ID = 7000000001
FAKE_TOKEN = f"{BOT_ID}:AAFakeTokenForTestsAndTheOfflineDemo000"
Params = dict[str, Any]
T = TypeVar("T")
Responder = Callable[[str, Params], "tuple[int, Any] | None"]
FILE_URL_MARK = "/file/bot"
DOWNLOAD = "download"  # the Call recorded for a file downloaded (not a Bot API method)


@dataclass(frozen=True)
class Call:
    method: str
    params: Params
    uploads: dict[str, bytes] = field(default_factory=dict)  # files sent as multipart data (an upload)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""


class FakeBotAPI(BaseRequest):
    """Answers Bot API methods as Telegram would; `responder` can return an error for a call."""

    def __init__(self, username: str = "UnityRunBot", clock: Callable[[], datetime] | None = None) -> None:
        self.username = username
        self.calls: list[Call] = []
        self.responder: Responder | None = None
        self.clock = clock or (lambda: datetime.now(UTC))
        self._message_ids = itertools.count(100_000)
        self.admins: dict[int, list[Person]] = {}  # chat id -> its administrators, the owner first
        self.files: dict[str, bytes] = {}  # file id -> the bytes getFile and the download serve

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if FILE_URL_MARK in url:  # a download of a file getFile named: files/<file id>
            file_id = url.rsplit("/", 1)[-1]
            self.calls.append(Call(DOWNLOAD, {"file_id": file_id}))
            data = self.files.get(file_id)
            return (200, data) if data is not None else (404, b'{"ok": false, "error_code": 404}')
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        uploads = {name: part[1] for name, part in (request_data.multipart_data or {}).items()} if request_data else {}
        call = Call(api_method, params, {k: v for k, v in uploads.items() if isinstance(v, bytes)})
        self.calls.append(call)
        answer = self.responder(api_method, params) if self.responder else None
        if answer is not None:
            status, body = answer
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(call)}).encode()

    def _result(self, call: Call) -> Any:
        if call.method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Unity Run",
                "username": self.username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if call.method == "getUpdates":
            return []
        if call.method == "getFile":
            file_id = str(call.params["file_id"])
            data = self.files.get(file_id)
            if data is None:
                return {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(data),
                    "file_path": f"files/{file_id}"}  # fmt: skip
        if call.method == "getChatAdministrators":
            admins = self.admins.get(call.chat_id or 0, [])
            return [chat_member(p.as_user(), "creator" if i == 0 else "administrator") for i, p in enumerate(admins)]
        if call.method == "getChatMember":
            user_id = int(call.params["user_id"])
            ids = [p.id for p in self.admins.get(call.chat_id or 0, [])]
            status = "creator" if ids[:1] == [user_id] else "administrator" if user_id in ids else "member"
            return chat_member({"id": user_id, "is_bot": False, "first_name": "Member"}, status)
        if call.method in ("sendMessage", "sendPhoto", "editMessageText"):
            message = {
                "message_id": next(self._message_ids),
                "date": int(self.clock().timestamp()),
                "chat": {"id": call.chat_id, "type": "private" if (call.chat_id or 0) > 0 else "supergroup"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Unity Run", "username": self.username},
            }
            if call.method == "sendPhoto":
                # a photo sent by file id keeps it; an upload (multipart, not in the parameters) gets a new one
                file_id = str(call.params.get("photo") or f"uploaded-{message['message_id']}")
                message["photo"] = [{"file_id": file_id, "file_unique_id": "u", "width": 1280, "height": 960}]
                message["caption"] = call.params.get("caption", "")
            else:
                message["text"] = call.params.get("text", "")
            return message
        return True

    def sent(self, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method in ("sendMessage", "sendPhoto") and (chat_id is None or c.chat_id == chat_id)
        ]


def bot_user(username: str = "UnityRunBot") -> Params:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Unity Run", "username": username}


def chat_member(user: Params, status: str) -> Params:
    """A ChatMember as the Bot API sends it: status creator, administrator, member, left or kicked."""
    member: Params = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = ("manage_chat", "delete_messages", "manage_video_chats", "restrict_members", "promote_members",
                  "change_info", "invite_users", "post_stories", "edit_stories", "delete_stories")  # fmt: skip
        member.update({"can_be_edited": False, "is_anonymous": False, **{f"can_{r}": True for r in rights}})
    elif status == "kicked":
        member["until_date"] = 0
    return member


def error(code: int, description: str, **parameters: Any) -> tuple[int, Any]:
    """A Bot API error body: error(403, 'Forbidden: bot was blocked by the user')."""
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None

    def as_user(self) -> Params:
        user = {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": "en"}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        return user

    def private_chat(self) -> Params:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        return chat


def group_chat(chat_id: int, title: str, kind: str = "supergroup") -> Params:
    return {"id": chat_id, "type": kind, "title": title}


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2021, 8, 15, 1, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class Updates:
    """Builds update payloads the way Telegram sends them (dates in seconds, command entities)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._update_ids = itertools.count(500_000_001)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)

    def _message(self, person: Person, chat: Params | None, **content: Any) -> Params:
        return {
            "message_id": next(self._message_ids),
            "date": int(self.clock().timestamp()),
            "chat": chat or person.private_chat(),
            "from": person.as_user(),
            **content,
        }

    def _wrap(self, message: Params, kind: str = "message") -> Params:
        return {"update_id": next(self._update_ids), kind: message}

    def text(self, person: Person, text: str, chat: Params | None = None) -> Params:
        content: Params = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._wrap(self._message(person, chat, **content))

    def photo(
        self, person: Person, caption: str, file_id: str = "AgACAgIAAxkBAAIBPhoto", chat: Params | None = None
    ) -> Params:
        content: Params = {
            "photo": [
                {"file_id": f"{file_id}-small", "file_unique_id": f"{file_id}-s", "width": 90, "height": 67},
                {"file_id": file_id, "file_unique_id": f"{file_id}-l", "width": 1280, "height": 960},
            ],
            "caption": caption,
        }
        if caption.startswith("/"):
            content["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        return self._wrap(self._message(person, chat, **content))

    def document(
        self,
        person: Person,
        file_name: str,
        file_id: str,
        *,
        file_unique_id: str | None = None,
        file_size: int | None = None,
        caption: str | None = None,
        chat: Params | None = None,
    ) -> Params:
        """A file sent as a document; `file_size` is what Telegram says (put the bytes in `FakeBotAPI.files`)."""
        document: Params = {"file_id": file_id, "file_unique_id": file_unique_id or f"uniq-{file_id}",
                            "file_name": file_name}  # fmt: skip
        if file_size is not None:
            document["file_size"] = file_size
        content: Params = {"document": document}
        if caption is not None:
            content["caption"] = caption
            if caption.startswith("/"):
                content["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
        return self._wrap(self._message(person, chat, **content))

    def location(self, person: Person, latitude: float, longitude: float, live_period: int | None = None) -> Params:
        location: Params = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return self._wrap(self._message(person, None, location=location))

    def my_membership(self, chat: Params, by: Person, old: str, new: str) -> Params:
        """`my_chat_member`: the bot's status in `chat` changed from `old` to `new` (member, left, kicked, ...)."""
        change = {
            "chat": chat,
            "from": by.as_user(),
            "date": int(self.clock().timestamp()),
            "old_chat_member": chat_member(bot_user(), old),
            "new_chat_member": chat_member(bot_user(), new),
        }
        return {"update_id": next(self._update_ids), "my_chat_member": change}

    def migrate(self, person: Person, chat: Params, new_chat_id: int) -> Params:
        """The service message Telegram sends in a group upgraded to the supergroup `new_chat_id`."""
        return self._wrap(self._message(person, chat, migrate_to_chat_id=new_chat_id))

    def callback(
        self,
        person: Person,
        data: str,
        chat: Params | None = None,
        message_id: int = 100_000,
        text: str = "",
        reply_to: Params | None = None,
    ) -> Params:
        """The `callback_query` Telegram sends when `person` taps a button with `data` under the bot's message.

        `reply_to`: the message (an update's "message") the bot's message replied to, which Telegram includes
        in the tap's message as `reply_to_message` (a "which run?" question quotes the message it asks about)."""
        message: Params = {
            "message_id": message_id,
            "date": int(self.clock().timestamp()),
            "chat": chat or person.private_chat(),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Unity Run"},
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        query = {
            "id": str(next(self._callback_ids)),
            "from": person.as_user(),
            "chat_instance": f"instance{message['chat']['id']}",
            "data": data,
            "message": message,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def edit(self, original: Params, **changes: Any) -> Params:
        """The `edited_message` Telegram sends when `original`'s message is edited (or a live location moves)."""
        message = dict(original.get("message") or original["edited_message"])
        message.update(changes)
        if "text" in changes:
            text = changes["text"]
            message["entities"] = (
                [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
            )
        if "caption" in changes:
            caption = changes["caption"]
            message["caption_entities"] = (
                [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
                if caption.startswith("/")
                else []
            )
        message["edit_date"] = int(self.clock().timestamp())
        return self._wrap(message, "edited_message")


class Simulator:
    """`async with Simulator(...) as sim:` runs the real application, set up as bot/edge/polling.py does."""

    def __init__(
        self,
        database: str | Path,
        admin_ids: frozenset[int] = frozenset(),
        clock: Clock | None = None,
        username: str = "UnityRunBot",
        rate_limiter: BaseRateLimiter | None = None,
        api: FakeBotAPI | None = None,
        **settings: Any,
    ) -> None:
        self.clock = clock or Clock()
        self.api = api or FakeBotAPI(username, clock=self.clock)
        self.updates = Updates(self.clock)
        self.settings = Settings(
            token=FAKE_TOKEN, admin_ids=frozenset(admin_ids), database_path=str(database), **settings
        )
        self.app: Application = build_application(
            self.settings, request=self.api, clock=self.clock, rate_limiter=rate_limiter
        )

    async def __aenter__(self) -> Self:
        await self.app.initialize()
        await setup_application(self.app)  # post_init
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        await close_application(self.app)  # post_shutdown

    async def send(self, payload: Params) -> list[Call]:
        """Process one update; return the Bot API calls it caused."""
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        return self.api.calls[before:]

    async def say(self, person: Person, text: str, chat: Params | None = None) -> str:
        """Send a text message; return the text of the bot's replies, joined."""
        calls = await self.send(self.updates.text(person, text, chat))
        return "\n".join(c.text for c in calls if c.method in ("sendMessage", "sendPhoto"))

    async def send_file(
        self, person: Person, file_name: str, data: bytes, *, file_id: str | None = None, caption: str | None = None,
        file_unique_id: str | None = None, file_size: int | None = None,
    ) -> str:  # fmt: skip
        """Send `data` as a document in the private chat (the fake API serves its download); the replies' text."""
        file_id = file_id or f"doc-{len(self.api.files) + 1}"
        self.api.files[file_id] = data
        payload = self.updates.document(
            person, file_name, file_id, file_unique_id=file_unique_id,
            file_size=len(data) if file_size is None else file_size, caption=caption,
        )  # fmt: skip
        calls = await self.send(payload)
        return "\n".join(c.text for c in calls if c.method in ("sendMessage", "sendPhoto"))

    async def run_jobs(self, name: str | None = None) -> list[Call]:
        """Run the queued jobs (all, or those called `name`) now; return the Bot API calls they caused.

        The job queue's scheduler does not run in the simulator: a test runs jobs when it wants, at the
        simulated time. One-off jobs are gone once run; a repeating job makes one pass."""
        before = len(self.api.calls)
        for job in self.app.job_queue.jobs() if self.app.job_queue else ():
            if name is None or job.name == name:
                if isinstance(job.job.trigger, DateTrigger):
                    job.schedule_removal()
                await job.callback(self.app.context_types.context.from_job(job, self.app))
        return self.api.calls[before:]

    async def deliver(self) -> list[Call]:
        """Send what the outbox holds now (what bot.edge.outbox's sender does after each commit); the calls."""
        before = len(self.api.calls)
        await outbox.send_due(self.app)
        return self.api.calls[before:]

    async def query(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` on the database, in one read: for tests and the bench to look at what is stored."""
        return await self.db.read(lambda conn: fn(conn, *args))

    @property
    def db(self) -> Database:
        return self.app.bot_data[DB]
