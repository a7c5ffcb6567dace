DROP INDEX flags_queue;
CREATE INDEX flags_queue ON flags(clinic_id, state, severity_rank, raised_at);
DROP INDEX accounts_invited;
DROP TRIGGER patients_counted ON patients;
DROP FUNCTION patients_count_follows();
ALTER TABLE clinics DROP COLUMN patients_count;
DROP INDEX patients_clinic_name;
CREATE INDEX patients_clinic_name ON patients(clinic_id, name);
DROP TABLE patient_search;
