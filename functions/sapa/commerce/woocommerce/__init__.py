"""WooCommerce: signed webhooks (signature, parse, ingest), the REST API v3 client and the backfill."""
