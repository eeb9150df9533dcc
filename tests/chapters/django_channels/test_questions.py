"""Chapter 08's checks both ways: published and unusual right answers pass, plausible wrong ones are explained."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.consumer import AsyncConsumer, SyncConsumer
from channels.generic.websocket import (
    AsyncJsonWebsocketConsumer,
    AsyncWebsocketConsumer,
    JsonWebsocketConsumer,
    WebsocketConsumer,
)
from checking import incorrect

from course.chapters.django_channels.questions import define, q1, q2, q3, q4, q5
from course.checks import MISSING
from course.solutions import define as define_solution

QUESTIONS = [q1, q2, q3, q4, q5]


def chapter_namespace() -> dict[str, Any]:
    """What the exercise notebook's setup cell imports, for the answers to use."""
    return {
        "__name__": "__main__",
        "asyncio": asyncio,
        "hashlib": hashlib,
        "json": json,
        "UTC": UTC,
        "datetime": datetime,
        "async_to_sync": async_to_sync,
        "SyncConsumer": SyncConsumer,
        "AsyncJsonWebsocketConsumer": AsyncJsonWebsocketConsumer,
        "AsyncWebsocketConsumer": AsyncWebsocketConsumer,
        "WebsocketConsumer": WebsocketConsumer,
        "define": define,
    }


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_published_solution_passes(question: Any) -> None:
    namespace = define_solution(question, chapter_namespace())
    assert question.evaluate(namespace[question.answer_names[0]]).status == "correct"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_missing_answer_is_not_attempted(question: Any) -> None:
    assert question.evaluate(MISSING).status == "not_attempted"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_an_instance_or_a_function_is_explained(question: Any) -> None:
    class Instance(WebsocketConsumer):
        pass

    for answer in (Instance(), lambda: None):
        incorrect(question.evaluate(answer), "should be a consumer class")


# --- q1: ShoutConsumer --------------------------------------------------------------------------


def shout(stamp: Any, text: Any = str.upper) -> type:
    """A sync ShoutConsumer whose time comes from ``stamp()`` and whose text from ``text(data)``."""

    class Shout(WebsocketConsumer):
        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            self.send(text_data=json.dumps({"text": text(text_data), "time": stamp()}))

    return Shout


def test_q1_unusual_answers_pass() -> None:
    class RawAsync(AsyncConsumer):
        """The ASGI events by hand, a Z for UTC, and local time with its offset."""

        async def websocket_connect(self, event: Any) -> None:
            await self.send({"type": "websocket.accept"})

        async def websocket_receive(self, event: Any) -> None:
            now = datetime.now(UTC).astimezone().isoformat()
            await self.send(
                {"type": "websocket.send", "text": json.dumps({"time": now, "text": event["text"].upper()})}
            )

    class JsonShout(AsyncJsonWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None, **kwargs: Any) -> None:
            now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            await self.send_json({"text": text_data.upper(), "time": now})

    for answer in (RawAsync, JsonShout, shout(lambda: datetime.now(UTC).isoformat(timespec="seconds"))):
        assert q1.evaluate(answer).status == "correct", answer


def test_q1_wrong_answers_are_explained() -> None:
    incorrect(q1.evaluate(shout(lambda: datetime.now().isoformat())), "has no UTC offset")
    incorrect(q1.evaluate(shout(time.time)), "ISO 8601 string", "float")
    incorrect(q1.evaluate(shout(lambda: datetime.now(UTC).strftime("%d/%m/%Y %H:%M"))), "ISO 8601 string")
    incorrect(
        q1.evaluate(shout(lambda: (datetime.now(UTC) - timedelta(hours=1)).isoformat())),
        "the moment this message arrived",
    )
    incorrect(q1.evaluate(shout(lambda: datetime.now(UTC).isoformat(), text=str.title)), "\"text\" should be 'HELLO'")

    class StampedAtConnect(WebsocketConsumer):
        def connect(self) -> None:
            self.since = datetime.now(UTC).isoformat()
            self.accept()

        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            self.send(text_data=json.dumps({"text": text_data.upper(), "time": self.since}))

    incorrect(q1.evaluate(StampedAtConnect), "the moment this message arrived", "taken when it arrives")
    incorrect(q1.evaluate(shout(lambda: datetime.now(UTC).isoformat(), text=lambda t: t.strip().upper())), "SPACED OUT")

    class NeverAccepts(WebsocketConsumer):
        def connect(self) -> None:
            pass

    incorrect(q1.evaluate(NeverAccepts), "neither accepted nor refused")

    class Plain(WebsocketConsumer):
        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            self.send(text_data=text_data.upper())

    incorrect(q1.evaluate(Plain), "which is not JSON")

    class Extra(WebsocketConsumer):
        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            answer = {"text": text_data.upper(), "time": datetime.now(UTC).isoformat(), "ok": True}
            self.send(text_data=json.dumps(answer))

    incorrect(q1.evaluate(Extra), 'the keys "text" and "time"')

    class Everyone(AsyncJsonWebsocketConsumer):
        async def connect(self) -> None:
            await self.channel_layer.group_add("all", self.channel_name)
            await self.accept()

        async def receive(self, text_data: Any = None, bytes_data: Any = None, **kwargs: Any) -> None:
            message = {"type": "shout", "text": text_data.upper(), "time": datetime.now(UTC).isoformat()}
            await self.channel_layer.group_send("all", message)

        async def shout(self, event: Any) -> None:
            await self.send_json({"text": event["text"], "time": event["time"]})

    incorrect(q1.evaluate(Everyone), "should have got nothing")

    class Refuses(WebsocketConsumer):
        def connect(self) -> None:
            self.close()

    incorrect(q1.evaluate(Refuses), "was refused")

    class Binary(WebsocketConsumer):
        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            self.send(
                bytes_data=json.dumps({"text": text_data.upper(), "time": datetime.now(UTC).isoformat()}).encode()
            )

    incorrect(q1.evaluate(Binary), "binary frame")

    class Crashes(WebsocketConsumer):
        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            self.send(text_data=json.dumps({"text": text_data.uper()}))

    incorrect(q1.evaluate(Crashes), "raised AttributeError")


# --- q2: TopicConsumer --------------------------------------------------------------------------


class Topics(AsyncJsonWebsocketConsumer):
    """A correct TopicConsumer, which the wrong answers below change in one place each."""

    async def connect(self) -> None:
        self.topics: set[str] = set()
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if "subscribe" in content:
            self.topics.add(content["subscribe"])
            await self.channel_layer.group_add("t." + content["subscribe"], self.channel_name)
        elif "unsubscribe" in content:
            self.topics.discard(content["unsubscribe"])
            await self.channel_layer.group_discard("t." + content["unsubscribe"], self.channel_name)
        elif "publish" in content:
            await self.publish(content)

    async def publish(self, content: Any) -> None:
        message = {"type": "topic.message", "topic": content["publish"], "text": content["text"]}
        await self.channel_layer.group_send("t." + content["publish"], message)

    async def topic_message(self, event: Any) -> None:
        await self.send_json({"topic": event["topic"], "text": event["text"]})

    async def disconnect(self, code: Any) -> None:
        for topic in self.topics:
            await self.channel_layer.group_discard("t." + topic, self.channel_name)


def test_q2_unusual_answer_passes() -> None:
    class OneGroup(JsonWebsocketConsumer):
        """Sync; everyone in one group, and each consumer filters by its own topics."""

        def connect(self) -> None:
            self.topics: set[str] = set()
            self.accept()
            async_to_sync(self.channel_layer.group_add)("everyone", self.channel_name)

        def receive_json(self, content: Any, **kwargs: Any) -> None:
            if "subscribe" in content:
                self.topics.add(content["subscribe"])
            elif "unsubscribe" in content:
                self.topics.discard(content["unsubscribe"])
            elif "publish" in content:
                message = {"type": "published", "topic": content["publish"], "text": content["text"]}
                async_to_sync(self.channel_layer.group_send)("everyone", message)

        def published(self, event: Any) -> None:
            if event["topic"] in self.topics:
                self.send_json({"topic": event["topic"], "text": event["text"]})

        def disconnect(self, code: Any) -> None:
            async_to_sync(self.channel_layer.group_discard)("everyone", self.channel_name)

    assert q2.evaluate(Topics).status == "correct"
    assert q2.evaluate(OneGroup).status == "correct"


def test_q2_wrong_answers_are_explained() -> None:
    class KeepsLeavers(Topics):
        async def disconnect(self, code: Any) -> None:
            pass

    incorrect(q2.evaluate(KeepsLeavers), "cy's channel is still in a group")

    class OnlySender(Topics):
        async def publish(self, content: Any) -> None:
            await self.send_json({"topic": content["publish"], "text": content["text"]})

    incorrect(q2.evaluate(OnlySender), "bob got no answer")

    class NeverLeaves(Topics):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if "unsubscribe" not in content:
                await super().receive_json(content)

    incorrect(q2.evaluate(NeverLeaves), "ada should have got nothing after ada unsubscribed from news")

    class OneRoom(Topics):
        async def publish(self, content: Any) -> None:
            message = {"type": "topic.message", "topic": content["publish"], "text": content["text"]}
            for topic in ("news", "sport"):
                await self.channel_layer.group_send("t." + topic, message)

    incorrect(q2.evaluate(OneRoom), "cy (not subscribed to news) should have got nothing")

    class TextOnly(Topics):
        async def topic_message(self, event: Any) -> None:
            await self.send_json({"text": event["text"]})

    incorrect(q2.evaluate(TextOnly), '{"topic": "news", "text": "rain at noon"}')

    class Replaces(Topics):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if "subscribe" in content:  # one topic at a time: the new one replaces the old
                for old in self.topics:
                    await self.channel_layer.group_discard("t." + old, self.channel_name)
                self.topics = set()
            await super().receive_json(content)

    incorrect(q2.evaluate(Replaces), "ada got no answer", "ada published to news")

    class DropsAll(Topics):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if "unsubscribe" in content:
                for topic in self.topics:
                    await self.channel_layer.group_discard("t." + topic, self.channel_name)
                self.topics = set()
            else:
                await super().receive_json(content)

    incorrect(q2.evaluate(DropsAll), "ada unsubscribed from news only")

    class RemembersLast(Topics):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            await super().receive_json(content)
            if "subscribe" in content:
                self.topics = {content["subscribe"]}  # forgets the earlier topics

    incorrect(q2.evaluate(RemembersLast), "cy's channel is still in a group")

    class NeverStops(Topics):
        async def websocket_disconnect(self, message: Any) -> None:
            await self.disconnect(message["code"])  # no StopConsumer: the consumer runs on

    incorrect(q2.evaluate(NeverStops), "still running")

    class Registry(AsyncJsonWebsocketConsumer):
        """No groups: a registry of channels per topic, shared by the class."""

        subscribers: dict[str, set[str]] = {}
        leaves = True

        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if "subscribe" in content:
                self.subscribers.setdefault(content["subscribe"], set()).add(self.channel_name)
            elif "unsubscribe" in content:
                self.subscribers.get(content["unsubscribe"], set()).discard(self.channel_name)
            elif "publish" in content:
                message = {"type": "topic.message", "topic": content["publish"], "text": content["text"]}
                for channel in list(self.subscribers.get(content["publish"], ())):
                    await self.channel_layer.send(channel, message)

        async def topic_message(self, event: Any) -> None:
            await self.send_json({"topic": event["topic"], "text": event["text"]})

        async def disconnect(self, code: Any) -> None:
            if self.leaves:
                for channels in self.subscribers.values():
                    channels.discard(self.channel_name)

    assert q2.evaluate(Registry).status == "correct"
    Registry.subscribers.clear()
    Registry.leaves = False
    incorrect(q2.evaluate(Registry), "published afterwards were still sent to cy's channel")

    class Twice(Topics):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if "subscribe" in content:  # a second group per subscription: duplicates
                await self.channel_layer.group_add(f"t.{content['subscribe']}.{len(self.topics)}", self.channel_name)
            await super().receive_json(content)

        async def publish(self, content: Any) -> None:
            message = {"type": "topic.message", "topic": content["publish"], "text": content["text"]}
            for n in range(2):
                await self.channel_layer.group_send(f"t.{content['publish']}.{n}", message)

    incorrect(q2.evaluate(Twice), "ada, who had her copy already, should have got nothing")


# --- q3: StaffBoard -----------------------------------------------------------------------------


class Board(AsyncJsonWebsocketConsumer):
    """A correct StaffBoard, which the wrong answers below change in one place each."""

    async def connect(self) -> None:
        if not self.allowed(self.scope["user"]):
            await self.close()
            return
        await self.channel_layer.group_add("board", self.channel_name)
        await self.accept()

    def allowed(self, user: Any) -> bool:
        return bool(user.is_authenticated)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        user = self.scope["user"]
        if not user.is_staff:
            await self.send_json({"error": "staff only"})
            return
        await self.channel_layer.group_send("board", {"type": "post", "author": user.username, "text": content["post"]})

    async def post(self, event: Any) -> None:
        await self.send_json({"author": event["author"], "text": event["text"]})


def test_q3_unusual_answers_pass() -> None:
    class AcceptThenClose(Board):
        """Accepts, then closes with an application close code, as some clients need to see a reason."""

        async def connect(self) -> None:
            await self.accept()
            if not self.scope["user"].is_authenticated:
                await self.close(code=4003)
                return
            await self.channel_layer.group_add("board", self.channel_name)

    class SyncBoard(JsonWebsocketConsumer):
        def connect(self) -> None:
            user = self.scope["user"]
            if user.is_anonymous:
                raise_refusal = self.close
                raise_refusal()
                return
            async_to_sync(self.channel_layer.group_add)("notices", self.channel_name)
            self.accept()

        def receive_json(self, content: Any, **kwargs: Any) -> None:
            user = self.scope["user"]
            if user.is_staff:
                notice = {"type": "notice", "author": user.get_username(), "text": content["post"]}
                async_to_sync(self.channel_layer.group_send)("notices", notice)
            else:
                self.send_json({"error": f"{user.get_username()} is not staff"})

        def notice(self, event: Any) -> None:
            self.send_json({"author": event["author"], "text": event["text"]})

    for answer in (Board, AcceptThenClose, SyncBoard):
        assert q3.evaluate(answer).status == "correct", answer


def test_q3_wrong_answers_are_explained() -> None:
    class Truthy(Board):
        def allowed(self, user: Any) -> bool:
            return bool(user)  # an AnonymousUser is a true value

    incorrect(q3.evaluate(Truthy), "an anonymous client was let in")

    class HasUser(Board):
        def allowed(self, user: Any) -> bool:
            return "user" in self.scope

    incorrect(q3.evaluate(HasUser), "an anonymous client was let in")

    class StaffOnly(Board):
        def allowed(self, user: Any) -> bool:
            return bool(user.is_staff)

    incorrect(q3.evaluate(StaffOnly), "bob (a member, not staff) was refused")

    class AnyonePosts(Board):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            user = self.scope["user"]
            await self.channel_layer.group_send(
                "board", {"type": "post", "author": user.username, "text": content["post"]}
            )

    incorrect(q3.evaluate(AnyonePosts), "his post should be refused")

    class EchoesPosts(Board):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            await self.send_json({"author": self.scope["user"].username, "text": content["post"]})

    incorrect(q3.evaluate(EchoesPosts), "bob got no answer")

    class Greets(Board):
        async def connect(self) -> None:
            await self.accept()
            await self.send_json({"hello": "who are you?"})
            if not self.scope["user"].is_authenticated:
                await self.close()
                return
            await self.channel_layer.group_add("board", self.channel_name)

    incorrect(q3.evaluate(Greets), "was let in and sent")

    class TrueError(Board):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if not self.scope["user"].is_staff:
                await self.send_json({"error": True})
            else:
                await super().receive_json(content)

    incorrect(q3.evaluate(TrueError), "a message that says why")

    class EchoesToo(Board):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            await super().receive_json(content)
            if self.scope["user"].is_staff:  # and once more to the author
                await self.send_json({"author": self.scope["user"].username, "text": content["post"]})

    incorrect(q3.evaluate(EchoesToo), "ada, who had her copy already, should have got nothing after she posted")

    class TellsEveryone(Board):
        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            user = self.scope["user"]
            if user.is_staff:
                await super().receive_json(content)
            else:
                await self.channel_layer.group_send("board", {"type": "post", "author": "board", "text": "error"})

    incorrect(q3.evaluate(TellsEveryone), "a message that says why, sent to him alone")


# --- q4: ChecksumWorker -------------------------------------------------------------------------


def checksum_worker(digest: Any = hashlib.sha256, catch: Any = OSError, mode: str = "rb", group: Any = None) -> type:
    """A sync worker with one thing to vary for each wrong answer."""

    class Worker(SyncConsumer):
        def checksum_file(self, message: Any) -> None:
            notify = async_to_sync(self.channel_layer.group_send)
            target = group or message["group"]
            try:
                with open(message["path"], mode) as file:
                    data = file.read()
            except catch as error:
                notify(target, {"type": "checksum.failed", "path": message["path"], "error": str(error)})
                return
            data = data if isinstance(data, bytes) else data.encode()
            done = {
                "type": "checksum.done",
                "path": message["path"],
                "sha256": digest(data).hexdigest(),
                "size": len(data),
            }
            notify(target, done)

    return Worker


def test_a_sync_answer_that_never_returns_holds_up_only_its_own_check() -> None:
    """Does a worker stuck in its sync thread leave the checks after it unharmed?"""

    class Stuck(SyncConsumer):
        def checksum_file(self, message: Any) -> None:
            threading.Event().wait(60)  # never answers within the check

    incorrect(q4.evaluate(Stuck), "no notice reached the group", "send one with group_send")
    assert q4.evaluate(checksum_worker()).status == "correct"

    class Lookup(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            await self.send(text_data=await asyncio.to_thread(define, text_data))

    assert q5.evaluate(Lookup).status == "correct"


def test_q4_unusual_answers_pass() -> None:
    class AsyncWorker(AsyncConsumer):
        """Async, with hashlib.file_digest in a thread, and the error as repr."""

        async def checksum_file(self, message: Any) -> None:
            def digest(path: str) -> tuple[str, int]:
                with open(path, "rb") as file:
                    return hashlib.file_digest(file, "sha256").hexdigest(), os.fstat(file.fileno()).st_size

            try:
                hexdigest, size = await asyncio.to_thread(digest, message["path"])
            except OSError as error:
                failed = {"type": "checksum.failed", "path": message["path"], "error": repr(error)}
                await self.channel_layer.group_send(message["group"], failed)
                return
            done = {"type": "checksum.done", "path": message["path"], "sha256": hexdigest, "size": size}
            await self.channel_layer.group_send(message["group"], done)

    assert q4.evaluate(AsyncWorker).status == "correct"
    assert q4.evaluate(checksum_worker(catch=Exception)).status == "correct"


def test_q4_wrong_answers_are_explained() -> None:
    only_missing = checksum_worker(catch=FileNotFoundError)
    incorrect(q4.evaluate(only_missing), "the job for a-folder", "raised IsADirectoryError", "at most once")
    incorrect(q4.evaluate(checksum_worker(catch=())), "raised FileNotFoundError")
    incorrect(q4.evaluate(checksum_worker(mode="r")), "raised UnicodeDecodeError")
    incorrect(q4.evaluate(checksum_worker(digest=hashlib.md5)), "'sha256'")
    incorrect(q4.evaluate(checksum_worker(group="results")), "no notice reached the group", 'message["group"]')
    too_narrow = checksum_worker(catch=(FileNotFoundError, IsADirectoryError))
    incorrect(q4.evaluate(too_narrow), "notes.txt/inside", "raised NotADirectoryError")

    def failing_with(error_value: Any) -> type:
        class Worker(SyncConsumer):
            def checksum_file(self, message: Any) -> None:
                notify = async_to_sync(self.channel_layer.group_send)
                try:
                    data = open(message["path"], "rb").read()  # noqa: SIM115
                except OSError as error:
                    failed = {"type": "checksum.failed", "path": message["path"], "error": error_value(error)}
                    notify(message["group"], failed)
                    return
                digest = hashlib.sha256(data).hexdigest()
                notify(
                    message["group"],
                    {"type": "checksum.done", "path": message["path"], "sha256": digest, "size": len(data)},
                )

        return Worker

    for value in (lambda e: e, lambda e: e.errno, lambda e: e.filename, lambda e: ""):
        incorrect(q4.evaluate(failing_with(value)), '"error" should be a message that says why')

    class NoReturn(SyncConsumer):
        def checksum_file(self, message: Any) -> None:
            notify = async_to_sync(self.channel_layer.group_send)
            try:
                data = open(message["path"], "rb").read()  # noqa: SIM115
            except OSError as error:
                notify(message["group"], {"type": "checksum.failed", "path": message["path"], "error": str(error)})
                data = b""  # and carries on, to a second notice
            digest = hashlib.sha256(data).hexdigest()
            notify(
                message["group"],
                {"type": "checksum.done", "path": message["path"], "sha256": digest, "size": len(data)},
            )

    incorrect(q4.evaluate(NoReturn), "the job for missing.txt got a second notice")

    class SizeOfPath(SyncConsumer):
        def checksum_file(self, message: Any) -> None:
            data = message["path"].encode()  # the path's bytes, not the file's
            done = {
                "type": "checksum.done",
                "path": message["path"],
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
            async_to_sync(self.channel_layer.group_send)(message["group"], done)

    incorrect(q4.evaluate(SizeOfPath), "expected")

    class Crc(SyncConsumer):
        def checksum_file(self, message: Any) -> None:
            try:
                data = open(message["path"], "rb").read()  # noqa: SIM115
            except OSError as error:
                failed = {"type": "checksum.failed", "path": message["path"], "error": str(error)}
                async_to_sync(self.channel_layer.group_send)(message["group"], failed)
                return
            done = {"type": "checksum.done", "path": message["path"], "crc32": zlib.crc32(data), "size": len(data)}
            async_to_sync(self.channel_layer.group_send)(message["group"], done)

    incorrect(q4.evaluate(Crc), "'crc32'")

    class Silent(SyncConsumer):
        def checksum_file(self, message: Any) -> None:
            pass

    incorrect(q4.evaluate(Silent), "no notice reached the group")


# --- q5: LookupConsumer -------------------------------------------------------------------------


def test_q5_unusual_answers_pass() -> None:
    class Executor(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            loop = asyncio.get_running_loop()
            await self.send(text_data=await loop.run_in_executor(None, define, text_data))

    class NotThreadSensitive(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            await self.send(text_data=await sync_to_async(define, thread_sensitive=False)(text_data))

    for answer in (Executor, NotThreadSensitive):
        assert q5.evaluate(answer).status == "correct", answer


def test_q5_wrong_answers_are_explained() -> None:
    class BlocksTheLoop(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            await self.send(text_data=define(text_data))

    class Sync(WebsocketConsumer):
        def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            self.send(text_data=define(text_data))

    class ThreadSensitive(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            await self.send(text_data=await sync_to_async(define)(text_data))

    for answer in (BlocksTheLoop, Sync, ThreadSensitive):
        incorrect(q5.evaluate(answer), "another client's echo took")

    class Lowercase(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            await self.send(text_data=(await asyncio.to_thread(define, text_data)).lower())

    incorrect(q5.evaluate(Lowercase), "should be answered with define('WebSocket')")

    class Normalises(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            await self.send(text_data=await asyncio.to_thread(define, text_data.strip().lower()))

    incorrect(q5.evaluate(Normalises), "should be answered with define('WebSocket')")

    class GivesUp(AsyncWebsocketConsumer):
        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            meaning = await asyncio.wait_for(asyncio.to_thread(define, text_data), 0.1)
            await self.send(text_data=meaning)

    incorrect(q5.evaluate(GivesUp), "your consumer raised TimeoutError")

    class OneLookupAtATime(AsyncWebsocketConsumer):
        lock = asyncio.Lock()

        async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
            async with self.lock:  # one lock for every connection: lookups queue up
                await self.send(text_data=await asyncio.to_thread(define, text_data))

    incorrect(q5.evaluate(OneLookupAtATime), "one lookup (0.3 s) after another")
