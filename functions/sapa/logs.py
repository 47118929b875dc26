"""The functions' logs on Lambda: one JSON object a line (AWS Lambda Powertools' Logger), at LOG_LEVEL,
each carrying the Lambda request id and, while a job or an HTTP request runs, its id (message_id of the
SQS record, api_request_id of API Gateway). Every module logs through logging.getLogger(__name__), a
child of the "sapa" logger that Powertools configures here (its records don't reach the root logger, so
the runtime's own handler prints nothing twice). At info level the logs name ids and outcomes, never
secrets or message bodies."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from sapa.settings import Settings

logger = Logger(service="sapa")


def use_log_level(settings: Settings) -> None:
    """settings.log_level on every sapa logger (the handlers call it once the settings are read)."""
    logger.setLevel(settings.log_level)
