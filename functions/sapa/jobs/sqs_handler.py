"""AWS Lambda entry point of the `worker` and `background` functions: SQS batches of jobs.

A failed record is reported back (ReportBatchItemFailures) so SQS redelivers only that one, after a
backoff set here (ChangeMessageVisibility: settings.retry_delay_seconds of its receive count, seconds to
minutes, instead of the queue's visibility timeout). Its last try (settings.job_max_attempts, which is the
queue's maxReceiveCount) gives the job up: a reply hands its conversation to a person, and SQS moves the
message to the dead-letter queue. An EventBridge schedule (serverless.yml) invokes it with
`{"scheduled": NAME}`: one run of that scheduled job (sapa.jobs.scheduled), a failure raised (Lambda logs
it); `{"job": {...}}` runs one queue job at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sapa.aws import aws_client
from sapa.jobs.queue import Job
from sapa.jobs.worker import follow_up_queue, give_up, handle
from sapa.logs import logger, use_log_level
from sapa.settings import Settings, get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    use_log_level(get_settings())
    if "scheduled" in event:  # an EventBridge schedule: one run of a scheduled job (sapa.jobs.scheduled)
        _run_scheduled(str(event["scheduled"]))
        return {"batchItemFailures": []}
    if "job" in event:  # a queue job invoked directly
        handle(Job.model_validate(event["job"]), follow_ups=follow_up_queue())
        return {"batchItemFailures": []}
    failures = []
    for record in event.get("Records", []):
        logger.append_keys(message_id=record.get("messageId"))
        if not _run(record):
            failures.append({"itemIdentifier": record["messageId"]})
    logger.remove_keys(["message_id", "job", "subject"])
    return {"batchItemFailures": failures}


def _run_scheduled(name: str) -> None:
    """A failed store is recorded in job_runs and raised here too, so Lambda counts the invocation as
    failed (its metrics and alarms); the next scheduled run goes on where this one stopped."""
    from sapa.db import get_supabase
    from sapa.jobs.runs import JobDeps
    from sapa.jobs.scheduled import BROADCASTS, run_broadcasts, run_scheduled

    deps = JobDeps(get_supabase(), get_settings())
    if name == BROADCASTS:
        report = run_broadcasts(deps, budget_seconds=deps.settings.scheduled_job_budget_seconds)
        logger.info("broadcasts run", extra={"report": report})
        return
    runs = run_scheduled(name, deps)
    failed = [run for run in runs if run.error]
    if failed:
        raise RuntimeError(f"{name}: {len(failed)} of {len(runs)} stores failed: {failed[0].error}")


def _run(record: dict[str, Any]) -> bool:
    """True when the record is done with (ran, or can never run); False to have SQS deliver it again."""
    try:
        job = Job.model_validate_json(record["body"])
    except ValidationError:
        logger.error("dropping a malformed job")  # retrying cannot fix it
        return True
    logger.append_keys(job=job.type, subject=job.subject)
    try:
        handle(job, follow_ups=follow_up_queue())
        return True
    except Exception as error:
        settings = get_settings()
        attempt = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        if attempt >= settings.job_max_attempts:
            logger.exception("job failed its last try (%d): dead-lettered", attempt)
            give_up(job, error)
        else:
            delay = settings.retry_delay_seconds(attempt)
            logger.exception(
                "job failed (try %d of %d): retry in %d s", attempt, settings.job_max_attempts, delay
            )
            _retry_after(settings, record, delay)
        return False


def _retry_after(settings: Settings, record: dict[str, Any], seconds: int) -> None:
    """The record comes back after `seconds` (the default would be the queue's visibility timeout)."""
    queue_name = record.get("eventSourceARN", "").rsplit(":", 1)[-1]
    urls = [url for url in (settings.queue_url, settings.background_queue_url) if url]
    queue_url = next((url for url in urls if url.rstrip("/").rsplit("/", 1)[-1] == queue_name), None)
    if queue_url is None:
        logger.error(
            "no queue URL in the settings for %s: the retry waits the visibility timeout", queue_name
        )
        return
    try:
        aws_client("sqs", settings.aws_endpoint_url).change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=seconds
        )
    except Exception:
        logger.exception("could not set the retry delay: the retry waits the visibility timeout")
