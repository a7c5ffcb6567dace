DROP INDEX accounts_invited;
DROP TRIGGER patients_counted ON patients;
DROP FUNCTION patients_count_follows();
ALTER TABLE clinics DROP COLUMN patients_count;
DROP INDEX patients_clinic_name;
CREATE INDEX patients_clinic_name ON patients(clinic_id, name);
DROP TABLE patient_search;
