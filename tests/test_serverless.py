"""serverless.yml and model/Dockerfile deploy a coherent whole. Every function's handler (a zip's handler,
or an image function's command) exists and answers a sample event with the environment it is deployed
with (serverless.yml's, plus the image's ENV with its paths mapped back to the folders the Dockerfile
copies); the image installs every third-party module its handlers can import, and Tesseract with the OCR
languages. These are static checks of the two files: no Docker engine builds the image here."""

from __future__ import annotations

import ast
import importlib
import itertools
import json
import math
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.aws_lambda.context import CONTEXT

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = ROOT / "functions"
STAGE = "lambda-test"
RUNTIME_INTERFACE_CLIENT = ["python", "-m", "awslambdaric"]
PLATFORMS = {"x86_64": "linux/amd64", "arm64": "linux/arm64"}


# serverless.yml


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "serverless.yml").read_text())
    return spec


def _functions() -> dict[str, dict[str, Any]]:
    functions: dict[str, dict[str, Any]] = _spec()["functions"]
    return functions


def _image_functions() -> list[str]:
    return [name for name, function in _functions().items() if "image" in function]


def _deployed_name(function: str) -> str:
    """Serverless Framework names a function <service>-<stage>-<key>."""
    return f"{_spec()['service']}-{STAGE}-{function}"


def _substitute(text: str) -> str:
    """Serverless variables that the deployment knows: the service and the stage."""
    return text.replace("${self:service}", _spec()["service"]).replace("${sls:stage}", STAGE)


def _resolve(value: Any) -> str | None:
    """A literal environment value of serverless.yml, with the service and stage filled in; None for
    what only AWS knows (SSM parameters, CloudFormation references): the test fixture sets those."""
    if not isinstance(value, str | int):
        return None
    text = _substitute(str(value))
    return None if "${" in text else text


# model/Dockerfile


class Dockerfile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.instructions: list[tuple[str, str]] = []
        current = ""
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if not current and (not line or line.startswith("#")):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            keyword, _, arguments = (current + line).partition(" ")
            self.instructions.append((keyword.upper(), arguments.strip()))
            current = ""

    def arguments(self, keyword: str) -> list[str]:
        return [arguments for name, arguments in self.instructions if name == keyword]

    def exec_form(self, keyword: str) -> list[str]:
        """The last ENTRYPOINT or CMD (the one that counts), in exec form."""
        value: list[str] = json.loads(self.arguments(keyword)[-1])
        return value

    def env(self) -> dict[str, str]:
        pairs = (
            item.partition("=") for arguments in self.arguments("ENV") for item in shlex.split(arguments)
        )
        return {key: value for key, _, value in pairs}

    def copies(self) -> dict[str, Path]:
        """Image path → the repository path it is copied from (a folder's contents go into the target)."""
        mapping: dict[str, Path] = {}
        for arguments in self.arguments("COPY"):
            *sources, target = [word for word in shlex.split(arguments) if not word.startswith("--")]
            for source in sources:
                image_path = target if source.endswith("/") else target + Path(source).name
                mapping[image_path.rstrip("/")] = ROOT / source
        return mapping

    def repository_path(self, image_path: str) -> Path | None:
        """Where a path of the image comes from in the repository; None when nothing is copied there."""
        for target, source in sorted(self.copies().items(), key=lambda item: -len(item[0])):
            if image_path == target or image_path.startswith(target + "/"):
                return source / image_path.removeprefix(target).lstrip("/")
        return None

    def run_words(self, program: str) -> list[list[str]]:
        """The words of each `program ...` command of the RUN lines (commands split at && and ;)."""
        commands = []
        for arguments in self.arguments("RUN"):
            for command in arguments.replace(";", "&&").split("&&"):
                words = [word for word in shlex.split(command) if "=" not in word or word.startswith("-")]
                if words[: len(program.split())] == program.split():
                    commands.append(words)
        return commands

    def pip_requirements(self) -> list[str]:
        """The requirement lines pip installs: from each `-r file` (mapped back to the repository)."""
        lines: list[str] = []
        for words in self.run_words("pip install"):
            for flag, value in itertools.pairwise(words):
                if flag == "-r":
                    source = self.repository_path(value)
                    assert source is not None and source.is_file(), f"{value} is not copied into the image"
                    lines.extend(_requirement_lines(source))
            lines.extend(w for w in words[2:] if not w.startswith("-") and not w.endswith(".txt"))
        return lines


def _dockerfile(image: str) -> Dockerfile:
    definition = _spec()["provider"]["ecr"]["images"][image]
    return Dockerfile(ROOT / definition.get("path", ".") / definition["file"])


def _image_of(function: str) -> Dockerfile:
    return _dockerfile(_functions()[function]["image"]["name"])


def _requirement_lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


# Handlers and their environment


def _handler_path(name: str) -> str:
    """The handler's dotted path: from serverless.yml, or, for an image, its command (else its CMD)."""
    function = _functions()[name]
    if "image" in function:
        command = function["image"].get("command") or _image_of(name).exec_form("CMD")
        return str(command[0])
    return str(function["handler"])


def _handler(name: str) -> Callable[[dict[str, Any], object], Any]:
    """Imported as the runtime interface client does: module path, then the attribute."""
    module_name, _, attribute = _handler_path(name).rpartition(".")
    handler: Callable[[dict[str, Any], object], Any] = getattr(
        importlib.import_module(module_name), attribute
    )
    return handler


def _deployed_environment(name: str) -> dict[str, str]:
    """A function's environment as deployed: its image's ENV (paths that the Dockerfile copies mapped back
    to the repository), then serverless.yml's provider and function environments."""
    environment: dict[str, str] = {}
    if "image" in _functions()[name]:
        image = _image_of(name)
        for key, value in image.env().items():
            if value.startswith("/"):
                source = image.repository_path(value)
                if source is None:
                    continue  # a path of the image only (its task root): nothing to map here
                value = str(source)
            environment[key] = value
    for section in (_spec()["provider"].get("environment", {}), _functions()[name].get("environment", {})):
        for key, raw in section.items():
            value = _resolve(raw)
            if value is not None:
                environment[key] = value
    environment.pop("PYTHONPATH", None)  # the zip's layout; this process has the package already
    environment.pop("SSM_PARAMETER_PATH", None)  # the fixture sets the secrets SSM would hold
    return environment


@pytest.fixture
def deploy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the environment a function is deployed with; what only AWS knows is replaced by addresses
    that refuse connections at once, so the handlers run for real up to their first network call."""
    from sapa.db import get_supabase
    from sapa.jobs.worker import reply_deps
    from sapa.settings import Settings, get_settings

    def use(name: str) -> None:
        for field in Settings.model_fields:  # nothing from the developer's shell (an OpenAI key, paths)
            monkeypatch.delenv(field.upper(), raising=False)
        monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", "service-role-key")
        monkeypatch.setenv("SUPABASE_JWT_SECRET", "jwt-secret")
        monkeypatch.setenv("QUEUE_URL", "http://127.0.0.1:9/123456789012/sapa-jobs")
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-3")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        for key, value in _deployed_environment(name).items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        get_supabase.cache_clear()
        reply_deps.cache_clear()

    yield use
    get_settings.cache_clear()
    get_supabase.cache_clear()
    reply_deps.cache_clear()


def _http_api_event(path: str) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "abc.execute-api.ap-southeast-3.amazonaws.com", "accept": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc",
            "domainName": "abc.execute-api.ap-southeast-3.amazonaws.com",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.1",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 1763900000000,
        },
        "isBase64Encoded": False,
    }


def _sqs_event(*bodies: str) -> dict[str, Any]:
    records = [
        {
            "messageId": f"msg-{index}",
            "receiptHandle": f"handle-{index}",
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:ap-southeast-3:123456789012:sapa-jobs",
            "awsRegion": "ap-southeast-3",
        }
        for index, body in enumerate(bodies)
    ]
    return {"Records": records}


def _event_kind(name: str) -> str:
    events = _functions()[name].get("events") or [{"invoke": None}]
    return next(iter(events[0]))


# What runs where


def test_every_function_is_an_http_api_an_sqs_consumer_or_invoked_directly() -> None:
    kinds = {name: _event_kind(name) for name in _functions()}
    assert kinds == {"api": "httpApi", "worker": "sqs", "background": "sqs", "embedder": "invoke"}
    assert _image_functions() == ["worker", "background", "embedder"]


def test_image_functions_run_their_command_through_the_runtime_interface_client() -> None:
    platform = PLATFORMS[_spec()["provider"].get("architecture", "x86_64")]
    for name in _image_functions():
        image_name = _functions()[name]["image"]["name"]
        image = _dockerfile(image_name)

        assert image.exec_form("ENTRYPOINT") == RUNTIME_INTERFACE_CLIENT, name
        assert callable(_handler(name)), name
        assert _spec()["provider"]["ecr"]["images"][image_name]["platform"] == platform
        assert "awslambdaric" in {Requirement(line).name for line in image.pip_requirements()}


def test_every_function_name_in_an_environment_is_a_deployed_function_it_may_invoke() -> None:
    deployed = {_deployed_name(name) for name in _functions()}
    statements = _spec()["provider"]["iam"]["role"]["statements"]
    invokable = _substitute(
        json.dumps([s["Resource"] for s in statements if "lambda:InvokeFunction" in s["Action"]])
    )

    named = {
        value
        for name in _functions()
        for key, value in _deployed_environment(name).items()
        if key.endswith("_FUNCTION_NAME")
    }

    assert named == {_deployed_name("embedder")}
    for function_name in named:
        assert function_name in deployed
        assert f':function:{function_name}"' in invokable


def test_each_queue_gives_its_consumer_six_times_its_timeout() -> None:
    provider_timeout = _spec()["provider"]["timeout"]
    resources = _spec()["resources"]["Resources"]
    for name, function in _functions().items():
        if _event_kind(name) != "sqs":
            continue
        queue = function["events"][0]["sqs"]["arn"]["Fn::GetAtt"][0]
        visibility = resources[queue]["Properties"]["VisibilityTimeout"]
        assert visibility >= 6 * function.get("timeout", provider_timeout), name
    # API Gateway's HTTP API answers 503 after 30 s whatever the Lambda's timeout.
    assert _functions()["api"].get("timeout", provider_timeout) < 30


# The handlers answer


def test_the_api_handler_answers_an_api_gateway_event(deploy: Callable[[str], None]) -> None:
    deploy("api")

    response = _handler("api")(_http_api_event("/health"), CONTEXT)

    assert response["statusCode"] == 200
    assert f'"environment":"{STAGE}"' in response["body"]


def test_the_worker_handler_reports_failed_jobs_and_drops_malformed_ones(
    deploy: Callable[[str], None],
) -> None:
    deploy("worker")
    job = '{"type": "reply", "store_id": "00000000-0000-4000-8000-000000000001", "message_id": "m-1"}'

    response = _handler("worker")(_sqs_event("not json", job), CONTEXT)

    # The malformed record cannot succeed on a retry: dropped. The job could not reach the database:
    # reported, so SQS redelivers it (and dead-letters it after the redrive limit).
    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}


def test_the_background_handler_reports_a_document_it_could_not_read(deploy: Callable[[str], None]) -> None:
    deploy("background")
    job = {
        "type": "extract_document",
        "store_id": "00000000-0000-4000-8000-000000000001",
        "document_id": "00000000-0000-4000-8000-0000000000d1",
    }

    response = _handler("background")(_sqs_event(json.dumps(job), '{"type": "unknown"}'), CONTEXT)

    assert response == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_the_image_workers_classify_and_embed_in_process(deploy: Callable[[str], None]) -> None:
    from sapa.classify.client import InProcessClassifier, classifier_from_settings
    from sapa.knowledge.embed import DIMENSIONS, MiniLMEmbedder, embedder_from_settings
    from sapa.settings import get_settings

    for name in ("worker", "background"):
        deploy(name)
        settings = get_settings()
        classifier = classifier_from_settings(settings)
        embedder = embedder_from_settings(settings)

        assert isinstance(classifier, InProcessClassifier), name
        labels = classifier.classify(["paket saya belum sampai", "refund please"])
        assert [label.category for label in labels] == ["delivery", "refund"]
        assert all(
            label.urgency in {"low", "medium", "high"} and 0 < label.confidence <= 1 for label in labels
        )
        assert isinstance(embedder, MiniLMEmbedder), name
        assert embedder.directory == _image_of(name).repository_path(
            _image_of(name).env()["EMBEDDING_MODEL_PATH"]
        )
        vector = embedder.embed_query("Berapa lama pengembalian dana?")
        assert len(vector) == DIMENSIONS and math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-4)


def test_the_api_embeds_questions_through_the_embedder_function(deploy: Callable[[str], None]) -> None:
    from sapa.knowledge.embed import LambdaEmbedder, embedder_from_settings
    from sapa.settings import get_settings

    deploy("api")
    embedder = embedder_from_settings(get_settings())

    assert isinstance(embedder, LambdaEmbedder)
    assert embedder._function_name == _deployed_name("embedder")


def test_the_embedder_function_answers_with_vectors_of_the_model_the_worker_uses(
    deploy: Callable[[str], None],
) -> None:
    from sapa.knowledge.embed import DIMENSIONS, embedder_from_settings
    from sapa.settings import get_settings

    deploy("worker")
    worker_model = embedder_from_settings(get_settings()).model
    deploy("embedder")

    answer = _handler("embedder")({"texts": ["Refunds take 3 days.", "Jam buka 9-17"]}, None)

    assert answer["model"] == worker_model
    assert [len(vector) for vector in answer["embeddings"]] == [DIMENSIONS, DIMENSIONS]


# What the image and the zip carry


def _module_file(module: str) -> Path | None:
    base = PACKAGE_ROOT.joinpath(*module.split("."))
    return next((path for path in (base.with_suffix(".py"), base / "__init__.py") if path.is_file()), None)


def _imported_names(path: Path, module: str) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                target = f"{parent}.{node.module}" if node.module else parent
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)  # `from package import module`
    return names


def _reachable(entry_modules: Iterable[str]) -> tuple[set[str], set[str]]:
    """Every sapa module the entry modules can import, at load time or later (imports inside functions
    count), and the top-level names of the other modules they import, less the standard library."""
    package_modules: set[str] = set()
    third_party: set[str] = set()
    pending = list(entry_modules)
    while pending:
        parts = pending.pop().split(".")
        if parts[0] != "sapa":
            if parts[0] not in sys.stdlib_module_names and parts[0] != "__future__":
                third_party.add(parts[0])
            continue
        for depth in range(1, len(parts) + 1):
            module = ".".join(parts[:depth])
            path = _module_file(module)
            if module in package_modules or path is None:
                continue  # seen, or a name imported from a module
            package_modules.add(module)
            pending.extend(_imported_names(path, module))
    return package_modules, third_party


def _installed_closure(requirement_lines: Iterable[str]) -> set[str]:
    """The distributions pip installs for these requirements: them and their dependencies (read from
    the same pinned versions installed in this virtualenv, on the same Linux and Python)."""
    pending = [Requirement(line) for line in requirement_lines]
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dependencies = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue  # only in the image (awslambdaric): nothing of ours imports it
        for line in dependencies:
            dependency = Requirement(line)
            extras = {""} | requirement.extras
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in extras):
                pending.append(dependency)
    return {name for name, _ in seen}


def _missing_distributions(modules: Iterable[str], installed: set[str]) -> dict[str, list[str]]:
    """Top-level module → its distributions, for the modules that none of the installed ones provides."""
    providers = metadata.packages_distributions()
    missing = {}
    for module in sorted(modules):
        candidates = sorted(canonicalize_name(name) for name in providers.get(module, []))
        if not installed.intersection(candidates):
            missing[module] = candidates
    return missing


def test_the_image_installs_every_module_its_handlers_can_import() -> None:
    imported: set[str] = set()
    for name in _image_functions():
        package_modules, third_party = _reachable([_handler_path(name).rpartition(".")[0]])
        installed = _installed_closure(_image_of(name).pip_requirements())
        imported |= third_party

        assert not [m for m in package_modules if m.startswith("sapa.local")], "the image has no sapa/local"
        assert _missing_distributions(third_party, installed) == {}, name
    # Imports inside functions count: the models and OCR load only when a job needs them.
    assert {"onnxruntime", "tokenizers", "pytesseract", "pypdfium2"} <= imported


_ISOLATED_RUN = """
import json, sys

absent = set(json.loads(sys.argv[1]))


class OnlyTheDeployedDistributions:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in absent:
            raise ModuleNotFoundError(f"No module named {name!r} (not deployed)", name=name)
        return None


sys.meta_path.insert(0, OnlyTheDeployedDistributions())
module_name, _, attribute = sys.argv[2].rpartition(".")
handler = getattr(__import__(module_name, fromlist=[attribute]), attribute)
class Context:
    function_name = "sapa-isolated"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:sapa-isolated"
    aws_request_id = "00000000-0000-4000-8000-00000000c0de"


print(json.dumps(handler(json.loads(sys.argv[3]), Context())))
"""


def _run_with_only(requirements: list[str], handler: str, event: dict[str, Any], env: dict[str, str]) -> Any:
    """Runs a handler in a fresh interpreter where no installed distribution outside these requirements
    (and their dependencies) can be imported: what the zip or the image holds. Libraries'
    optional imports (bcrypt for cryptography's SSH keys, rich…) fail there as they would on Lambda."""
    installed = _installed_closure(requirements)
    absent = [
        module
        for module, names in metadata.packages_distributions().items()
        if module != "sapa" and not installed.intersection(canonicalize_name(name) for name in names)
    ]
    environment = {
        "SUPABASE_URL": "http://127.0.0.1:9",
        "SUPABASE_SERVICE_ROLE_KEY": "service-role-key",
        "SUPABASE_JWT_SECRET": "jwt-secret",
        "PATH": "/usr/bin:/bin",
        **env,
    }
    arguments = [sys.executable, "-c", _ISOLATED_RUN, json.dumps(absent), handler, json.dumps(event)]
    completed = subprocess.run(arguments, env=environment, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.splitlines()[-1])


def test_the_api_zip_answers_with_its_requirements_only() -> None:
    """The api's zip holds requirements-lambda.txt (no ONNX Runtime: models run in the image)."""
    package_modules, _ = _reachable([_handler_path("api").rpartition(".")[0]])
    environment = {**_deployed_environment("api"), "QUEUE_URL": "http://127.0.0.1:9/1/q"}
    requirements = _requirement_lines(ROOT / "requirements-lambda.txt")

    response = _run_with_only(requirements, _handler_path("api"), _http_api_event("/health"), environment)

    assert not [m for m in package_modules if m.startswith("sapa.local")], "the zip has no sapa/local"
    assert "onnxruntime" not in {Requirement(line).name for line in requirements}
    assert response["statusCode"] == 200 and f'"environment":"{STAGE}"' in response["body"]


def test_the_embedder_image_function_answers_with_the_image_requirements_only() -> None:
    requirements = _image_of("embedder").pip_requirements()

    answer = _run_with_only(
        requirements,
        _handler_path("embedder"),
        {"texts": ["Barang rusak"]},
        _deployed_environment("embedder"),
    )

    assert len(answer["embeddings"][0]) == 384
    with pytest.raises(AssertionError, match="onnxruntime"):  # the same run without the image's extras
        _run_with_only(
            _requirement_lines(ROOT / "requirements-lambda.txt"),
            _handler_path("embedder"),
            {"texts": ["Barang rusak"]},
            _deployed_environment("embedder"),
        )


def test_the_image_installs_tesseract_with_the_ocr_languages() -> None:
    from sapa.knowledge.ocr import LANGUAGES

    for name in _image_functions():
        packages = {word for words in _image_of(name).run_words("apt-get install") for word in words[2:]}
        expected = {"tesseract-ocr"} | {f"tesseract-ocr-{language}" for language in LANGUAGES.split("+")}
        assert expected <= packages, name


def test_the_image_copies_the_models_its_environment_points_at() -> None:
    for name in _image_functions():
        image = _image_of(name)
        header = image.path.read_text()
        for variable, target in (("CLASSIFIER_PATH", "model"), ("EMBEDDING_MODEL_PATH", "embedder")):
            source = image.repository_path(image.env()[variable])
            assert source is not None and (source / "model.onnx").is_file(), (variable, source)
            assert f"make {target}" in header  # the Dockerfile says what to run before building
        ignore = (image.path.parent / f"{image.path.name}.dockerignore").read_text().splitlines()
        assert ignore[[line.startswith("#") for line in ignore].index(False)] == "*"
        for source in image.copies().values():
            assert f"!{source.relative_to(ROOT)}{'/' if source.is_dir() else ''}" in ignore


def test_image_requirements_are_the_classify_extra_and_the_runtime_interface_client() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = _requirement_lines(ROOT / "model" / "requirements-models.txt")

    assert sorted(line for line in lines if not line.startswith("awslambdaric==")) == sorted(
        project["optional-dependencies"]["classify"]
    )


def test_lambda_requirements_match_runtime_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = sorted(_requirement_lines(ROOT / "requirements-lambda.txt"))
    assert pinned == sorted(project["dependencies"])


def test_the_deployment_has_no_secrets_one_cors_list_and_consistent_retries() -> None:
    text = (ROOT / "serverless.yml").read_text()
    spec = _spec()
    resources = spec["resources"]["Resources"]

    assert "${ssm:" not in text  # secrets are read at runtime (SSM_PARAMETER_PATH), never resolved in
    assert spec["provider"]["environment"]["SSM_PARAMETER_PATH"] == "/sapa/${sls:stage}"
    assert "cors" not in spec["provider"].get("httpApi", {})  # the app's CORS_ORIGINS is the one list
    assert "arn:aws:" not in text and "provenance" not in text  # any partition; v3 keys only
    assert spec["frameworkVersion"] == "3" and spec["configValidationMode"] == "error"
    attempts = "${self:custom.jobs.maxAttempts}"
    assert spec["provider"]["environment"]["JOB_MAX_ATTEMPTS"] == attempts
    for queue in ("JobsQueue", "BackgroundJobsQueue"):
        assert resources[queue]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == attempts
    for name in ("worker", "background"):
        assert _functions()[name]["events"][0]["sqs"]["maximumConcurrency"] >= 2, name
    python_requirements = spec["custom"]["pythonRequirements"]
    assert python_requirements["slimPatternsAppendDefaults"] is False  # keeps *.dist-info
    assert not any("dist-info" in pattern for pattern in python_requirements["slimPatterns"])


def test_every_scheduled_job_has_its_eventbridge_schedule_on_the_background_function() -> None:
    from sapa.jobs.scheduled import BROADCASTS, BROADCASTS_SCHEDULE, JOBS

    events = _functions()["background"]["events"]
    schedules = {
        event["schedule"]["input"]["scheduled"]: event["schedule"] for event in events if "schedule" in event
    }
    assert set(schedules) == {*JOBS, BROADCASTS}
    assert schedules[BROADCASTS]["rate"] == BROADCASTS_SCHEDULE
    for name, job in JOBS.items():
        assert schedules[name]["rate"] == job.schedule, name
        assert job.interval_seconds >= 60  # EventBridge's finest rate
