"""The helper process: a call runs in another Python with this process's databases, an error in
its function is told and the helper stays, a helper that dies fails only the call it was
answering, and the next call starts a new one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from zhengyi.core.helper_process import HelperProcess, HelperProcessError


@pytest.fixture
def helper() -> Iterator[Callable[[str], HelperProcess]]:
    """Helpers for entries, each stopped at the end of the test."""
    made: list[HelperProcess] = []

    def make(entry: str) -> HelperProcess:
        made.append(HelperProcess(entry))
        return made[-1]

    yield make
    for h in made:
        h.stop()


def test_a_call_runs_in_another_process_and_returns_its_result(
    helper: Callable[[str], HelperProcess],
) -> None:
    basename = helper("os.path:basename")
    assert basename.call("/srv/zhengyi/ledger.key") == "ledger.key"
    first = basename._proc
    assert first is not None and first.pid != os.getpid()
    assert basename.call("/a/b") == "b"
    assert basename._proc is first  # started once, kept for the next call


def test_an_error_in_the_function_is_told_and_the_helper_stays(
    helper: Callable[[str], HelperProcess],
) -> None:
    basename = helper("os.path:basename")
    with pytest.raises(HelperProcessError, match="raised in the helper process: TypeError"):
        basename.call(5)
    running = basename._proc
    assert running is not None and running.poll() is None
    assert basename.call("/p/q") == "q"
    assert basename._proc is running


def test_a_helper_that_dies_fails_its_call_and_the_next_call_starts_another(
    helper: Callable[[str], HelperProcess],
) -> None:
    exits = helper("os:_exit")
    with pytest.raises(HelperProcessError, match="stopped"):
        exits.call(3)  # the helper exits without answering
    assert exits._proc is None
    basename = helper("os.path:basename")
    assert basename.call("/x/y") == "y"
    dead = basename._proc
    assert dead is not None
    dead.kill()
    dead.wait()
    assert basename.call("/x/z") == "z"  # a new helper, started for this call
    assert basename._proc is not dead


def test_a_helper_that_cannot_start_says_why(helper: Callable[[str], HelperProcess]) -> None:
    with pytest.raises(HelperProcessError, match=r"could not start.*No module named"):
        helper("zhengyi.no_such_module:nothing").call(1)


@pytest.mark.django_db(transaction=True)
def test_the_helper_uses_the_databases_this_process_uses(helper: Callable[[str], HelperProcess]) -> None:
    assert helper("tests.core.helper_functions:database_name").call(None) == str(
        connection.settings_dict["NAME"]
    )
