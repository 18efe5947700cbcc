import itertools

from hypothesis import given
from hypothesis import strategies as st

from rolls.planning import balanced_batches


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
    # Any list schedule, longest-first included, ends within one station of the mean
    # (Graham): makespan <= mean + (1 - 1/m) * largest. (4/3 holds against the optimum, not
    # against the mean: pages 2, 3, 3, 3 on 3 batches give 5, the optimum, above 4/3 * 11/3.)
    bound = sum(pages) / batches + (1 - 1 / batches) * max(pages)
    assert max(loads) <= bound + 1e-9
    if len(pages) <= 6 and batches <= 4:  # small enough to know the optimum: within 4/3
        assert max(loads) <= 4 / 3 * optimum(pages, batches) + 1e-9


def optimum(pages: list[int], batches: int) -> int:
    best = sum(pages)
    for assignment in itertools.product(range(min(batches, len(pages))), repeat=len(pages)):
        loads = [0] * batches
        for page, batch in zip(pages, assignment, strict=True):
            loads[batch] += page
        best = min(best, max(loads))
    return best
