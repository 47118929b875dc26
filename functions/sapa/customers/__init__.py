"""Customers as a CRM: importing contacts from CSV (the list, labels, notes and consent live in SQL)."""
