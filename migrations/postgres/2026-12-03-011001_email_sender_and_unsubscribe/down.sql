ALTER TABLE outbox DROP COLUMN list_unsubscribe;
ALTER TABLE outbox DROP COLUMN sender_name;
