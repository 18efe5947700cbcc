"""The embedded default's broker never lets a consumer read a message before it is whole."""

from __future__ import annotations

import logging
import os
from queue import Empty

import pytest
from kombu import Connection

import config.celery  # noqa: F401 - registers config.brokers for filesystem://
from config import brokers
from config.env import broker_url


def test_a_message_reaches_consumers_whole_or_not_at_all(tmp_path, monkeypatch):
    # kombu's own transport created the file, then wrote it: a consumer in between read an
    # empty message and the worker died on JSONDecodeError.
    folders = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    with Connection("filesystem://", transport_options=folders) as connection:
        assert isinstance(connection.transport, brokers.Transport)
        channel = connection.channel()
        during_write = []
        real_replace = os.replace

        def replace(source, target):
            during_write.append(sorted(os.listdir(tmp_path)))
            with pytest.raises(Empty):
                channel._get("render")  # the written-aside file is not a message yet
            real_replace(source, target)

        monkeypatch.setattr(brokers.os, "replace", replace)
        channel._put("render", {"body": "whole"})
        assert len(during_write) == 1 and during_write[0][0].endswith(".render.msg.tmp")
        assert channel._get("render") == {"body": "whole"}
        with pytest.raises(Empty):
            channel._get("render")


def test_the_default_broker_names_a_host_so_kombu_never_warns_of_none(tmp_path, caplog):
    # Every worker, beat and publisher connection logged "No hostname was supplied".
    folders = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path),
    }
    url = broker_url("", default_folder=tmp_path)
    with (
        caplog.at_level(logging.WARNING, logger="kombu.connection"),
        Connection(url, transport_options=folders) as connection,
    ):
        connection.info()
        with connection.clone() as clone:
            clone.info()
            clone.SimpleQueue("render").put({"body": "whole"})
        assert connection.SimpleQueue("render").get(timeout=1).payload == {"body": "whole"}
    assert "No hostname" not in caplog.text


def test_a_consumer_polls_fast_after_a_message_and_while_waiting_for_an_answer():
    idle, busy = 0.05, brokers.BUSY_INTERVAL
    assert brokers.poll_interval(idle=idle, since_message=None, timeout=2.0) == idle
    assert brokers.poll_interval(idle=idle, since_message=0.3, timeout=2.0) == busy
    long_ago = brokers.BUSY_SECONDS + 1
    assert brokers.poll_interval(idle=idle, since_message=long_ago, timeout=2.0) == idle
    # A broadcast collecting replies (timeout 0.5 s) is waiting for an answer now.
    assert brokers.poll_interval(idle=idle, since_message=None, timeout=0.5) == busy
    # Never a sleep past the caller's timeout, nor slower than the idle interval asked for.
    assert brokers.poll_interval(idle=idle, since_message=None, timeout=0.001) == 0.001
    assert brokers.poll_interval(idle=0.001, since_message=0.3, timeout=None) == 0.001
    assert brokers.poll_interval(idle=idle, since_message=None, timeout=None) == idle


def test_the_consumer_loop_polls_idle_then_busy_after_a_delivery(tmp_path, monkeypatch):
    # Real workers on this broker take every task through this loop (tests/integration);
    # here its polls are scripted: two empty, a message, then empty until the timeout.
    folders = {key: str(tmp_path) for key in ("data_folder_in", "data_folder_out")}
    clock, sleeps = [1000.0], []

    def sleep(seconds):  # the loop's time passes only when it sleeps
        sleeps.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(brokers, "sleep", sleep)
    monkeypatch.setattr(brokers, "monotonic", lambda: clock[0])
    with Connection("filesystem://", transport_options=folders) as connection:
        transport = connection.transport
        polls = iter([Empty, Empty, "message"])

        def poll(deliver, timeout=None):
            outcome = next(polls, Empty)
            if outcome is Empty:
                raise Empty
            deliver({"body": outcome}, "render")

        delivered = []
        monkeypatch.setattr(transport.cycle, "get", poll)
        monkeypatch.setattr(transport, "_deliver", lambda message, queue: delivered.append(queue))
        assert transport.last_message is None
        transport.drain_events(connection.connection, timeout=5)
        assert delivered == ["render"] and transport.last_message is not None
        assert sleeps == [transport.polling_interval] * 2  # idle before the first message
        sleeps.clear()
        # A worker's loop waits 2 s at a time: busy within BUSY_SECONDS of the message...
        with pytest.raises(TimeoutError):  # socket.timeout, which kombu's callers catch
            transport.drain_events(connection.connection, timeout=2.0)
        assert len(sleeps) >= 2.0 / brokers.BUSY_INTERVAL - 1
        assert set(sleeps) == {brokers.BUSY_INTERVAL}
        # ...and idle again after it.
        clock[0] += brokers.BUSY_SECONDS
        sleeps.clear()
        with pytest.raises(TimeoutError):
            transport.drain_events(connection.connection, timeout=2.0)
        assert set(sleeps) == {transport.polling_interval}
