from __future__ import annotations

import threading
from collections import Counter

from sapa.jobs.queue import InProcessQueue, Job


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
