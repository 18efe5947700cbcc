"""What the tests share, by concern: election builders, users and roles, runs done
in-process, worker processes, and PDF reading. Test modules import from here, never from
one another (tests/test_architecture.py checks it)."""
