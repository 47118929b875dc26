"""The store's team: invitations by e-mail (through Supabase Auth's invite), role changes and removals.
The rules live in SQL (migration 20261203000200_team_invitations.sql); this package calls it and sends
the e-mails."""
