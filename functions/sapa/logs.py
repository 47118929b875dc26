"""The functions' logs on Lambda: one JSON object a line (AWS Lambda Powertools' Logger), at LOG_LEVEL,
each carrying the Lambda request id and, while a job or an HTTP request runs, its id (message_id of the
SQS record, api_request_id of API Gateway). Every module logs through logging.getLogger(__name__), a
child of the "sapa" logger that Powertools configures here. At info level the logs name ids and
outcomes, never secrets or message bodies."""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools import Logger

from sapa.settings import get_settings

SERVICE = "sapa"


@lru_cache(maxsize=1)
def lambda_logger() -> Logger:
    """The "sapa" logger with Powertools' JSON formatter (its records don't reach the root logger, so the
    runtime's own handler prints nothing twice)."""
    return Logger(service=SERVICE, level=get_settings().log_level)
