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


def test_the_consumer_loop_marks_a_delivery_and_times_out_as_kombu_does(tmp_path, monkeypatch):
    folders = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    sleeps = []
    monkeypatch.setattr(brokers, "sleep", sleeps.append)
    with Connection("filesystem://", transport_options=folders) as connection:
        queue = connection.SimpleQueue("render")
        transport = connection.transport
        assert transport.last_message is None
        with pytest.raises(Empty):  # SimpleQueue's word for the loop's socket.timeout
            queue.get(timeout=0.01)
        assert sleeps and all(s <= 0.01 for s in sleeps)
        queue.put({"body": "whole"})
        assert queue.get(timeout=1).payload == {"body": "whole"}
        assert transport.last_message is not None
