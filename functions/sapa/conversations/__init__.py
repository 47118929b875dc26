"""The conversation flow after ingestion: the bot's reply, handoff, and sending within WhatsApp's rules."""
