"""The bench tools run as the docs and ``make bench`` name them, from the project's root:
``python -m bench``, ``python -m bench.pdf`` and ``python -m bench.pdf_set``."""

from __future__ import annotations

from tests.support.processes import python_m


def test_python_m_bench_writes_the_page_and_refuses_an_unknown_part(tmp_path):
    page = tmp_path / "benchmarks.md"
    # No part chosen: the run is only the PostgreSQL probe, and the page is still written.
    done = python_m("bench", "--only", "nothing", "--page", str(page), var_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {page}" in done.stdout
    assert "Written by `make bench` (`python -m bench --only nothing`)" in page.read_text()
    refused = python_m("bench", "--part", "nonsense", var_dir=tmp_path)
    assert refused.returncode == 2
    assert "usage: python -m bench" in refused.stderr and "'nonsense'" in refused.stderr


def test_the_renderer_benchmarks_run_on_a_small_station(tmp_path):
    done = python_m("bench.pdf", "--voters", "41", "-n", "1", "--compare-table", var_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    # 41 voters: the cover, then 40 rows a page; the <table> layout prints the same roll.
    assert "pages per station:       3\n" in done.stdout
    assert "naive <table>:" in done.stdout and "s per station, 3 pages" in done.stdout
    # The set's benchmark renders for half a minute even when small: its imports and
    # arguments are what can break here.
    usage = python_m("bench.pdf_set", "--help", var_dir=tmp_path)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("usage: python -m bench.pdf_set")
