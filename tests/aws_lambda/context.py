"""The context object the Lambda runtime hands a handler, for tests that call handlers directly (the
attributes AWS Lambda Powertools' Logger reads from it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LambdaTestContext:
    function_name: str = "sapa-test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-3:123456789012:function:sapa-test-function"
    aws_request_id: str = "00000000-0000-4000-8000-00000000c0de"


CONTEXT = LambdaTestContext()
