"""Events in the shapes AWS documents and sends: API Gateway HTTP API payload format 2.0 (header names
lower-cased, repeated headers joined with commas, cookies apart, the body base64-encoded) and the SQS
event of a Lambda event source mapping (records as SQS delivered them, with their receive count)."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from tests.aws_lambda.package import PUBLIC_BASE_URL, REGION

DOMAIN = PUBLIC_BASE_URL.removeprefix("https://")
ACCOUNT = "123456789012"


def http_api_event(
    method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b"", query: str = ""
) -> dict[str, Any]:
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    lowered.setdefault("host", DOMAIN)
    lowered.setdefault("user-agent", "TwilioProxy/1.1")
    lowered.setdefault("x-forwarded-proto", "https")
    lowered.setdefault("x-forwarded-port", "443")
    lowered.setdefault("x-forwarded-for", "203.0.113.7")
    if body:
        lowered.setdefault("content-length", str(len(body)))
    cookies = [part.strip() for part in lowered.pop("cookie", "").split(";") if part.strip()]
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": DOMAIN.split(".")[0],
            "domainName": DOMAIN,
            "domainPrefix": DOMAIN.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": lowered["user-agent"],
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": bool(body),
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        parameters: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
        event["queryStringParameters"] = parameters
    if body:
        event["body"] = base64.b64encode(body).decode()
    return event


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """What the event source mapping hands the function for messages it received (ReceiveMessage with
    all attributes)."""
    records = [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {},
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": REGION,
        }
        for message in messages
    ]
    return {"Records": records}
