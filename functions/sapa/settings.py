"""The one settings object. Required secrets have no defaults: a deployment without them fails at
start-up with a clear error instead of running half-configured."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

logger = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    supabase_url: str
    """Base URL of the Supabase project (local stack: the gateway, http://127.0.0.1:54321)."""
    supabase_service_role_key: SecretStr
    """Service-role key: the functions write webhook-fed tables with it. Never sent to a browser."""
    supabase_jwt_secret: SecretStr
    """Verifies the Supabase JWTs that the dashboard sends to /api routes."""
    environment: str = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Level of the functions' logs (JSON lines on Lambda, sapa.logs)."""
    ssm_parameter_path: str | None = None
    """An SSM Parameter Store path (AWS: /sapa/<stage>) whose parameters are read once per process at
    start-up: each one named after a setting in kebab case (supabase-service-role-key), SecureStrings
    decrypted. The environment wins over a parameter; secrets never sit in the environment or the
    CloudFormation template."""
    cors_origins: list[str] = []
    """Browser origins allowed to call /api (the dashboard's), e.g. ["https://app.example.com"]; as JSON."""

    public_base_url: str | None = None
    """The functions' public base URL as Twilio calls it (e.g. https://api.example.com). Twilio signs the
    URL it requested; behind API Gateway or a proxy the request's own URL can differ, so when this is set
    the signature is checked against it. Unset: the URL is rebuilt from the request (and its
    X-Forwarded-Proto/Host headers)."""

    openai_api_key: SecretStr | None = None
    """Without a key the offline responder answers (grounded templates, honestly labelled)."""
    openai_base_url: str | None = None
    """Any OpenAI-compatible endpoint; unset = OpenAI."""
    openai_model: str = "gpt-4o-mini"
    openai_temperature: float = 0.2
    openai_timeout_seconds: float = 20.0
    openai_context_tokens: int = 8192
    """The model's context window in tokens (a local server's --ctx-size / num_ctx): the policies and the
    history sent with each question are cut to fit it."""
    openai_tool_support: Literal["auto", "named", "none"] = "auto"
    """How the server handles tools. auto: tool_choice "auto", and a named tool when the server answers
    that with nothing; named: always ask for the one tool the message needs (servers that ignore "auto");
    none: send no tools, Sapa makes the look-ups the message needs and gives the model their results."""
    openai_max_output_tokens: int | None = Field(default=None, gt=0)
    """The most tokens the model may write in one answer (sent as max_completion_tokens). Unset: the
    server's own limit, which on local servers (llama-server) is the rest of the context: a small model
    that loops can write until the timeout."""

    twilio_api_base_url: str | None = None
    """Overrides https://api.twilio.com for the Twilio SDK (a Twilio-compatible proxy, or a test double)."""
    twilio_timeout_seconds: float = 10.0
    """How long a send waits for Twilio's answer; a timeout is ambiguous (Twilio may have the message),
    so the stale-sends job looks for it in Twilio's list before sending again."""
    twilio_account_sid: str | None = None
    """The operator's master Twilio account: provisions a subaccount and a number for each shop that asks
    for one. Unset: shops bring their own sender."""
    twilio_auth_token: SecretStr | None = None
    """Auth token of twilio_account_sid."""
    twilio_number_country: str | None = None
    """Country (ISO 3166) of the numbers provisioned for shops; unset = each shop's own country."""
    whatsapp_sandbox_senders: bool = False
    """Local stack only: without an operator Twilio account, "provision" connects a shop with no number
    and no Twilio account (sandbox, as the demo store: replies are stored, not sent), so the WordPress
    plugin can be connected to a Sapa running on a developer's machine."""
    meta_graph_api_base_url: str = "https://graph.facebook.com"
    """Meta's Graph API (WhatsApp Cloud API): sends, templates, media; a test stand-in locally."""
    meta_graph_api_version: str = Field(default="v23.0", pattern=r"^v[0-9]{1,3}\.[0-9]$")
    """The Graph API version every call names (/{version}/{phone-number-id}/messages)."""
    meta_webhook_verify_token: SecretStr | None = None
    """The verify token typed into the Meta app's webhook settings: GET /webhooks/whatsapp-cloud echoes
    hub.challenge only when hub.verify_token equals it. Unset: verification is refused."""

    dashboard_url: str | None = None
    """Where the dashboard is served (e.g. https://app.example.com): invitation and password e-mails
    lead there (Supabase Auth must allow it as a redirect URL), and the plugin's "Open Sapa" links to it.
    Unset: Supabase Auth's Site URL for the e-mails, and no link in the plugin."""

    connect_token: SecretStr | None = None
    """The token shop owners paste into the WordPress plugin to register their shop with this server
    (X-Sapa-Connect-Token). Unset: registration is closed."""
    credentials_encryption_key: SecretStr | None = None
    """Fernet key (Fernet.generate_key()) that encrypts shops' WooCommerce REST keys in the database.
    Required to connect shops: in AWS from SSM; the local stack generates one in its state folder.
    Changing it makes the stored keys unreadable (shops then reconnect)."""
    woocommerce_request_interval_seconds: float = 0.5
    """Least time between two requests to one shop's REST API during a backfill (be polite to small hosts)."""
    woocommerce_timeout_seconds: float = 30.0
    woocommerce_max_attempts: int = 5
    """Tries per REST request when the shop answers 429 or 5xx or times out (exponential backoff)."""
    woocommerce_allow_http: bool = True
    """Accept shops at http:// URLs (local and staging shops). Sapa then signs its requests with OAuth
    1.0a, as WooCommerce requires over plain HTTP, so the secret never travels; the shop's data does,
    unencrypted. False refuses them (422)."""
    backfill_pages_per_job: int = 10
    """REST pages (100 items each) one backfill job applies before it queues its continuation, so a job
    ends well within a Lambda's time limit."""

    scheduled_jobs_interval_seconds: float = 60.0
    """How often the local stack's schedule thread looks for scheduled jobs that are due (each job has
    its own schedule, sapa.jobs.scheduled.JOBS; on AWS, EventBridge in serverless.yml); 0 turns it off."""
    scheduled_job_budget_seconds: float = 240.0
    """Seconds one run of a scheduled job works (over all stores) before it stops and leaves the rest to
    the next run; the background function's timeout is 600 s. A batch is never cut short."""
    scheduled_job_lease_seconds: int = 300
    """A run without a heartbeat for this long is taken as dead: the next run goes on where it stopped."""
    retention_batch_size: int = 1000
    """Rows one retention batch deletes in one short transaction (the inbox never waits on a purge)."""
    send_give_up_hours: float = 24.0
    """How long a message Twilio cannot take (5xx, 429, timeout) is retried before it is marked failed."""

    job_max_attempts: int = 5
    """Tries per job; after the last one a reply hands its conversation to a person and SQS moves the job
    to the dead-letter queue (serverless.yml's maxReceiveCount is this number)."""
    job_retry_base_seconds: int = 10
    """Wait before the 2nd try; each next wait is 4 times longer (10 s, 40 s, 160 s, 640 s)."""
    job_retry_max_seconds: int = 900

    queue_backend: Literal["inprocess", "sqs"] = "inprocess"
    """inprocess: a worker thread in the API process (local stack); sqs: SQS + the worker Lambda."""
    queue_url: str | None = None
    """The SQS queue URL when queue_backend is sqs (replies)."""
    background_queue_url: str | None = None
    """SQS queue for everything that is not a reply (summaries, syncs, document extraction); unset: the
    replies' queue."""
    classifier_path: str | None = None
    """Folder of the exported issue classifier (model.onnx, tokenizer.json, classifier.json), used in
    process. Unset: model/artifacts/current of the repository (what `make model` writes)."""
    classifier_function_name: str | None = None
    """A Lambda running sapa.classify.handler that the worker invokes instead of loading the model: for a
    worker deployed without the model. serverless.yml leaves it unset: its worker runs from the models
    image (model/Dockerfile), which carries the model (CLASSIFIER_PATH)."""

    aws_endpoint_url: str | None = None
    """An S3/SQS/SSM-compatible endpoint (local: moto server). Unset: AWS itself, on Lambda only; anywhere
    else the clients refuse to start (sapa.aws)."""

    knowledge_bucket: str = "sapa-knowledge"
    """S3 bucket of uploaded knowledge documents (keys knowledge/<store>/<document>/<file name>)."""
    embedding_provider: Literal["auto", "local", "openai"] = "auto"
    """auto: OpenAI embeddings when openai_api_key is set, else the local all-MiniLM-L6-v2. Changing the
    provider means re-uploading documents: a question is only compared with chunks of its own model."""
    openai_embedding_model: str = "text-embedding-3-small"
    """OpenAI embedding model, asked for 384 dimensions (the size of knowledge_chunks.embedding)."""
    knowledge_job_budget_seconds: float = 420
    """Seconds one `extract_document` job spends embedding and storing passages before it queues its
    continuation (the background function's timeout is 600 s; one batch is never cut short, and a job
    stops before a batch that would take it past the budget). 0: one batch per job."""
    knowledge_batch_size: int = 32
    """Passages embedded together and stored in one transaction by the `extract_document` job."""
    embedding_model_path: str | None = None
    """Folder of the exported local embedder (model.onnx, tokenizer.json, embedder.json). Unset:
    model/artifacts/embedder of the repository (what `make embedder` writes)."""
    embedding_function_name: str | None = None
    """A Lambda running sapa.knowledge.embed_handler that embeds with the local model on this process's
    behalf. serverless.yml sets it for the API only (a zip without ONNX Runtime: the knowledge search's
    question); the worker runs from the models image, which carries the model (EMBEDDING_MODEL_PATH)."""

    broadcast_messages_per_second: float = 10.0
    """Broadcast send rate per WhatsApp sender (a store's number), shared by every worker: Twilio's
    per-sender throughput for the account (80 messages a second for a WhatsApp sender by default; start
    lower for a new number). The worker sends at this rate and never faster."""
    broadcast_lease_seconds: int = 60
    """How long after its send slot a claimed broadcast recipient stays with its worker; a worker that
    died loses its claims after this and another picks them up (asking Twilio first whether the
    message went out)."""
    broadcast_batch_size: int = 50
    """Recipients one claim takes (their send slots are spread at the rate)."""
    broadcast_send_threads: int = 8
    """Concurrent provider calls of one worker, so a slow answer never holds the rate back."""
    broadcast_interval_seconds: float = 5.0
    """How often the local stack looks for due broadcasts (on AWS: a schedule runs `sapa jobs run
    broadcasts`); 0: never."""

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, SsmParameters(settings_cls), dotenv_settings, file_secret_settings

    def retry_delay_seconds(self, attempt: int) -> int:
        """How long a job that failed its `attempt`-th try waits before the next."""
        return int(min(self.job_retry_max_seconds, self.job_retry_base_seconds * 4 ** (attempt - 1)))


class SsmParameters(PydanticBaseSettingsSource):
    """The parameters under ssm_parameter_path (set in the environment), one GetParametersByPath through
    AWS Lambda Powertools' SSM provider; nothing when the path is unset."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every parameter at once

    def __call__(self) -> dict[str, Any]:
        path = self.current_state.get("ssm_parameter_path")
        if not path:
            return {}
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        from sapa.aws import aws_client

        client = aws_client("ssm", self.current_state.get("aws_endpoint_url"))
        parameters = SSMProvider(boto3_client=client).get_multiple(path, decrypt=True, recursive=False)
        values = {}
        for name, value in parameters.items():
            field = name.replace("-", "_")
            info = self.settings_cls.model_fields.get(field)
            if info is not None:
                values[field] = (
                    self.decode_complex_value(field, info, value) if self.field_is_complex(info) else value
                )
            else:
                logger.warning("SSM parameter %s/%s is not a setting: ignored", path.rstrip("/"), name)
        return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Once per process (a Lambda execution environment): the environment, then SSM parameters."""
    return Settings()
