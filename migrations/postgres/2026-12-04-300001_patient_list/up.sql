-- The patient list reads a page's worth of rows, however many patients the
-- clinic has (issue 19).
--
-- Search: each patient's terms (domain::search::terms: the name, each word
-- of it, the email and its domain, normalised), so "starts with" is a range
-- of this primary key; COLLATE "C" makes that range byte order, as on
-- SQLite, whatever the database's collation. `name` is the list's sort key,
-- kept in the index so matches sort without reading `patients`. Written by
-- db::patients on enrolment and on every change of name or email; rows for
-- patients enrolled before this migration are added when the database is
-- next opened (db::migrate_on).
CREATE TABLE patient_search (
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    term TEXT COLLATE "C" NOT NULL,
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    name TEXT NOT NULL,
    PRIMARY KEY (clinic_id, term, patient_id) INCLUDE (name)
);
CREATE INDEX patient_search_patient ON patient_search(patient_id, term);

-- The list's order, (name, id), from the index alone (SQLite's index holds
-- the id already: it is the rowid).
DROP INDEX patients_clinic_name;
CREATE INDEX patients_clinic_name ON patients(clinic_id, name, id);

-- How many patients a clinic has, for the list's pager: kept by the
-- database itself, so no write path can forget it and no page counts them.
ALTER TABLE clinics ADD COLUMN patients_count BIGINT NOT NULL DEFAULT 0;
UPDATE clinics SET patients_count = (SELECT COUNT(*) FROM patients WHERE patients.clinic_id = clinics.id);
CREATE FUNCTION patients_count_follows() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE clinics SET patients_count = patients_count + 1 WHERE id = NEW.clinic_id;
    ELSE
        UPDATE clinics SET patients_count = patients_count - 1 WHERE id = OLD.clinic_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER patients_counted AFTER INSERT OR DELETE ON patients
FOR EACH ROW EXECUTE FUNCTION patients_count_follows();

-- The list's "invited, not active" filter: only accounts without a password.
CREATE INDEX accounts_invited ON accounts(id) WHERE password_hash IS NULL;

-- The queue groups every unresolved flag of the clinic by patient and
-- severity: in this order, from the index alone and already grouped.
DROP INDEX flags_queue;
CREATE INDEX flags_queue ON flags(clinic_id, state, patient_id, severity_rank, raised_at);
