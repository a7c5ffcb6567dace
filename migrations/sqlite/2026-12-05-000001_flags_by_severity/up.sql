-- The patients with an unresolved flag of one severity (the patient list's
-- urgent-first part, the queue filtered by severity): a range of this
-- index, where `flags_queue` (by patient first) had to be read through
-- for every unresolved flag of the clinic.
CREATE INDEX flags_by_severity ON flags(clinic_id, state, severity_rank, patient_id, raised_at);
