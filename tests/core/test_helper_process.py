"""The helper process: a call runs in another Python with this process's databases, a helper
that dies fails only the call it was answering, and the next call starts a new one."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from zhengyi.core.helper_process import HelperProcess, HelperProcessError


def test_a_call_runs_in_another_process_and_returns_its_result() -> None:
    helper = HelperProcess("os.path:basename")
    try:
        assert helper.call("/srv/zhengyi/ledger.key") == "ledger.key"
        first = helper._proc
        assert first is not None and first.pid != os.getpid()
        assert helper.call("/a/b") == "b"
        assert helper._proc is first  # started once, kept for the next call
    finally:
        helper.stop()


def test_a_helper_that_dies_fails_its_call_and_the_next_call_starts_another() -> None:
    helper = HelperProcess("os:_exit")
    try:
        with pytest.raises(HelperProcessError, match="stopped"):
            helper.call(3)  # the helper exits without answering
        assert helper._proc is None
    finally:
        helper.stop()
    helper = HelperProcess("os.path:basename")
    try:
        assert helper.call("/x/y") == "y"
        dead = helper._proc
        assert dead is not None
        dead.kill()
        dead.wait()
        assert helper.call("/x/z") == "z"  # a new helper, started for this call
        assert helper._proc is not dead
    finally:
        helper.stop()


def test_an_error_in_the_function_is_told_and_the_helper_stays() -> None:
    helper = HelperProcess("os.path:basename")
    try:
        with pytest.raises(HelperProcessError, match="raised in the helper process: TypeError"):
            helper.call(5)
        running = helper._proc
        assert running is not None and running.poll() is None
        assert helper.call("/p/q") == "q"
        assert helper._proc is running
    finally:
        helper.stop()


def test_a_helper_that_cannot_start_says_why() -> None:
    helper = HelperProcess("zhengyi.no_such_module:nothing")
    with pytest.raises(HelperProcessError, match=r"could not start.*No module named"):
        helper.call(1)


@pytest.mark.django_db(transaction=True)
def test_the_helper_uses_the_databases_this_process_uses() -> None:
    helper = HelperProcess("tests.core.helper_functions:database_name")
    try:
        assert helper.call(None) == str(connection.settings_dict["NAME"])
    finally:
        helper.stop()
