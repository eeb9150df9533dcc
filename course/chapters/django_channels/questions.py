"""Exercises of chapter 08 (Django Channels), judged by what the consumers do.

- ``q1`` — ``ShoutConsumer``: answers each text message with JSON, the text in upper
  case and the time the server received it.
- ``q2`` — ``TopicConsumer``: publish and subscribe over groups; a client that
  unsubscribes or leaves gets nothing more, and is in no group any more.
- ``q3`` — ``StaffBoard``: anonymous clients are turned away; every member reads the
  board, and only staff may post to it.
- ``q4`` — ``ChecksumWorker``: a worker on the ``checksums`` channel that hashes files
  and tells a group, and survives a file that cannot be read.
- ``q5`` — ``LookupConsumer``: answers with the slow, synchronous :func:`define`
  without blocking the event loop or the other clients.

Every check runs the answer inside this process (:mod:`.harness`): websocket
consumers through Channels' ``WebsocketCommunicator``, the worker through Channels'
own ``Worker`` (what ``runworker`` runs), each on a new, empty in-memory channel layer.
The answers are in ``solutions/08-django-channels.ipynb``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course.chapters.django_channels import CHAPTER, harness
from course.checks import Question, bind
from course.checks.expect import Incorrect, describe_error

harness.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs the setup above
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ChannelNameRouter, URLRouter  # noqa: E402
from channels.testing import WebsocketCommunicator  # noqa: E402
from channels.worker import Worker  # noqa: E402
from django.urls import path  # noqa: E402

TIME_LIMIT = 30.0
"""Seconds one check may run; these answers need a few."""
WAIT = 2.0
"""Seconds a check waits for a message that should come."""
QUIET = 0.2
"""Seconds a check listens to be sure that a message does not come."""
SETTLE = 0.1
"""Seconds a check lets consumers finish joining their groups before it sends to them."""
LATER = 1.2
"""Seconds q1 waits before a message whose time must not be an earlier one's."""
SLACK = 0.25
"""Seconds a time may lie after the answer arrived (a time rounded up rather than cut)."""

DEFINE_SECONDS = 0.3
"""How long :func:`define` takes, as a call to a dictionary service might."""

DICTIONARY = {
    "channel": "a named queue that messages are sent to and read from",
    "consumer": "the code that handles the events of one connection or channel",
    "group": "a named set of channels that one message can be sent to",
    "worker": "a process that reads a channel and does the work it is sent",
    "websocket": "a two-way connection that stays open after an HTTP handshake",
}


def define(word: str) -> str:
    """Look ``word`` up in a small dictionary: slow (0.3 s) and synchronous, like a network call."""
    time.sleep(DEFINE_SECONDS)
    return _definition(word)


def _definition(word: str) -> str:
    meaning = DICTIONARY.get(word.strip().lower())
    return f"{word}: {meaning}" if meaning else f"{word}: not in this dictionary"


def application(answer: Any, name: str) -> Any:
    """The ASGI application of a consumer class, or Incorrect saying what was given instead."""
    if isinstance(answer, type) and callable(getattr(answer, "as_asgi", None)):
        return answer.as_asgi()
    given = f"the {type(answer).__name__} {answer!r}"
    if callable(getattr(answer, "as_asgi", None)):
        given = "an instance of a consumer"
    raise Incorrect(
        f"`{name}` should be a consumer class (a subclass of WebsocketConsumer, "
        f"AsyncWebsocketConsumer or one of their JSON variants); got {given}"
    )


@contextmanager
def channels_quiet() -> Iterator[None]:
    """Keep the worker's and Django's logs out of the verdict: the check reports errors itself.

    Also silenced: the warning asgiref gives when Channels' own ``Worker`` hands a sync
    consumer its plain ``send`` function, which ``runworker`` gives just the same.
    """
    names = ("asgiref.server", "django.channels.server", "django", "asyncio")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "async_to_sync was passed a non-async-marked callable")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


async def open_client(app: Any, url: str, what: str, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    """Connect a test client; Incorrect when the consumer crashes, refuses it, or never answers."""
    client = WebsocketCommunicator(app, url, headers=headers)
    try:
        accepted, _ = await reply(client.connect(timeout=WAIT), f"while {what} connected", client)
    except TimeoutError:
        raise Incorrect(
            f"{what}'s connection was neither accepted nor refused within {WAIT:g} s: call "
            "self.accept() in `connect` (or leave `connect` out: the generic consumers accept)"
        ) from None
    if not accepted:
        raise Incorrect(f"{what} was refused: accept the connection in `connect` (self.accept())")
    return client


async def reply(awaitable: Any, when: str, client: Any = None) -> Any:
    """Await a step of a test client; the consumer's own error is reported, not raised.

    A :class:`TimeoutError` is the test client's own (nothing came in time) unless
    ``client``'s consumer ended with that error itself.
    """
    try:
        return await awaitable
    except TimeoutError:
        future = getattr(client, "future", None)
        if future is not None and future.done() and not future.cancelled() and future.exception() is not None:
            raise Incorrect(f"your consumer raised {describe_error(future.exception())} {when}") from None
        raise
    except Exception as error:
        raise Incorrect(f"your consumer raised {describe_error(error)} {when}") from None


async def text_from(client: Any, what: str, after: str) -> str:
    """The next text frame sent to ``client``; Incorrect for silence, a close or bytes."""
    try:
        message = await reply(client.receive_output(timeout=WAIT), f"after {after}", client)
    except TimeoutError:
        raise Incorrect(f"{what} got no answer within {WAIT:g} s after {after}") from None
    if message["type"] == "websocket.close":
        raise Incorrect(f"{what} was disconnected after {after} (the consumer closed the connection)")
    if message.get("text") is None:
        raise Incorrect(f"{what} got a binary frame after {after}; send text (text_data=…)")
    return str(message["text"])


async def json_from(client: Any, what: str, after: str) -> Any:
    """The next frame sent to ``client``, decoded as JSON; Incorrect when it is not JSON."""
    text = await text_from(client, what, after)
    try:
        return json.loads(text)
    except ValueError:
        raise Incorrect(f"{what} got {text!r} after {after}, which is not JSON") from None


async def silent(client: Any, what: str, after: str) -> None:
    """Incorrect when ``client`` receives anything within :data:`QUIET` s."""
    if not await client.receive_nothing(timeout=QUIET, interval=0.01):
        message = await client.receive_output(timeout=QUIET)
        shown = message.get("text", message.get("bytes", message["type"]))
        raise Incorrect(f"{what} should have got nothing after {after}, but got {shown!r}")


async def close_all(*clients: Any) -> None:
    """Disconnect test clients; a consumer's error on the way out is not the question here."""
    for client in clients:
        if client.future.done():  # already ended (or cancelled by a receive that timed out)
            continue
        try:
            await client.disconnect(timeout=WAIT)
        except Exception:  # noqa: BLE001, S110 - the answer was already judged
            pass


def in_groups(layer: Any) -> set[str]:
    """Every channel that is in at least one group of the in-memory ``layer``."""
    return {channel for channels in layer.groups.values() for channel in channels}


# --------------------------------------------------------------------------- q1


class Shout(Question):
    """``ShoutConsumer``: each text message comes back as JSON, upper case, with a timestamp."""

    answer_names = ("ShoutConsumer",)
    time_limit = TIME_LIMIT
    hints = (
        "Start from the echo consumer of section 2: `receive` gets the text, `self.send` answers. "
        "Only the answer changes: a JSON object instead of the same text.",
        "`text_data.upper()` gives the text; `datetime.now(UTC).isoformat()` gives an ISO 8601 "
        "time with its UTC offset (`+00:00`). `json.dumps` a dict of the two, or subclass "
        "`JsonWebsocketConsumer` and call `self.send_json`.",
        """The shape:

            class ShoutConsumer(WebsocketConsumer):
                def receive(self, text_data=None, bytes_data=None):
                    self.send(text_data=json.dumps({"text": ..., "time": ...}))""",
    )

    def judge(self, answer: Any) -> None:
        app = application(answer, "ShoutConsumer")
        with channels_quiet(), harness.fresh_layer():
            harness.run(lambda: self.scenario(app), timeout=TIME_LIMIT - 5)

    async def scenario(self, app: Any) -> None:
        first = await open_client(app, "/shout/", "a client")
        second = await open_client(app, "/shout/", "a second client")
        try:
            for text in ("hello", "Déjà vu, 3 times!", "  spaced out  "):
                await self.expect_shout(first, text)
            await silent(second, "the second client", "the first client's messages (answer only the sender)")
            await asyncio.sleep(LATER)  # a time taken at connect, or kept from an earlier message, is now stale
            await self.expect_shout(first, "ALREADY LOUD, a second later")
            await self.expect_shout(second, "from the second client")
            await silent(first, "the first client", "the second client's message (answer only the sender)")
        finally:
            await close_all(first, second)

    async def expect_shout(self, client: Any, text: str) -> None:
        before = datetime.now(UTC)
        await reply(client.send_to(text_data=text), f"on receiving {text!r}")
        got = await json_from(client, "the client", f"sending {text!r}")
        after = datetime.now(UTC)
        if not isinstance(got, dict) or set(got) != {"text", "time"}:
            raise Incorrect(
                f'after sending {text!r} the answer should be an object with the keys "text" and "time"; got {got!r}'
            )
        if got["text"] != text.upper():
            raise Incorrect(f'"text" should be {text.upper()!r} for {text!r}; got {got["text"]!r}')
        stamp = self.parse_time(got["time"])
        # A time cut to whole seconds is still the arrival time, so up to 1 s early is fine.
        if not before.timestamp() - 1 <= stamp.timestamp() <= after.timestamp() + SLACK:
            raise Incorrect(
                f'"time" should be the moment this message arrived ({before.isoformat()}), taken when it '
                f"arrives; got {got['time']!r}, {abs(stamp - before).total_seconds():.1f} s away"
            )

    @staticmethod
    def parse_time(value: Any) -> datetime:
        example = datetime.now(UTC).isoformat()
        if not isinstance(value, str):
            raise Incorrect(
                f'"time" should be an ISO 8601 string such as {example!r}; got the {type(value).__name__} {value!r}'
            )
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            raise Incorrect(
                f'"time" should be an ISO 8601 string that datetime.fromisoformat reads, such as '
                f"{example!r}; got {value!r}"
            ) from None
        if stamp.tzinfo is None:
            raise Incorrect(
                f'"time" {value!r} has no UTC offset, so a client cannot tell which time zone it is in: '
                "use datetime.now(UTC)"
            )
        return stamp


# --------------------------------------------------------------------------- q2


class Topics(Question):
    """``TopicConsumer``: subscribe, unsubscribe and publish, over groups."""

    answer_names = ("TopicConsumer",)
    time_limit = TIME_LIMIT
    hints = (
        "A topic is a group. Subscribing is `group_add`, unsubscribing is `group_discard`, "
        "publishing is `group_send`, and every client in the group gets the message through a "
        "handler method named after the message's type.",
        "In `receive_json`, look at which key the message has. Keep the topics a client "
        "subscribed to in a set on `self`, so that `disconnect` can `group_discard` each one: "
        "a client that left must not stay in any group.",
        """The shape:

            class TopicConsumer(AsyncJsonWebsocketConsumer):
                async def connect(self):
                    self.topics = set()
                    await self.accept()

                async def receive_json(self, content):
                    if "subscribe" in content: ...
                    elif "unsubscribe" in content: ...
                    elif "publish" in content:
                        await self.channel_layer.group_send(
                            "topic." + content["publish"],
                            {"type": "topic.message", "topic": ..., "text": ...})

                async def topic_message(self, event): ...
                async def disconnect(self, code): ...""",
    )

    def judge(self, answer: Any) -> None:
        app = application(answer, "TopicConsumer")
        with channels_quiet(), harness.fresh_layer() as layer:
            harness.run(lambda: self.scenario(app, layer), timeout=TIME_LIMIT - 5)

    async def scenario(self, app: Any, layer: Any) -> None:
        ada = await open_client(app, "/topics/", "ada")
        bob = await open_client(app, "/topics/", "bob")
        await asyncio.sleep(SETTLE)
        known = set(layer.channels)
        cy = await open_client(app, "/topics/", "cy")
        await asyncio.sleep(SETTLE)
        cys_channels = set(layer.channels) - known  # the channel cy's consumer reads
        clients = [ada, bob, cy]
        try:
            for client, content in (
                (ada, {"subscribe": "news"}),
                (ada, {"subscribe": "news"}),
                (ada, {"subscribe": "sport"}),
                (bob, {"subscribe": "news"}),
                (cy, {"subscribe": "sport"}),
                (cy, {"subscribe": "weather"}),
            ):
                await self.send(client, content)
            await asyncio.sleep(SETTLE)
            subscribed = "ada subscribed to news (twice) and sport, bob to news, cy to sport and weather"

            await self.send(ada, {"publish": "news", "text": "rain at noon"})
            after = f"{subscribed}, and ada published to news"
            await self.expect(ada, "ada", "news", "rain at noon", after)
            await self.expect(bob, "bob", "news", "rain at noon", after)
            await silent(cy, "cy (not subscribed to news)", after)
            await silent(ada, "ada, who had her copy already,", after)

            await self.send(cy, {"publish": "sport", "text": "match at six"})
            after = f"{subscribed}, and cy published to sport"
            await self.expect(ada, "ada", "sport", "match at six", after)
            await self.expect(cy, "cy", "sport", "match at six", after)
            await silent(bob, "bob (not subscribed to sport)", after)

            await self.send(cy, {"publish": "news", "text": "from outside"})
            after = "cy, who is not subscribed to news, published to it"
            await self.expect(ada, "ada", "news", "from outside", after)
            await self.expect(bob, "bob", "news", "from outside", after)
            await silent(cy, "cy", after)

            await self.send(ada, {"unsubscribe": "news"})
            await asyncio.sleep(SETTLE)
            await self.send(bob, {"publish": "news", "text": "ada left"})
            after = "ada unsubscribed from news, and bob published to it"
            await self.expect(bob, "bob", "news", "ada left", after)
            await silent(ada, "ada", after)
            await self.send(bob, {"publish": "sport", "text": "ada stays here"})
            after = "ada unsubscribed from news only, and bob published to sport"
            await self.expect(ada, "ada", "sport", "ada stays here", after)
            await self.expect(cy, "cy", "sport", "ada stays here", after)

            await self.send(bob, {"publish": "nobody-here", "text": "echo?"})
            await silent(bob, "bob", "publishing to a topic with no subscribers")

            clients.remove(cy)
            try:
                await reply(cy.disconnect(timeout=WAIT), "when cy disconnected", cy)
                if cy.future.cancelled():  # the test client stopped it: it did not end by itself
                    raise TimeoutError
            except TimeoutError:
                raise Incorrect(
                    f"cy disconnected, but cy's consumer was still running {WAIT:g} s later: a "
                    "`websocket_disconnect` of your own must end with `raise StopConsumer()` (or "
                    "call super()); `disconnect` is the method meant for clean-up"
                ) from None
            await self.departed(layer, bob, ada, cys_channels)
        finally:
            await close_all(*clients)

    @staticmethod
    async def send(client: Any, content: dict[str, str]) -> None:
        await reply(client.send_json_to(content), f"on receiving {json.dumps(content)} (or earlier)", client)

    @staticmethod
    async def expect(client: Any, who: str, topic: str, text: str, after: str) -> None:
        got = await json_from(client, who, after)
        if got != {"topic": topic, "text": text}:
            raise Incorrect(
                f"{who} should have got {json.dumps({'topic': topic, 'text': text})} after {after}; got {got!r}"
            )

    async def departed(self, layer: Any, bob: Any, ada: Any, cys_channels: set[str]) -> None:
        """After cy left, cy's channel is in no group, and nothing published reaches it."""
        deadline = time.monotonic() + WAIT
        while cys_channels & in_groups(layer):
            if time.monotonic() > deadline:
                raise Incorrect(
                    "cy disconnected, but cy's channel is still in a group: discard it from every "
                    "topic cy subscribed to in `disconnect`, or a departed client stays a member "
                    "until the group expires (a day)"
                )
            await asyncio.sleep(0.01)
        for topic in ("sport", "weather"):
            await self.send(bob, {"publish": topic, "text": "after cy left"})
        await asyncio.sleep(SETTLE)
        await self.expect(ada, "ada", "sport", "after cy left", "cy left, and bob published to sport")
        waiting = sum(layer.channels[name].qsize() for name in cys_channels if name in layer.channels)
        if waiting:
            raise Incorrect(
                f"cy disconnected, but {waiting} message(s) published afterwards were still sent to "
                "cy's channel: forget a client's subscriptions when it disconnects"
            )


# --------------------------------------------------------------------------- q3


class Board(Question):
    """``StaffBoard``: no anonymous clients; members read, staff post."""

    answer_names = ("StaffBoard",)
    time_limit = TIME_LIMIT
    hints = (
        'Behind `AuthMiddlewareStack`, `self.scope["user"]` is the logged-in user or an '
        "`AnonymousUser`. Decide in `connect`, before `accept()`: `close()` there refuses the "
        "handshake.",
        "`user.is_authenticated` tells members from anonymous visitors (an `AnonymousUser` is "
        "still a true value, so `if user:` lets everyone in); `user.is_staff` tells who may "
        "post. Members join one group; a staff post is a `group_send` to it, and anyone else "
        'gets `{"error": …}` back instead.',
        """The shape:

            class StaffBoard(AsyncJsonWebsocketConsumer):
                async def connect(self):
                    if not self.scope["user"].is_authenticated:
                        await self.close()
                        return
                    await self.channel_layer.group_add("board", self.channel_name)
                    await self.accept()

                async def receive_json(self, content): ...
                async def board_post(self, event): ...
                async def disconnect(self, code): ...""",
    )

    def judge(self, answer: Any) -> None:
        app = AuthMiddlewareStack(URLRouter([path("board/", application(answer, "StaffBoard"))]))
        cookies = {
            "ada": harness.session_cookie("ada", staff=True),
            "bob": harness.session_cookie("bob"),
            "eve": harness.session_cookie("eve", active=False),
        }
        with channels_quiet(), harness.fresh_layer():
            harness.run(lambda: self.scenario(app, cookies), timeout=TIME_LIMIT - 5)

    async def scenario(self, app: Any, cookies: dict[str, bytes]) -> None:
        await self.turned_away(app, None, "an anonymous client")
        await self.turned_away(app, cookies["eve"], "eve, whose account is disabled, with her old session cookie,")
        ada = await open_client(app, "/board/", "ada (a staff member)", [(b"cookie", cookies["ada"])])
        bob = await open_client(app, "/board/", "bob (a member, not staff)", [(b"cookie", cookies["bob"])])
        await asyncio.sleep(SETTLE)
        try:
            await reply(ada.send_json_to({"post": "lunch at one"}), 'on ada\'s {"post": "lunch at one"}', ada)
            for who, client in (("ada", ada), ("bob", bob)):
                got = await json_from(client, who, "ada, a staff member, posted")
                if got != {"author": "ada", "text": "lunch at one"}:
                    raise Incorrect(
                        f'{who} should have got {{"author": "ada", "text": "lunch at one"}} after ada '
                        f"posted; got {got!r}"
                    )
            await silent(ada, "ada, who had her copy already,", "she posted")
            await reply(bob.send_json_to({"post": "free cake"}), 'on bob\'s {"post": "free cake"}', bob)
            got = await json_from(bob, "bob", "he posted without being staff")
            if (
                not isinstance(got, dict)
                or set(got) != {"error"}
                or not isinstance(got["error"], str)
                or not got["error"]
            ):
                raise Incorrect(
                    'bob is not staff, so his post should be refused with {"error": "…"}, a message '
                    f"that says why, sent to him alone; he got {got!r}"
                )
            await silent(ada, "ada", "bob, who is not staff, tried to post")
        finally:
            await close_all(ada, bob)

    @staticmethod
    async def turned_away(app: Any, cookie: bytes | None, who: str) -> None:
        headers = [(b"cookie", cookie)] if cookie else []
        client = WebsocketCommunicator(app, "/board/", headers=headers)
        try:
            try:
                accepted, _ = await reply(client.connect(timeout=WAIT), f"when {who} connected", client)
            except TimeoutError:
                raise Incorrect(
                    f"{who} was neither refused nor accepted within {WAIT:g} s: refuse with close() in `connect`"
                ) from None
            if not accepted:
                return
            try:
                message = await reply(client.receive_output(timeout=0.5), f"after {who} connected")
            except TimeoutError:
                raise Incorrect(
                    f"{who} was let in: only logged-in users with an active account may connect. In "
                    '`connect`, check `self.scope["user"].is_authenticated` and close() before accept()'
                ) from None
            if message["type"] != "websocket.close":
                raise Incorrect(f"{who} was let in and sent {message.get('text', message)!r}: turn them away instead")
        finally:
            await close_all(client)


# --------------------------------------------------------------------------- q4


class Checksums(Question):
    """``ChecksumWorker``: hash files sent on the ``checksums`` channel and report to a group."""

    answer_names = ("ChecksumWorker",)
    time_limit = TIME_LIMIT
    hints = (
        "A worker consumer is a `SyncConsumer` (or `AsyncConsumer`): a message whose type is "
        '`"checksum.file"` calls its method `checksum_file(self, message)`. Reply to the '
        'group named in `message["group"]` with `group_send`.',
        "Read the file in binary mode, a block at a time, into `hashlib.sha256()`; the size is "
        "the number of bytes read (or `os.path.getsize`). Wrap the reading in `try/except "
        "OSError`: an exception kills the job, and the channel layer never delivers that "
        "message again.",
        """The shape:

            class ChecksumWorker(SyncConsumer):
                def checksum_file(self, message):
                    notify = async_to_sync(self.channel_layer.group_send)
                    try:
                        ...  # digest and size
                    except OSError as error:
                        notify(message["group"], {"type": "checksum.failed",
                                                  "path": message["path"], "error": str(error)})
                        return
                    notify(message["group"], {"type": "checksum.done", ...})""",
    )

    def judge(self, answer: Any) -> None:
        app = ChannelNameRouter({"checksums": application(answer, "ChecksumWorker")})
        with tempfile.TemporaryDirectory(prefix="checksums-") as folder, channels_quiet():
            files = self.files(Path(folder))
            with harness.fresh_layer() as layer:
                harness.run(lambda: self.scenario(app, layer, files), timeout=TIME_LIMIT - 5)

    @staticmethod
    def files(folder: Path) -> dict[str, Path]:
        made = {
            "notes.txt": b"Channels\nworkers\n",
            "empty.bin": b"",
            "photo.bin": bytes(range(256)) * 4096 + b"\xff\xfe not utf-8",
        }
        for name, data in made.items():
            (folder / name).write_bytes(data)
        (folder / "a-folder").mkdir()
        names = (*made, "a-folder", "missing.txt", "notes.txt/inside")  # a file used as a folder
        return {name: folder / name for name in names}

    async def scenario(self, app: Any, layer: Any, files: dict[str, Path]) -> None:
        errors: list[BaseException] = []

        class Recording(Worker):
            async def application_exception(self, exception: BaseException, details: Any) -> None:
                errors.append(exception)

        worker = Recording(application=app, channels=["checksums"], channel_layer=layer)
        running = asyncio.ensure_future(asyncio.gather(worker.application_checker(), worker.handle()))
        group = f"results-{uuid.uuid4().hex[:8]}"
        inbox = await layer.new_channel()
        await layer.group_add(group, inbox)
        try:
            for name in ("notes.txt", "missing.txt", "photo.bin", "a-folder", "notes.txt/inside", "empty.bin"):
                await self.job(layer, inbox, group, name, files[name], errors)
            await layer.send("checksums", {"type": "checksum.file", "path": str(files["notes.txt"]), "group": "other"})
            await asyncio.sleep(QUIET)
            if await self.next_notice(layer, inbox, QUIET) is not None:
                raise Incorrect('a job for the group "other" was reported to another group: reply to message["group"]')
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
            for details in worker.application_instances.values():
                details["future"].cancel()

    async def job(self, layer: Any, inbox: str, group: str, name: str, file: Path, errors: list[BaseException]) -> None:
        message = {"type": "checksum.file", "path": str(file), "group": group}
        await layer.send("checksums", message)
        notice = await self.next_notice(layer, inbox, WAIT)
        what = f"the job for {name}"
        if notice is None:
            if errors:
                raise Incorrect(
                    f"no notice reached the group within {WAIT:g} s after {what}: your consumer raised "
                    f"{describe_error(errors[-1])}. A worker that raises loses the job: the layer "
                    "delivers each message at most once"
                )
            raise Incorrect(
                f"no notice reached the group within {WAIT:g} s after {what}: send one with "
                'group_send to the group named in message["group"]'
            )
        if not file.is_file():
            kind = "a folder" if file.is_dir() else "a file that does not exist"
            expected_keys = {"type", "path", "error"}
            error = notice.get("error")
            if notice.get("type") != "checksum.failed" or set(notice) != expected_keys:
                raise Incorrect(
                    f'{what} ({kind}) should be reported as {{"type": "checksum.failed", "path": …, '
                    f'"error": "…"}}; got {notice!r}'
                )
            if notice["path"] != str(file):
                raise Incorrect(f'{what}: "path" should be {str(file)!r}; got {notice["path"]!r}')
            if not isinstance(error, str) or not error.strip() or error == str(file):
                raise Incorrect(
                    f'{what}: "error" should be a message that says why, such as str(error), not '
                    f"{error!r}: a channel layer like channels_redis carries only plain data"
                )
            extra = await self.next_notice(layer, inbox, QUIET)
            if extra is not None:
                raise Incorrect(f"{what} got a second notice after its failure: {extra!r} (return after the failure)")
            return
        data = file.read_bytes()
        expected = {
            "type": "checksum.done",
            "path": str(file),
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }
        if notice != expected:
            wrong = [key for key in expected if notice.get(key) != expected[key]] + sorted(set(notice) - set(expected))
            raise Incorrect(
                f"{what} ({len(data):,} bytes): expected {expected!r}; got {notice!r} "
                f"(check {', '.join(map(repr, wrong))})"
            )

    @staticmethod
    async def next_notice(layer: Any, inbox: str, timeout: float) -> dict[str, Any] | None:
        """The next message sent to the check's own channel in the group, or None."""
        try:
            return dict(await asyncio.wait_for(layer.receive(inbox), timeout))
        except TimeoutError:
            return None


# --------------------------------------------------------------------------- q5


class Echo(AsyncWebsocketConsumer):
    """Another client's consumer on the same event loop: how long its echo takes shows a blocked loop."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=text_data)


WORDS = ("channel", "group", "worker")
PAUSE = 0.05
"""Seconds between a lookup's start and another client's echo, so the echo lands mid-lookup."""


class Lookup(Question):
    """``LookupConsumer``: answers with :func:`define`, never blocking the loop or the other clients."""

    answer_names = ("LookupConsumer",)
    time_limit = TIME_LIMIT
    hints = (
        "`define` sleeps, and a sleeping call inside `async def` stops the whole event loop: "
        "every other connection of the process waits. A sync consumer does not block the loop, "
        "but all sync consumers of a process share one thread, so they wait for each other.",
        "Stay async, and move only the slow call to a thread of its own: "
        "`await asyncio.to_thread(define, word)`, or "
        "`await sync_to_async(define, thread_sensitive=False)(word)`. The default, "
        "`thread_sensitive=True`, runs it in that one shared thread again.",
        """The shape:

            class LookupConsumer(AsyncWebsocketConsumer):
                async def receive(self, text_data=None, bytes_data=None):
                    meaning = await asyncio.to_thread(define, text_data)
                    await self.send(text_data=meaning)""",
    )

    def judge(self, answer: Any) -> None:
        app = URLRouter([path("lookup/", application(answer, "LookupConsumer")), path("echo/", Echo.as_asgi())])
        with channels_quiet(), harness.fresh_layer():
            harness.run(lambda: self.scenario(app), timeout=TIME_LIMIT - 5)

    async def scenario(self, app: Any) -> None:
        clients = [await open_client(app, "/lookup/", f"client {n}") for n in (1, 2, 3)]
        probe = await open_client(app, "/echo/", "a client of another consumer")
        try:
            await reply(clients[0].send_to(text_data="WebSocket"), "on receiving 'WebSocket'")
            started = time.perf_counter()
            await asyncio.sleep(PAUSE)  # the lookup is under way now; a blocked loop wakes up late
            await probe.send_to(text_data="ping")
            await text_from(probe, "the other client", "sending 'ping'")
            echo = time.perf_counter() - started - PAUSE
            answer = await text_from(clients[0], "client 1", "sending 'WebSocket'")
            if answer != _definition("WebSocket"):
                raise Incorrect(
                    f"'WebSocket' should be answered with define('WebSocket'), "
                    f"{_definition('WebSocket')!r}; got {answer!r}"
                )
            if echo > 0.15:
                raise Incorrect(
                    f"while your consumer waited for define(), another client's echo took {echo:.2f} s "
                    "instead of a few milliseconds: the slow call blocked the event loop (a sync call "
                    "inside `async def`), or the one thread that sync code shares, which every "
                    "consumer of the process needs once per message"
                )
            started = time.perf_counter()
            for client, word in zip(clients, WORDS, strict=True):
                await reply(client.send_to(text_data=word), f"on receiving {word!r}")
            for number, (client, word) in enumerate(zip(clients, WORDS, strict=True), 1):
                got = await text_from(client, f"client {number}", f"sending {word!r}")
                if got != _definition(word):
                    raise Incorrect(f"{word!r} should be answered with {_definition(word)!r}; got {got!r}")
            together = time.perf_counter() - started
            if together > 2 * DEFINE_SECONDS:
                raise Incorrect(
                    f"three clients asked at once and waited {together:.2f} s for all three answers, "
                    f"one lookup ({DEFINE_SECONDS:g} s) after another: run define() in a thread of its own "
                    "for each call (sync consumers, and sync_to_async with thread_sensitive=True, share one)"
                )
        finally:
            await close_all(*clients, probe)


QUESTIONS = bind(CHAPTER, [Shout, Topics, Board, Checksums, Lookup], globals())

__all__ = ["DEFINE_SECONDS", "QUESTIONS", "define", *(question.name for question in QUESTIONS)]
