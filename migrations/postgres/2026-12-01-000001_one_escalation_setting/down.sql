-- Nothing to undo: the carried-over value is the clinic's escalation setting
-- either way, and the rules JSON was not changed.
SELECT 1;
