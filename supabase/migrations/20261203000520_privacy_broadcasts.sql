-- Broadcasts join the erase. A recipient row is redacted, not deleted: the broadcast's delivery, read
-- and reply rates and its revenue count it, and keep counting it once the customer is erased. Its
-- provider error is the only text that can name the customer (Twilio's errors quote the number).
-- The segment rules' city and province are the customer's address: erased with the rest of them.

insert into private.personal_data_tables (table_name, link, erase, position) values
  ('broadcast_recipients', 'customer', 'redact', 85);

insert into private.personal_data_columns (table_name, column_name, personal, erased_value) values
  ('broadcast_recipients', 'error', true, 'null'),
  ('broadcast_recipients', 'provider_message_id', false, null),
  ('broadcast_recipients', 'skip_reason', false, null),
  ('customers', 'city', true, 'null'),
  ('customers', 'province', true, 'null');
