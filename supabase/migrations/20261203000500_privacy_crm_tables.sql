-- The customers page's tables join the erase: labels, private notes and the consent history are about
-- one customer and go with them (deleted before the customer row is tombstoned). So do the customer's
-- messages waiting to be sent again after a Twilio outage (stale-sends): an erased message is not sent.

insert into private.personal_data_tables (table_name, link, erase, position) values
  ('outbound_retries', 'message', 'delete', 15),
  ('customer_labels', 'customer', 'delete', 90),
  ('customer_notes', 'customer', 'delete', 91),
  ('customer_consent_events', 'customer', 'delete', 92);
