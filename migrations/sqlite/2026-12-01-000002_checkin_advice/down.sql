ALTER TABLE checkins DROP COLUMN advice;
