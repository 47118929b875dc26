"""Shops connecting to Sapa: the store API the WordPress plugin calls (connect, status, sync, WhatsApp
sender, disconnect), the plugin's API keys, and the encryption of the shop credentials Sapa keeps."""
