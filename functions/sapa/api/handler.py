"""AWS Lambda entry point of the `api` function (API Gateway HTTP API → Mangum → FastAPI).
The app is built at import so warm invocations reuse it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from mangum import Mangum

from sapa.api.app import create_app
from sapa.logs import logger, use_log_level
from sapa.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = Mangum(create_app(), lifespan="off")
use_log_level(get_settings())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(api_request_id=event.get("requestContext", {}).get("requestId"))
    response: dict[str, Any] = app(event, cast(Any, context))
    return response
