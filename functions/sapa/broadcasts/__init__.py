"""Segments (saved rules over a store's customers) and broadcasts (an approved template sent to a
segment in the background at the sender's rate). The rules and the sending state live in SQL
(migrations 20261203000150 and 20261203000160); this package calls it and talks to Twilio."""
