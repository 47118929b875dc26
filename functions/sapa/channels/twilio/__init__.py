"""WhatsApp through Twilio."""
