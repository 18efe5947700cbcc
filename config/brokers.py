"""The embedded default's broker: kombu's filesystem transport, writing whole messages.

kombu writes a message file in place (it opens the file, then writes it), and a consumer
may move and read the file between the two: it reads nothing, cannot decode it, and the
worker's consumer dies with ``JSONDecodeError`` (kombu issue 1551, open), so a run waits
for a worker that is gone. Here a message is written under a name no consumer picks (its
name ends in ``.tmp``, and a consumer takes only names ending in ``.<queue>.msg``), then
renamed into place: ``os.replace`` in one folder is atomic, so a consumer finds a message
whole or not at all. config/celery.py registers this transport for ``filesystem://``.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

TRANSPORT = "config.brokers:Transport"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put *payload* on *queue*: written aside, then renamed into the queue's folder."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        temporary = f"{final}.tmp"
        try:
            with open(temporary, "wb", buffering=0) as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
