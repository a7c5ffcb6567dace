DROP INDEX audit_clinic_action;
DROP INDEX audit_clinic_actor;
DROP INDEX audit_clinic_patient;
ALTER TABLE audit_log DROP COLUMN patient_id;
