-- "Your account" lists sessions by browser family ("Firefox on Linux"),
-- not the full User-Agent string.
ALTER TABLE sessions ADD COLUMN browser TEXT;
