"""A local Bot API server for tests and benchmarks (aiohttp on 127.0.0.1) that behaves like Telegram.

It implements the methods the bot uses, with Telegram's limits and error shapes: getUpdates with
offsets and long polling, sendMessage (4,096 characters, keyboard and callback_data checks),
editMessageText, answerCallbackQuery, deleteMessage(s) with the 48-hour rule, leaveChat,
setMyCommands / setMyDescription / setMyShortDescription per language_code, webhooks, and 429
with retry_after when a test turns rate limits on. Simulated residents send updates through
methods such as `text()`, `press()` and `share_contact()`. It records; it never asserts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT = {"id": 4242, "is_bot": True, "first_name": "Vrede", "username": "vrede_test_bot"}
DELETE_WINDOW = 48 * 3600
JSON_PARAMS = {"reply_markup", "commands", "message_ids", "allowed_updates", "scope"}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer, shaped like Telegram's."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            out["parameters"] = {"retry_after": self.retry_after}
        return out


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Msg:
    """A message in a chat, from the resident or the bot."""

    id: int
    chat_id: int
    from_bot: bool
    date: float
    text: str | None = None
    kind: str = "text"
    markup: dict[str, Any] | None = None
    protected: bool = False
    parse_mode: str | None = None
    deleted: bool = False
    edits: int = 0

    def option_ids(self) -> list[str]:
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass
class Chat:
    id: int
    type: str = "private"
    lang: str | None = "nl"
    messages: dict[int, Msg] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    left: bool = False
    blocked: bool = False


@dataclass
class Fault:
    """What the next calls of a method do instead of answering normally."""

    kind: str  # "status", "delay" or "hold"
    status: int = 500
    seconds: float = 0.0
    release: asyncio.Event | None = None
    chat_id: int | None = None


class FakeTelegram:
    """The server. Start it, point the bot at `url`, and play residents."""

    def __init__(self, token: str = "123456:TEST") -> None:
        self.token = token
        self.url = ""
        self.chats: dict[int, Chat] = {}
        self.pending: list[dict[str, Any]] = []  # unconfirmed updates
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self.queries: dict[str, int] = {}
        self.answered: set[str] = set()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent_at: list[tuple[float, int, str]] = []  # arrival time, chat, text
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: dict[str, Any] | None = None
        self.rate_limits = False
        self.per_second, self.per_chat_interval = 30, 1.0
        self.too_many = 0
        self.confirmed = 0  # updates with an id below this were confirmed
        self.files_requested = 0
        self.clock_offset = 0.0
        self.faults: dict[str, deque[Fault]] = {}
        self._new = asyncio.Condition()
        self._window: deque[float] = deque()
        self._chat_last: dict[int, float] = {}
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self.closing = False
        # Seconds of network per call (the round trip): half on the way to the server, half on
        # the way back, so a call sees the server's state as it is halfway through.
        self.latency = 0.0
        self._waiters: dict[int, list[asyncio.Future[float]]] = {}
        # Set by an in-process bot: is this (confirmed) update answered? A bot may confirm an
        # update before it answers it (once it is kept on disk), so confirmed alone is not enough.
        self.is_answered: Any = None

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self.closing = True
        await self._notify()
        for faults in self.faults.values():
            for f in faults:
                if f.release:
                    f.release.set()
        if self._pusher:
            self._pusher.cancel()
        if self._runner:
            await self._runner.cleanup()

    def now(self) -> float:
        return time.time() + self.clock_offset

    def age(self, hours: float) -> None:
        """Let time pass on Telegram's side (for the 48-hour rule)."""
        self.clock_offset += hours * 3600

    # ----------------------------------------------------------------- residents
    def chat(self, chat_id: int, type: str = "private", lang: str | None = "nl") -> Chat:
        if chat_id not in self.chats:
            self.chats[chat_id] = Chat(chat_id, type, lang)
        return self.chats[chat_id]

    def text(self, chat_id: int, text: str, lang: str | None = "nl", type: str = "private") -> int:
        """A resident (or group member) writes; returns the update id."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return self._incoming(chat_id, extra, lang, type)

    def share_contact(self, chat_id: int, phone: str) -> int:
        return self._incoming(chat_id, {"contact": {"phone_number": phone, "first_name": "A"}})

    def share_location(self, chat_id: int) -> int:
        return self._incoming(chat_id, {"location": {"latitude": 52.22, "longitude": 6.89}})

    def photo(self, chat_id: int, caption: str | None = None) -> int:
        size = {"file_id": "ph1", "file_unique_id": "u1", "width": 90, "height": 90}
        return self._incoming(
            chat_id, {"photo": [size], **({"caption": caption} if caption else {})}
        )

    def voice(self, chat_id: int) -> int:
        return self._incoming(
            chat_id, {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}}
        )

    def sticker(self, chat_id: int) -> int:
        st = {"file_id": "s1", "file_unique_id": "u3", "type": "regular", "width": 1, "height": 1}
        return self._incoming(chat_id, {"sticker": {**st, "is_animated": False, "is_video": False}})

    def document(self, chat_id: int) -> int:
        return self._incoming(chat_id, {"document": {"file_id": "d1", "file_unique_id": "u4"}})

    def press(self, chat_id: int, message_id: int, data: str, lang: str | None = "nl") -> int:
        """A resident presses a button (or forges callback_data) on a bot message."""
        chat = self.chat(chat_id)
        msg = chat.messages[message_id]
        qid = str(next(self._query_ids))
        self.queries[qid] = chat_id
        query = {
            "id": qid,
            "from": self._user(chat, lang),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": self._message_dict(chat, msg),
        }
        return self._push({"callback_query": query})

    def edit(self, chat_id: int, message_id: int, text: str, lang: str | None = "nl") -> int:
        """The resident edits a message they sent: Telegram sends an `edited_message` update."""
        chat = self.chat(chat_id)
        msg = chat.messages[message_id]
        msg.text = text
        body = {
            **self._message_dict(chat, msg),
            "text": text,
            "edit_date": int(self.now()),
            "from": self._user(chat, lang),
        }
        return self._push({"edited_message": body})

    def add_to_group(self, chat_id: int, lang: str | None = "nl") -> int:
        chat = self.chat(chat_id, "group", lang)
        member = {
            "chat": self._chat_dict(chat),
            "from": self._user(chat, lang),
            "date": int(self.now()),
            "old_chat_member": {"user": BOT, "status": "left"},
            "new_chat_member": {"user": BOT, "status": "member"},
        }
        return self._push({"my_chat_member": member})

    def _incoming(
        self, chat_id: int, content: dict[str, Any], lang: str | None = "nl", type: str = "private"
    ) -> int:
        chat = self.chat(chat_id, type, lang)
        msg = Msg(next(chat.ids), chat_id, False, self.now(), content.get("text"))
        msg.kind = next((k for k in content if k != "entities"), "text")
        chat.messages[msg.id] = msg
        body = {**self._message_dict(chat, msg), **content, "from": self._user(chat, lang)}
        return self._push({"message": body})

    def _push(self, payload: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.pending.append({"update_id": update_id, **payload})
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    async def _notify(self) -> None:
        async with self._new:
            self._new.notify_all()

    def _user(self, chat: Chat, lang: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": abs(chat.id), "is_bot": False, "first_name": "Resident"}
        if lang:
            user["language_code"] = lang
        return user

    def _chat_dict(self, chat: Chat) -> dict[str, Any]:
        if chat.type == "private":
            return {"id": chat.id, "type": "private", "first_name": "Resident"}
        return {"id": chat.id, "type": chat.type, "title": "Familie"}

    def _message_dict(self, chat: Chat, msg: Msg) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": msg.id,
            "date": int(msg.date),
            "chat": self._chat_dict(chat),
        }
        if msg.from_bot:
            out["from"] = BOT
        if msg.text is not None:
            out["text"] = msg.text
        if msg.markup:
            out["reply_markup"] = msg.markup
        if msg.protected:
            out["has_protected_content"] = True
        return out

    # ----------------------------------------------------------------- what residents see
    def bot_messages(self, chat_id: int, visible: bool = True) -> list[Msg]:
        chat = self.chats.get(chat_id)
        msgs = [m for m in chat.messages.values() if m.from_bot] if chat else []
        return [m for m in msgs if not (visible and m.deleted)]

    def visible(self, chat_id: int) -> list[Msg]:
        chat = self.chats.get(chat_id)
        return [m for m in chat.messages.values() if not m.deleted] if chat else []

    def screen(self, chat_id: int) -> Msg:
        """The newest visible bot message with buttons."""
        return [m for m in self.bot_messages(chat_id) if m.markup][-1]

    async def until(self, check: Any, timeout: float = 10.0) -> None:
        """Wait until `check()` is true."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise TimeoutError("the fake Telegram waited in vain")
            await asyncio.sleep(0.005)

    def next_reply(self, chat_id: int) -> asyncio.Future[float]:
        """A future that gets the arrival time of the bot's next message or edit in this chat."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(chat_id, []).append(future)
        return future

    def _arrived(self, chat_id: int, text: str) -> None:
        now = time.monotonic()
        self.sent_at.append((now, chat_id, text))
        for future in self._waiters.pop(chat_id, []):
            if not future.done():
                future.set_result(now)

    async def handled(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the bot confirmed an update and, when it says so (`answered`), answered it."""
        await self.until(
            lambda: (
                self.confirmed > update_id
                and (self.is_answered is None or self.is_answered(update_id))
            ),
            timeout,
        )

    # ----------------------------------------------------------------- faults
    def fail(self, method: str, times: int = 1, status: int = 500) -> None:
        self.faults.setdefault(method, deque()).extend(
            Fault("status", status) for _ in range(times)
        )

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        self.faults.setdefault(method, deque()).extend(
            Fault("delay", seconds=seconds) for _ in range(times)
        )

    def hold(self, method: str, chat_id: int) -> asyncio.Event:
        """The next call of `method` for this chat hangs until the event is set, then is dropped."""
        release = asyncio.Event()
        self.faults.setdefault(method, deque()).append(
            Fault("hold", release=release, chat_id=chat_id)
        )
        return release

    # ----------------------------------------------------------------- HTTP
    async def _file(self, request: web.Request) -> web.Response:
        self.files_requested += 1
        return web.Response(status=404)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        self.calls.append((method, params))
        try:
            if not await self._fault(method, params, request):
                return web.Response(status=499)  # the client went away; nothing was done
            handler = getattr(self, f"m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            answer = web.json_response({"ok": True, "result": await handler(params)})
        except ApiError as exc:
            answer = web.json_response(exc.body(), status=exc.code)
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        return answer

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        raw = dict(await request.post())
        out: dict[str, Any] = {}
        for k, v in raw.items():
            v = str(v)
            if k in JSON_PARAMS:
                out[k] = json.loads(v)
            elif k in INT_PARAMS and re.fullmatch(r"-?\d+", v):
                out[k] = int(v)
            elif v in ("true", "false"):
                out[k] = v == "true"
            else:
                out[k] = v
        return out

    async def _fault(self, method: str, params: dict[str, Any], request: web.Request) -> bool:
        queue = self.faults.get(method)
        if not queue:
            return True
        fault = queue[0]
        if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
            return True
        queue.popleft()
        if fault.kind == "status":
            raise ApiError(
                fault.status, "Internal Server Error" if fault.status >= 500 else "Error"
            )
        if fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        elif fault.release is not None:
            await fault.release.wait()
            return False
        transport = request.transport
        return transport is not None and not transport.is_closing()

    # ----------------------------------------------------------------- methods
    async def m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return {**BOT, "can_join_groups": True, "can_read_all_group_messages": False}

    async def m_deleteWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = None
        if p.get("drop_pending_updates"):
            self.pending.clear()
        return True

    async def m_setWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = p
        if self._pusher is None:
            self._pusher = asyncio.get_running_loop().create_task(self._push_webhook())
        return True

    async def m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(p.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
            self.confirmed = max(self.confirmed, offset)
        limit = min(int(p.get("limit") or 100), 100)
        timeout = float(p.get("timeout") or 0)
        if not self.pending and timeout:
            async with self._new:
                try:
                    await asyncio.wait_for(
                        self._new.wait_for(lambda: bool(self.pending) or self.closing), timeout
                    )
                except TimeoutError:
                    return []
        return self.pending[:limit]

    async def _push_webhook(self) -> None:
        async with aiohttp.ClientSession() as http:
            while True:
                if not self.webhook or not self.pending:
                    await asyncio.sleep(0.005)
                    continue
                update = self.pending[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook.get("secret_token", "")}
                try:
                    async with http.post(self.webhook["url"], json=update, headers=headers) as r:
                        ok = r.status == 200
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    self.pending.remove(update)
                    self.confirmed = max(self.confirmed, update["update_id"] + 1)
                else:
                    await asyncio.sleep(0.05)

    def _target(self, p: dict[str, Any]) -> Chat:
        chat = self.chats.get(int(p.get("chat_id", 0)))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.left:
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _check_text(self, p: dict[str, Any]) -> str:
        text = str(p.get("text", ""))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        if p.get("parse_mode") == "HTML" and text.count("<") != text.count(">"):
            raise ApiError(400, "Bad Request: can't parse entities: unclosed start tag")
        return text

    def _check_markup(self, p: dict[str, Any]) -> dict[str, Any] | None:
        markup = p.get("reply_markup")
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for b in row:
                data = b.get("callback_data")
                if not b.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    def _rate(self, chat_id: int) -> None:
        """Telegram's limits: about 30 messages a second in all, one a second per chat."""
        now = time.monotonic()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if self.rate_limits:
            last = self._chat_last.get(chat_id)
            if len(self._window) >= self.per_second or (
                last is not None and now - last < self.per_chat_interval
            ):
                self.too_many += 1
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self._window.append(now)
        self._chat_last[chat_id] = now

    async def m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(p)
        text, markup = self._check_text(p), self._check_markup(p)
        self._rate(chat.id)
        msg = Msg(next(chat.ids), chat.id, True, self.now(), text, markup=markup)
        msg.protected = bool(p.get("protect_content"))
        msg.parse_mode = p.get("parse_mode")
        chat.messages[msg.id] = msg
        self._arrived(chat.id, text)
        return self._message_dict(chat, msg)

    async def m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(p)
        msg = chat.messages.get(int(p.get("message_id", 0)))
        if msg is None or msg.deleted or not msg.from_bot:
            raise ApiError(400, "Bad Request: message to edit not found")
        text, markup = self._check_text(p), self._check_markup(p)
        if text == msg.text and markup == msg.markup:
            raise ApiError(400, NOT_MODIFIED)
        self._rate(chat.id)
        msg.text, msg.markup, msg.edits = text, markup, msg.edits + 1
        self._arrived(chat.id, text)
        return self._message_dict(chat, msg)

    async def m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:
        qid = str(p.get("callback_query_id"))
        if qid not in self.queries or qid in self.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered.add(qid)
        return True

    def _deletable(self, msg: Msg | None) -> bool:
        return msg is not None and not msg.deleted and self.now() - msg.date < DELETE_WINDOW

    async def m_deleteMessage(self, p: dict[str, Any]) -> bool:
        chat = self._target(p)
        msg = chat.messages.get(int(p.get("message_id", 0)))
        if msg is None or msg.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if not self._deletable(msg):
            raise ApiError(400, "Bad Request: message can't be deleted for everyone")
        msg.deleted = True
        return True

    async def m_deleteMessages(self, p: dict[str, Any]) -> bool:
        chat = self._target(p)
        ids = [int(i) for i in p.get("message_ids", [])]
        if not 1 <= len(ids) <= 100:
            raise ApiError(
                400,
                "Bad Request: too many messages to delete"
                if ids
                else "Bad Request: message identifiers are empty",
            )
        found = [chat.messages[i] for i in ids if self._deletable(chat.messages.get(i))]
        if not found:
            raise ApiError(400, "Bad Request: message to delete not found")
        for msg in found:
            msg.deleted = True
        return True

    async def m_leaveChat(self, p: dict[str, Any]) -> bool:
        chat = self._target(p)
        if chat.type == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        chat.left = True
        return True

    def _lang(self, p: dict[str, Any]) -> str:
        code = str(p.get("language_code") or "")
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return code

    async def m_setMyCommands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands", [])
        for c in commands:
            if not COMMAND.fullmatch(c.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(c.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
        self.commands[self._lang(p)] = commands
        return True

    async def m_setMyDescription(self, p: dict[str, Any]) -> bool:
        text = str(p.get("description", ""))
        if len(text) > 512:
            raise ApiError(400, "Bad Request: description is too long")
        self.descriptions[self._lang(p)] = text
        return True

    async def m_setMyShortDescription(self, p: dict[str, Any]) -> bool:
        text = str(p.get("short_description", ""))
        if len(text) > 120:
            raise ApiError(400, "Bad Request: short description is too long")
        self.short_descriptions[self._lang(p)] = text
        return True

    async def m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        self.files_requested += 1
        return {"file_id": p.get("file_id"), "file_unique_id": "x", "file_path": "x/y"}
