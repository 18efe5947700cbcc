"""What the console tells whoever listens, without knowing who does.

``run_ended`` is sent once per run, by the ledger's caller that ended it (succeeded or
failed), with ``run_id`` and ``status``. The strategy lab listens to start a benchmark's
next run; the console itself starts nothing on it. Receivers run inside the ending
transaction: what they queue they queue on commit.
"""

from __future__ import annotations

from django.dispatch import Signal

run_ended = Signal()
