"""The worker's way to the classifier Lambda, with the real boto3 client against a local endpoint that
speaks Lambda's Invoke API and runs the real classifier handler (what the container image runs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from sapa.classify.client import LambdaClassifier
from sapa.classify.handler import handler


@pytest.fixture
def lambda_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[str]]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    invoked: list[str] = []

    class Invoke(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            invoked.append(self.path)
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                body, error = handler(event, None), None
            except Exception as exc:
                body, error = {"errorMessage": str(exc), "errorType": type(exc).__name__}, "Unhandled"
            payload = json.dumps(body).encode()
            self.send_response(200)
            if error:
                self.send_header("X-Amz-Function-Error", error)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", invoked
    finally:
        server.shutdown()


def _classifier(endpoint: str) -> LambdaClassifier:
    client = boto3.client("lambda", endpoint_url=endpoint, region_name="ap-southeast-3")
    return LambdaClassifier(client, "sapa-prod-classifier")


def test_labels_come_back_from_the_classifier_lambda(lambda_endpoint: tuple[str, list[str]]) -> None:
    endpoint, invoked = lambda_endpoint

    labels = _classifier(endpoint).classify(["paket saya belum sampai", "refund please"])

    assert [label.category for label in labels] == ["delivery", "refund"]
    assert invoked == ["/2015-03-31/functions/sapa-prod-classifier/invocations"]


def test_a_failing_classifier_lambda_is_an_error_not_a_label(lambda_endpoint: tuple[str, list[str]]) -> None:
    endpoint, _ = lambda_endpoint

    with pytest.raises(RuntimeError, match="classifier Lambda failed"):
        _classifier(endpoint).classify(["x"] * 300)  # over the handler's limit of 256 texts
