"""Shop platforms Sapa mirrors orders, customers and products from (WooCommerce)."""
