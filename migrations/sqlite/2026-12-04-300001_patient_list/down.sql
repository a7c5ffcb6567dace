DROP INDEX flags_queue;
CREATE INDEX flags_queue ON flags(clinic_id, state, severity_rank, raised_at);
DROP INDEX accounts_invited;
DROP TRIGGER patients_uncounted;
DROP TRIGGER patients_counted;
ALTER TABLE clinics DROP COLUMN patients_count;
DROP INDEX patient_search_patient;
DROP TABLE patient_search;
