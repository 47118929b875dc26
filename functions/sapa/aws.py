"""The one way the functions make an AWS client (SQS, S3, SSM, Lambda). On Lambda, without an endpoint,
the client talks to AWS itself. Anywhere else an endpoint must be given (the local stack's moto server,
AWS_ENDPOINT_URL): a developer's run that lacks the local stack's settings refuses to start instead of
reaching a real AWS account with whatever credentials the machine happens to have."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

ENDPOINT_SETTING = "AWS_ENDPOINT_URL"


class MissingEndpointError(RuntimeError):
    pass


def on_lambda() -> bool:
    """The Lambda runtime sets AWS_LAMBDA_FUNCTION_NAME in every execution environment."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


@lru_cache(maxsize=16)
def aws_client(service: str, endpoint_url: str | None) -> Any:
    """One client per process, service and endpoint (clients are thread-safe, and making one loads the
    service's model). Raises MissingEndpointError outside Lambda without an endpoint."""
    if not endpoint_url and not on_lambda():
        raise MissingEndpointError(
            f"{ENDPOINT_SETTING} is not set: outside AWS Lambda the {service.upper()} client needs an "
            "endpoint (the local stack sets it; `sapa exec -- …` runs a command with the stack's settings) "
            "and never falls back to a real AWS service"
        )
    import boto3  # on first use: the api's webhooks need no AWS client

    return boto3.client(service, endpoint_url=endpoint_url or None)
