"""The functions as deployed: `serverless package` with the pinned Serverless Framework v3 and
serverless-python-requirements (package.py), the api zip unpacked and run through AWS's runtime interface
client and a loopback Lambda Runtime API (function.py), with the environment of its CloudFormation
resource. Secrets come from SSM Parameter Store and jobs go through SQS, both moto's, on loopback; the
database is the local stack's. Nothing may leave loopback: a network guard runs in this process and in
the function's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from moto.server import ThreadedMotoServer
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from twilio.request_validator import RequestValidator

from tests.aws_lambda.events import ACCOUNT, http_api_event, sqs_event
from tests.aws_lambda.function import RunningFunction, running_function
from tests.aws_lambda.guard import netguard
from tests.aws_lambda.package import PUBLIC_BASE_URL, REGION, ROOT, STAGE, Package, package
from tests.commerce.payloads import order
from tests.conftest import Stack

pytestmark = [pytest.mark.stack, pytest.mark.timeout(1800)]  # packaging: minutes on a busy machine
WORK_DIR = ROOT / ".sapa" / "lambda"
SECRET_SETTINGS = {
    "SUPABASE_URL",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_JWT_SECRET",
    "CREDENTIALS_ENCRYPTION_KEY",
    "OPENAI_API_KEY",
    "TWILIO_AUTH_TOKEN",
    "CONNECT_TOKEN",
}


@pytest.fixture(scope="module", autouse=True)
def loopback_only() -> Iterator[Path]:
    """This process may reach loopback only while these tests run (packaging runs in its own process:
    it fetches the pinned wheels from PyPI, as a deploy does)."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    report = WORK_DIR / "tests.refused"
    report.unlink(missing_ok=True)
    netguard.install(str(report))
    try:
        yield report
    finally:
        netguard.suspend()
    assert not report.exists(), report.read_text()


@pytest.fixture(scope="module")
def built() -> Package:
    return package(WORK_DIR)


@dataclass(frozen=True)
class Aws:
    """moto's SQS, SSM and S3 on loopback, holding what the stack's resources and the operator hold."""

    endpoint: str
    sqs: Any
    s3: Any
    queue_urls: dict[str, str]
    """CloudFormation logical id → queue URL."""
    bucket: str

    def queue_arn(self, logical_id: str) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.queue_urls[logical_id].rsplit('/', 1)[-1]}"

    def receive(self, logical_id: str, wait: float = 0) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_urls[logical_id],
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            WaitTimeSeconds=int(wait),
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages


@pytest.fixture(scope="module")
def aws(built: Package, stack: Stack) -> Iterator[Aws]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    sqs, ssm, s3 = (session.client(name, endpoint_url=endpoint) for name in ("sqs", "ssm", "s3"))
    run = secrets.token_hex(3)
    urls: dict[str, str] = {}
    # The queues as the template defines them: dead-letter queue first, the redrive policy's count as is.
    for logical_id in ("JobsDeadLetterQueue", "JobsQueue", "BackgroundJobsQueue"):
        properties = built.resource(logical_id)
        attributes = {"VisibilityTimeout": str(properties.get("VisibilityTimeout", 30))}
        if "RedrivePolicy" in properties:
            count = properties["RedrivePolicy"]["maxReceiveCount"]
            target = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{urls['JobsDeadLetterQueue'].rsplit('/', 1)[-1]}"
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": target, "maxReceiveCount": count}
            )
        name = f"sapa-{STAGE}-{logical_id}-{run}"
        urls[logical_id] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    bucket = f"sapa-{STAGE}-knowledge-{run}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # What the operator creates before deploying (README, "Deploy to AWS").
    parameters = {
        "supabase-url": (stack.api_url, "String"),
        "supabase-service-role-key": (stack.service_role_key, "SecureString"),
        "supabase-jwt-secret": (stack.jwt_secret, "SecureString"),
        "credentials-encryption-key": (Fernet.generate_key().decode(), "SecureString"),
        "cors-origins": ('["https://app.example.com"]', "String"),
    }
    for name, (value, kind) in parameters.items():
        ssm.put_parameter(Name=f"/sapa/{STAGE}/{name}", Value=value, Type=kind, Overwrite=True)
    try:
        yield Aws(endpoint, sqs, s3, urls, bucket)
    finally:
        server.stop()


def _deployed_environment(built: Package, aws: Aws, function: str) -> dict[str, str]:
    """The function's Environment.Variables from the template, with CloudFormation's references resolved
    to moto's resources."""
    environment = {}
    for key, value in built.function(function)["Environment"]["Variables"].items():
        if isinstance(value, dict) and set(value) == {"Ref"}:
            value = aws.bucket if value["Ref"] == "KnowledgeBucket" else aws.queue_urls[value["Ref"]]
        assert isinstance(value, str), (key, value)
        environment[key] = value
    return environment


def _start(built: Package, aws: Aws, function: str, handler: str, **overrides: str) -> Any:
    environment = _deployed_environment(built, aws, function) | overrides
    # The one difference from AWS: its services are moto's, on loopback.
    environment["AWS_ENDPOINT_URL"] = aws.endpoint
    properties = built.function(function)
    return running_function(
        f"sapa-{STAGE}-{function}",
        handler,
        built.task_root,
        environment,
        memory_mb=int(properties["MemorySize"]),
        timeout_seconds=float(properties["Timeout"]),
        work_dir=WORK_DIR,
    )


@pytest.fixture(scope="module")
def api(built: Package, aws: Aws) -> Iterator[RunningFunction]:
    with _start(built, aws, "api", built.function("api")["Handler"]) as function:
        yield function
        assert function.refused_connections() == []


@pytest.fixture(scope="module")
def worker(built: Package, aws: Aws) -> Iterator[RunningFunction]:
    """The worker's handler and environment. Its models image is not built here, so its code runs from
    the api zip (the same package and requirements; the image adds ONNX Runtime and Tesseract): the demo
    store's replies need neither (no classifier model: messages stay unlabelled)."""
    command = built.function("worker")["ImageConfig"]["Command"][0]
    with _start(
        built, aws, "worker", command, PYTHONPATH="functions", JOB_RETRY_BASE_SECONDS="2"
    ) as function:
        yield function
        assert function.refused_connections() == []


# The package --------------------------------------------------------------------------------------


def test_serverless_v3_packages_the_file_without_warnings(built: Package) -> None:
    assert "warning" not in built.output.lower(), built.output
    size = built.zip_path.stat().st_size
    assert 10_000_000 < size < 70_000_000, size  # zipped; Lambda's limit is 250 MB unzipped


def test_the_zip_keeps_every_distributions_metadata(built: Package) -> None:
    """Libraries read their own version at import (importlib.metadata): slim must keep *.dist-info."""
    kept = {canonicalize_name(path.name.split("-")[0]) for path in built.task_root.glob("*.dist-info")}
    required = {
        canonicalize_name(Requirement(line).name)
        for line in (ROOT / "requirements-lambda.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert required <= kept, sorted(required - kept)
    assert not list(built.task_root.glob("functions/sapa/local"))


def test_the_template_holds_parameter_names_never_secrets(built: Package, stack: Stack) -> None:
    for function in ("api", "worker", "background"):
        environment = built.function(function)["Environment"]["Variables"]
        assert not SECRET_SETTINGS & environment.keys(), function
        assert environment["SSM_PARAMETER_PATH"] == f"/sapa/{STAGE}"
    text = json.dumps(built.template)
    assert stack.service_role_key not in text and "arn:aws:" not in text


# The api through Lambda's runtime -----------------------------------------------------------------


def _twilio_form(stack: Stack, sid: str, phone: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": f"whatsapp:{stack.demo_whatsapp_number}",
        "Body": "Halo kak, toko buka jam berapa?",
        "NumMedia": "0",
        "ProfileName": "Lewat Lambda",
        "WaId": phone.lstrip("+"),
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def _post_twilio(api: RunningFunction, form: dict[str, str], token: str) -> dict[str, Any]:
    body = httpx.QueryParams(form).__str__().encode()
    signature = RequestValidator(token).compute_signature(f"{PUBLIC_BASE_URL}/webhooks/twilio", form)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
    }
    response: dict[str, Any] = api.invoke(
        http_api_event("POST", "/webhooks/twilio", headers=headers, body=body)
    )
    return response


def _rows(stack: Stack, query: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.db_url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def inbound(api: RunningFunction, stack: Stack, aws: Aws) -> dict[str, str]:
    """A customer's WhatsApp message through the api: signed, delivered twice, stored once."""
    sid = "SM" + secrets.token_hex(16)
    phone = "+6289977" + str(secrets.randbelow(10**5)).zfill(5)
    form = _twilio_form(stack, sid, phone)

    first = _post_twilio(api, form, stack.twilio_auth_token)
    again = _post_twilio(api, form, stack.twilio_auth_token)

    for response in (first, again):
        assert response["statusCode"] == 200, response
        assert "<Response" in response["body"]
    stored = _rows(stack, "select id::text from messages where provider_message_id = %s", sid)
    assert len(stored) == 1
    return {"sid": sid, "message_id": stored[0][0], "phone": phone}


def test_a_signed_twilio_message_is_stored_once_and_a_redelivery_deduplicated(
    inbound: dict[str, str], aws: Aws
) -> None:
    messages = aws.receive("JobsQueue")
    assert {json.loads(message["Body"])["message_id"] for message in messages} == {inbound["message_id"]}
    for message in messages:  # given back for the worker's test
        aws.sqs.change_message_visibility(
            QueueUrl=aws.queue_urls["JobsQueue"], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )


def test_a_wrong_twilio_signature_is_refused_and_nothing_stored(api: RunningFunction, stack: Stack) -> None:
    sid = "SM" + secrets.token_hex(16)
    form = _twilio_form(stack, sid, "+628990000" + str(secrets.randbelow(1000)).zfill(3))

    response = _post_twilio(api, form, "not-the-stores-token")

    assert response["statusCode"] == 403
    assert _rows(stack, "select 1 from messages where provider_message_id = %s", sid) == []


def test_a_woocommerce_delivery_is_applied(api: RunningFunction, stack: Stack) -> None:
    secret = secrets.token_urlsafe(24)
    (store_id,) = _rows(stack, "insert into stores (name) values ('Toko Lambda') returning id::text")[0]
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute(
            "insert into store_credentials (store_id, woocommerce_webhook_secret) values (%s, %s)",
            (store_id, secret),
        )
    try:
        order_id = 700000 + secrets.randbelow(100000)
        body = json.dumps(order(order_id)).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        headers = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": "https://shop.example.com/",
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": "created",
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": "11",
            "X-WC-Webhook-Delivery-ID": str(secrets.randbelow(10**6)),
            "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
        }

        response = api.invoke(
            http_api_event("POST", f"/webhooks/woocommerce/{store_id}", headers=headers, body=body)
        )

        assert response["statusCode"] == 200, response
        assert _rows(
            stack,
            "select status::text from orders where store_id = %s and external_id = %s",
            store_id,
            str(order_id),
        ) == [("processing",)]
    finally:
        with psycopg.connect(stack.db_url, autocommit=True) as conn:
            conn.execute("delete from stores where id = %s", (store_id,))


def test_a_knowledge_upload_is_stored_and_its_extraction_queued(
    api: RunningFunction, stack: Stack, aws: Aws
) -> None:
    login = httpx.post(
        f"{stack.api_url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.anon_key},
        json={"email": stack.demo_admin_email, "password": stack.demo_admin_password},
        timeout=10,
    )
    token = login.json()["access_token"]
    text = ("Pengembalian barang dalam 7 hari. " * 120_000).encode()  # ~4 MiB, under the 4 MB limit
    text = text[: 4_000_000 - 10_000]
    request = httpx.Request(
        "POST",
        "https://x/",
        files={"file": ("kebijakan.txt", text, "text/plain")},
        data={"title": "Kebijakan lewat Lambda"},
    )
    body = request.read()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": request.headers["Content-Type"],
        "Origin": "https://app.example.com",
    }

    response = api.invoke(
        http_api_event("POST", f"/api/stores/{stack.demo_store_id}/knowledge", headers=headers, body=body)
    )

    assert response["statusCode"] == 201, response
    assert response["headers"]["access-control-allow-origin"] == "https://app.example.com"
    document_id = json.loads(response["body"])["id"]
    keys = [item["Key"] for item in aws.s3.list_objects_v2(Bucket=aws.bucket).get("Contents", [])]
    assert any(document_id in key for key in keys)
    jobs = [json.loads(message["Body"]) for message in aws.receive("BackgroundJobsQueue")]
    assert {"type": "extract_document", "store_id": stack.demo_store_id, "document_id": document_id} in jobs
    with psycopg.connect(stack.db_url, autocommit=True) as conn:
        conn.execute("delete from knowledge_documents where id = %s", (document_id,))


def test_cors_answers_only_the_configured_origin(api: RunningFunction, stack: Stack) -> None:
    def preflight(origin: str) -> dict[str, Any]:
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        answer: dict[str, Any] = api.invoke(
            http_api_event("OPTIONS", f"/api/stores/{stack.demo_store_id}/knowledge", headers=headers)
        )
        return answer

    assert preflight("https://app.example.com")["statusCode"] == 200
    assert preflight("https://evil.example.com")["statusCode"] == 400


# The worker through Lambda's runtime ---------------------------------------------------------------


def _receive_all(aws: Aws, logical_id: str, count: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 15
    while len(messages) < count and time.monotonic() < deadline:
        messages += aws.receive(logical_id, wait=1)
    return messages


def test_the_reply_worker_answers_and_reports_only_the_failed_record(
    worker: RunningFunction, inbound: dict[str, str], stack: Stack, aws: Aws
) -> None:
    broken = {"type": "reply", "store_id": stack.demo_store_id, "message_id": "not-a-message-id"}
    aws.sqs.send_message(QueueUrl=aws.queue_urls["JobsQueue"], MessageBody=json.dumps(broken))
    messages = _receive_all(aws, "JobsQueue", 3)  # the reply job (once per delivery) and the broken one
    failing = [m for m in messages if json.loads(m["Body"])["message_id"] == broken["message_id"]]
    assert len(failing) == 1 and len(messages) == 3, messages

    response = worker.invoke(sqs_event(messages, aws.queue_arn("JobsQueue")))

    assert response == {"batchItemFailures": [{"itemIdentifier": failing[0]["MessageId"]}]}
    replies = _rows(
        stack, "select sender::text, status::text from messages where reply_to = %s", inbound["message_id"]
    )
    assert replies and all(row == ("bot", "sandbox") for row in replies)
    # The failed record comes back after the backoff (2 s here for its first failure), not the queue's
    # visibility timeout.
    assert aws.receive("JobsQueue") == []
    again = _receive_all(aws, "JobsQueue", 1)
    assert [m["MessageId"] for m in again] == [failing[0]["MessageId"]]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"


# What the functions leave behind -------------------------------------------------------------------


def test_logs_are_json_with_the_request_and_message_ids_and_no_secrets(
    api: RunningFunction, worker: RunningFunction, inbound: dict[str, str], stack: Stack
) -> None:
    # After the worker's test (file order): both functions have logged.
    api_lines = [json.loads(line) for line in api.logs().splitlines() if line.startswith("{")]
    worker_lines = [json.loads(line) for line in worker.logs().splitlines() if line.startswith("{")]

    assert any(line["level"] == "INFO" and line.get("api_request_id") for line in api_lines), api.logs()
    assert all(line.get("function_request_id") for line in api_lines + worker_lines)
    assert any(line.get("message_id") and line["level"] == "ERROR" for line in worker_lines), worker.logs()
    for text in (api.logs(), worker.logs()):
        assert stack.service_role_key not in text and stack.jwt_secret not in text
        assert "toko buka jam berapa" not in text  # the customer's message stays out of the logs


def test_the_guard_refuses_what_leaves_loopback() -> None:
    import socket

    with pytest.raises(PermissionError, match="network guard"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    (WORK_DIR / "tests.refused").unlink()  # this refusal was the point of the test
