-- The customers page's tables join the erase: labels, private notes and the consent history are about
-- one customer and go with them (deleted before the customer row is tombstoned).

insert into private.personal_data_tables (table_name, link, erase, position) values
  ('customer_labels', 'customer', 'delete', 90),
  ('customer_notes', 'customer', 'delete', 91),
  ('customer_consent_events', 'customer', 'delete', 92);
