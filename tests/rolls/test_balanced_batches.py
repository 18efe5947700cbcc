from hypothesis import given
from hypothesis import strategies as st

from rolls.services.batching import balanced_batches


@given(
    pages=st.lists(st.integers(1, 200), min_size=1, max_size=300),
    batches=st.integers(1, 32),
)
def test_batches_hold_every_station_once_and_the_heaviest_is_close_to_the_ideal(pages, batches):
    stations = [(i // 10, i % 10 + 1, p) for i, p in enumerate(pages)]
    result = balanced_batches(stations, batches)

    flat = [tuple(s) for batch in result for s in batch]
    assert sorted(flat) == sorted((c, n) for c, n, _ in stations)
    assert len(result) <= batches
    by_station = {(c, n): p for c, n, p in stations}
    loads = [sum(by_station[tuple(s)] for s in batch) for batch in result]
    # Longest-processing-time-first is within 4/3 of the optimum; the optimum is at least
    # the mean load and at least the largest single station.
    lower_bound = max(sum(pages) / batches, max(pages))
    assert max(loads) <= 4 / 3 * lower_bound + 1e-9
