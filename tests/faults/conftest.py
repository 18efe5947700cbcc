from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.support import use_media_root


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """A media folder of the test's own, for this process and the workers it starts (they
    read MEDIA_ROOT when started): run ids restart with every test database, so a shared
    folder would hold the PDFs of earlier sessions' runs under the same names."""
    root = tmp_path / "media"
    root.mkdir()
    use_media_root(settings, root)
    return root
