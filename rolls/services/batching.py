"""Render batches balanced by pages: a pure function of the stations, no database."""

from __future__ import annotations

# Enough batches to keep every process of a few workers busy and to even out the tail,
# few enough that per-task overhead stays negligible.
BATCHES_PER_RUN = 16


def balanced_batches(stations: list[tuple[int, int, int]], batches: int) -> list[list[list[int]]]:
    """Longest-processing-time-first: biggest stations first, each to the lightest batch,
    so every worker process finishes at about the same time (no long tail).

    ``stations`` are ``(center id, station number, pages)``; each batch lists
    ``[center id, station number]`` pairs (JSON-friendly task arguments).
    """
    bins: list[tuple[int, list[list[int]]]] = [(0, []) for _ in range(max(1, batches))]
    for center_id, number, pages in sorted(stations, key=lambda s: -s[2]):
        index = min(range(len(bins)), key=lambda i: bins[i][0])
        load, members = bins[index]
        members.append([center_id, number])
        bins[index] = (load + pages, members)
    return [members for _, members in bins if members]
