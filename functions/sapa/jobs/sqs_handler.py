"""AWS Lambda entry point of the `worker` and `background` functions: SQS batches of jobs. Failed records
are reported back (ReportBatchItemFailures) so SQS redelivers only those, and moves them to the
dead-letter queue after the redrive limit. An EventBridge schedule (serverless.yml) invokes it with
`{"job": {...}}`: that one job runs at once, and a failure is raised (Lambda logs and retries it)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from sapa.jobs.queue import Job
from sapa.jobs.worker import follow_up_queue, handle

logger = logging.getLogger(__name__)


def handler(event: dict[str, Any], context: object) -> dict[str, list[dict[str, str]]]:
    if "job" in event:  # a scheduled job
        handle(Job.model_validate(event["job"]), follow_ups=follow_up_queue())
        return {"batchItemFailures": []}
    failures = []
    for record in event.get("Records", []):
        try:
            job = Job.model_validate_json(record["body"])
        except ValidationError:
            logger.error("dropping malformed job %s", record.get("messageId"))  # retrying cannot fix it
            continue
        try:
            handle(job, follow_ups=follow_up_queue())
        except Exception:
            logger.exception("job %s for %s failed", job.type, job.subject)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
