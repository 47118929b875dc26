"""Sapa: WhatsApp customer communication for WooCommerce shops."""
