"""Reads spanning models, for the admin and the command line: each module is one question
(a run's figures, its tasks and files, its whole split, a printed page, a voter)."""
