"""Background jobs: run later, failures logged by type only, waited for or cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.transports.background import Background


async def test_a_job_runs_later_and_a_stop_waits_for_it() -> None:
    done: list[str] = []

    async def job() -> None:
        done.append("gone")

    jobs = Background()
    jobs.later(0.05, job)
    assert done == [] and len(jobs) == 1
    await jobs.wait()
    assert done == ["gone"] and len(jobs) == 0


async def test_a_failing_job_is_counted_and_logged_without_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[BaseException] = []

    async def job() -> None:
        raise ValueError("hij heeft een mes, Ayse, 0612345678")

    jobs = Background(errors.append)
    with caplog.at_level(logging.ERROR):
        jobs.spawn(job)
        await jobs.wait()
    assert len(errors) == 1
    assert "ValueError" in caplog.text and "mes" not in caplog.text and "0612" not in caplog.text


async def test_cancel_stops_jobs_that_have_not_run() -> None:
    done: list[str] = []

    async def job() -> None:
        done.append("ran")

    jobs = Background()
    jobs.later(10, job)
    await jobs.cancel()
    await asyncio.sleep(0)
    assert done == [] and len(jobs) == 0
