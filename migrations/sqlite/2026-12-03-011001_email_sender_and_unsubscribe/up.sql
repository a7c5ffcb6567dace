-- Reminder emails name the clinic as the sender and carry a one-click
-- unsubscribe (RFC 8058); both are fixed when the email is queued.
ALTER TABLE outbox ADD COLUMN sender_name TEXT;
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
