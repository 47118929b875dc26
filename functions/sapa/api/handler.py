"""AWS Lambda entry point of the `api` function (API Gateway HTTP API → Mangum → FastAPI).
The app is built at import so warm invocations reuse it."""

from mangum import Mangum

from sapa.api.app import create_app

handler = Mangum(create_app(), lifespan="off")
