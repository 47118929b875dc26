from __future__ import annotations

import threading
import time
from collections import Counter

from sapa.jobs.queue import InProcessQueue, Job, lane_of, reply_job, summarize_job


def test_each_job_runs_once_when_it_succeeds() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def handle(job: Job) -> None:
        with lock:
            seen.append(job.message_id)

    queue = InProcessQueue(handle, workers=3)
    for index in range(20):
        queue.enqueue_reply("store", f"m{index}")
    queue.join()
    queue.close()

    assert sorted(seen) == sorted(f"m{index}" for index in range(20))


def test_a_failing_job_is_retried_up_to_the_limit() -> None:
    attempts: Counter[str] = Counter()

    def handle(job: Job) -> None:
        attempts[job.message_id] += 1
        if job.message_id == "always" or attempts[job.message_id] < 2:
            raise RuntimeError("the provider is down")

    queue = InProcessQueue(handle, workers=1, max_attempts=3, backoff_seconds=0.01)
    queue.enqueue_reply("store", "once")
    queue.enqueue_reply("store", "always")
    queue.join()
    queue.close()

    assert attempts == {"once": 2, "always": 3}


def test_a_slow_background_job_never_holds_up_a_reply() -> None:
    started = threading.Event()
    release = threading.Event()
    replied = threading.Event()

    def handle(job: Job) -> None:
        if job.type == "summarize":
            started.set()
            release.wait(timeout=10)
        else:
            replied.set()

    queue = InProcessQueue(handle, workers=1, background_workers=1)
    queue.enqueue(summarize_job("c1"))
    assert started.wait(timeout=5)
    queue.enqueue_reply("store", "m1")

    assert replied.wait(timeout=5), "the reply waited for the summary"
    release.set()
    queue.join()
    queue.close()


def test_background_jobs_wait_while_replies_run() -> None:
    order: list[str] = []
    lock = threading.Lock()
    reply_running = threading.Event()
    finish_reply = threading.Event()

    def handle(job: Job) -> None:
        if job.type == "reply":
            reply_running.set()
            finish_reply.wait(timeout=10)
        with lock:
            order.append(job.type)

    queue = InProcessQueue(handle, workers=1, background_workers=1, yield_seconds=10)
    queue.enqueue_reply("store", "m1")
    assert reply_running.wait(timeout=5)
    queue.enqueue(summarize_job("c1"))
    time.sleep(0.2)
    with lock:
        assert order == [], "the summary ran while a reply was running"
    finish_reply.set()
    queue.join()
    queue.close()

    assert order == ["reply", "summarize"]


def test_lanes() -> None:
    assert lane_of(reply_job("store", "m1")) == "reply"
    assert lane_of(summarize_job("c1")) == "background"
