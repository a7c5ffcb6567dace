ALTER TABLE flag_events DROP COLUMN outcome;
ALTER TABLE flags DROP COLUMN outcome;
