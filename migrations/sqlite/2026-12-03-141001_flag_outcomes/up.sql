-- What came of a flag (the clinical reference, section 5): chosen with the
-- note when the flag is resolved. Null for flags resolved before it was asked.
ALTER TABLE flags ADD COLUMN outcome TEXT;
-- The resolve event keeps it too, so the flag's history says what was decided.
ALTER TABLE flag_events ADD COLUMN outcome TEXT;
