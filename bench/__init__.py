"""Benchmarks and development runners: tools for the people who build the console, never
part of it. The production image leaves this package out (.dockerignore), and no module of
the product (config, elections, rolls) imports it; it may import the test helpers.

- ``python -m bench``: every benchmark part (``make bench`` writes docs/benchmarks.md);
- ``python -m bench.pdf``: one station's render;
- ``python -m bench.floor``: the same roll written straight to PDF, beside the renderer;
- ``python -m bench.pdf_set``: a center's whole set against its rolls alone.

Run them from the project's root (the folder of manage.py).
"""
