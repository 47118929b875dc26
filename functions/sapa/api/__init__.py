"""The functions API: webhooks and dashboard actions (FastAPI; Mangum on Lambda)."""
