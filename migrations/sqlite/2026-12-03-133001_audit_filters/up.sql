-- Which patient an audit row concerns (a record view, a flag or photo of
-- theirs), so the log filters by patient from an index. Set when the row is
-- written; older rows are filled in once here.
ALTER TABLE audit_log ADD COLUMN patient_id BIGINT;

-- The log is append-only; the one-time fill lifts that for this statement only.
DROP TRIGGER audit_log_no_update;
UPDATE audit_log SET patient_id = CAST(substr(target, 9) AS INTEGER) WHERE target LIKE 'patient:%';
UPDATE audit_log SET patient_id = (SELECT f.patient_id FROM flags f WHERE f.id = CAST(substr(audit_log.target, 6) AS INTEGER))
 WHERE target LIKE 'flag:%';
UPDATE audit_log SET patient_id = (SELECT p.patient_id FROM photos p WHERE p.id = CAST(substr(audit_log.target, 7) AS INTEGER))
 WHERE target LIKE 'photo:%';
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE INDEX audit_clinic_patient ON audit_log(clinic_id, patient_id, at);
CREATE INDEX audit_clinic_actor ON audit_log(clinic_id, actor_account_id, at);
CREATE INDEX audit_clinic_action ON audit_log(clinic_id, action, at);
