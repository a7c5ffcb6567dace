ALTER TABLE sessions DROP COLUMN browser;
