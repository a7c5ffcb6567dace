DROP INDEX accounts_invited;
DROP TRIGGER patients_uncounted;
DROP TRIGGER patients_counted;
ALTER TABLE clinics DROP COLUMN patients_count;
DROP INDEX patient_search_patient;
DROP TABLE patient_search;
