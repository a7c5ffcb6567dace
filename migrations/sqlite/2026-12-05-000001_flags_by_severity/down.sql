DROP INDEX flags_by_severity;
