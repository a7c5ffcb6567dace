ALTER TABLE accounts DROP COLUMN activated_at;
