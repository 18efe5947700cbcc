"""The bench part that runs the talk's own code beside ours: without a folder it says how
to give one and runs nothing; a folder that is not the talk's code, or requirements that
cannot be installed, are said plainly and skipped."""

from __future__ import annotations

import pytest

from bench import talk, talk_driver


def test_without_a_folder_the_part_says_how_to_give_one(monkeypatch):
    monkeypatch.delenv("TALK_DIR", raising=False)
    lines: list[str] = []
    talk.talk_table(lines.append, given=None, repeat=3)
    assert lines[0].startswith("\n== The talk's own code beside ours: 10,000 voters")
    assert lines[1].startswith("skipped, no talk folder given:")
    assert "make bench TALK_DIR=" in lines[1] and "--talk-dir" in lines[1]
    assert len(lines) == 2


def test_a_folder_that_is_not_the_talks_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("TALK_DIR", raising=False)
    folder, why = talk.talk_folder(str(tmp_path))
    assert folder is None
    assert why.startswith(f"skipped: {tmp_path} is not a clone of the talk's code (no manage.py")
    for name in talk.TALK_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    monkeypatch.setenv("TALK_DIR", str(tmp_path))  # the environment, when no flag is given
    assert talk.talk_folder(None) == (tmp_path.resolve(), "")


def test_this_repository_is_never_taken_for_the_talk(tmp_path):
    folder, why = talk.talk_folder(str(talk.settings.BASE_DIR))
    assert folder is None and "skipped" in why


@pytest.mark.timeout(300)
def test_requirements_that_cannot_be_installed_are_said_and_nothing_is_stamped(tmp_path):
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "requirements.txt").write_text("this is not a requirement ==\n")
    problem = talk.install(clone, tmp_path / "home")
    assert problem, "pip refused the file: the part must say so"
    assert not (tmp_path / "home" / "venv" / ".requirements-sha256").exists()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_driver_times_a_run_to_its_sum_task_and_gives_up_on_a_failed_chord(tmp_path):
    log = tmp_path / "worker.log"
    log.write_text("an earlier run: Task voter_rolls.tasks.task_sum_pages[aa-1] succeeded\n")
    offset = log.stat().st_size
    with log.open("a") as out:
        out.write("[..: WARNING/ForkPoolWorker-1] sum_pages: Total pages written: 262\n")
        out.write("[..: INFO/ForkPoolWorker-1] Task voter_rolls.tasks.task_sum_pages[bb-2] ")
        out.write("succeeded in 0.001s: None\n")
    clock = FakeClock()
    done = talk_driver.watch(log, offset, 60, clock=clock, sleep=clock.sleep)
    assert done == {
        "status": "succeeded",
        "sum_task": "bb-2",
        "failed_tasks": 0,
        "errors": [],
        "reported_pages": 262,
    }

    offset = log.stat().st_size
    with log.open("a") as out:
        out.write(
            "Task voter_rolls.tasks.task_generate_lists_for_one_station[cc-3] raised "
            "unexpected: OperationalError('database is locked')\n"
            "Chord 'dd-4' raised: OperationalError('database is locked')\n"
        )
    clock = FakeClock()
    failed = talk_driver.watch(log, offset, 600, clock=clock, sleep=clock.sleep)
    assert failed["status"] == "failed" and failed["sum_task"] is None
    assert failed["errors"] == ["OperationalError('database is locked')"]
    assert clock.now < 10, "a failed chord never runs its sum task: do not wait it out"

    clock = FakeClock()
    nothing = talk_driver.watch(log, log.stat().st_size, 5, clock=clock, sleep=clock.sleep)
    assert nothing["status"] == "timeout" and 5 <= clock.now < 6
