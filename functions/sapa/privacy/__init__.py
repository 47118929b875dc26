"""The customer's rights and the shop's: one customer's export and erase (GDPR), the store's backup and
its import into another Sapa."""
