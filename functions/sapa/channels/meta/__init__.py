"""Meta's WhatsApp Cloud API (Graph API) as a store's WhatsApp provider."""
