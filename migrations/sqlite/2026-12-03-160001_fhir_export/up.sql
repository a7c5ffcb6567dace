-- API tokens: read-only access to one clinic's FHIR endpoints for another
-- system. Only the SHA-256 of the token is kept; it is shown once.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT NOT NULL REFERENCES staff(id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_clinic ON api_tokens(clinic_id, id);

-- A FHIR Bulk Data export ($export): claimed by one worker at a time with a
-- lease, so a restart resumes it and two processes never run it twice.
-- `after_patient` is the last patient id whose resources are stored.
CREATE TABLE export_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    requested_by TEXT NOT NULL,
    request_url TEXT NOT NULL,
    types TEXT NOT NULL,
    since TIMESTAMP,
    state TEXT NOT NULL,
    after_patient BIGINT NOT NULL,
    patients_total BIGINT NOT NULL,
    patients_done BIGINT NOT NULL,
    claimed_by TEXT,
    lease_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error TEXT
);
CREATE INDEX export_jobs_state ON export_jobs(state, lease_until);

-- The NDJSON output: one file per resource type per page of patients,
-- kept in the database (like photos) so backups and several processes
-- need nothing else.
CREATE TABLE export_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    job_id TEXT NOT NULL REFERENCES export_jobs(id),
    resource_type TEXT NOT NULL,
    resources BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX export_files_job ON export_files(job_id, id);
