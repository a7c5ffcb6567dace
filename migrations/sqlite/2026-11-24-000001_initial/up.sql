-- Aftercare's data model (SQLite). Kept column-for-column in step with
-- migrations/postgres; tests/migrations.rs compares the two.
-- Timestamps are UTC; dates are the clinic's local calendar dates.

CREATE TABLE clinics (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    alert_email TEXT NOT NULL,
    escalation_email TEXT,
    reminder_time TIME NOT NULL DEFAULT '18:00:00',
    workday_start TIME NOT NULL DEFAULT '08:00:00',
    workday_end TIME NOT NULL DEFAULT '18:00:00',
    escalation_minutes INTEGER NOT NULL DEFAULT 120,
    review_digest BOOLEAN NOT NULL DEFAULT 0,
    follow_up_days INTEGER NOT NULL DEFAULT 84,
    require_totp BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    password_hash TEXT,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    password_changed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts(id),
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_clinic ON staff(clinic_id);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts(id),
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    name TEXT NOT NULL,
    skin_type INTEGER,
    cold_sores BOOLEAN NOT NULL DEFAULT 0,
    reminders BOOLEAN NOT NULL DEFAULT 1,
    follow_up_closed_at TIMESTAMP,
    last_checkin_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX patients_clinic_name ON patients(clinic_id, name);

CREATE TABLE treatments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    procedure TEXT NOT NULL,
    treated_on DATE NOT NULL,
    zones TEXT NOT NULL DEFAULT '',
    antiviral BOOLEAN NOT NULL DEFAULT 0,
    antibiotic BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX treatments_patient ON treatments(patient_id, treated_on);
CREATE INDEX treatments_clinic_date ON treatments(clinic_id, treated_on);

CREATE TABLE rules_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    version INTEGER NOT NULL,
    settings TEXT NOT NULL,
    created_by BIGINT REFERENCES staff(id),
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (clinic_id, version)
);

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    treatment_id BIGINT NOT NULL REFERENCES treatments(id),
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    day DATE NOT NULL,
    day_number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    overall TEXT NOT NULL,
    pain INTEGER NOT NULL,
    pain_relief TEXT NOT NULL,
    itch INTEGER NOT NULL,
    swelling INTEGER NOT NULL,
    eyes_swollen_shut BOOLEAN NOT NULL,
    redness INTEGER NOT NULL,
    redness_spreading BOOLEAN NOT NULL,
    oozing TEXT NOT NULL,
    crusts TEXT NOT NULL,
    blisters BOOLEAN NOT NULL,
    tingling BOOLEAN NOT NULL,
    pimples BOOLEAN NOT NULL,
    white_patches BOOLEAN NOT NULL,
    rash_outside BOOLEAN NOT NULL,
    raw_area BOOLEAN NOT NULL,
    lip_swelling_or_breathing BOOLEAN NOT NULL,
    fever BOOLEAN NOT NULL,
    temperature_c DOUBLE PRECISION,
    vision_change BOOLEAN NOT NULL,
    eye_pain BOOLEAN NOT NULL,
    cannot_close_eye BOOLEAN NOT NULL,
    lid_pulling BOOLEAN NOT NULL,
    bleeding BOOLEAN NOT NULL,
    want_call BOOLEAN NOT NULL,
    prophylaxis TEXT NOT NULL,
    dark_patches BOOLEAN NOT NULL,
    light_patches BOOLEAN NOT NULL,
    raised_area BOOLEAN NOT NULL,
    raised_area_site TEXT,
    note TEXT,
    highest_severity TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    entered_at TIMESTAMP NOT NULL,
    first_entered_at TIMESTAMP NOT NULL,
    UNIQUE (treatment_id, day)
);
CREATE INDEX checkins_patient_day ON checkins(patient_id, day);
CREATE INDEX checkins_clinic_entered ON checkins(clinic_id, entered_at);

-- Earlier versions of an amended check-in, whole, as JSON: never deleted.
CREATE TABLE checkin_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    checkin_id BIGINT NOT NULL REFERENCES checkins(id),
    version INTEGER NOT NULL,
    answers TEXT NOT NULL,
    highest_severity TEXT,
    entered_at TIMESTAMP NOT NULL,
    UNIQUE (checkin_id, version)
);

CREATE TABLE flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    treatment_id BIGINT NOT NULL REFERENCES treatments(id),
    checkin_id BIGINT REFERENCES checkins(id),
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    reason TEXT NOT NULL,
    inputs TEXT NOT NULL,
    rules_version_id BIGINT NOT NULL REFERENCES rules_versions(id),
    dedup_key TEXT,
    occurrences INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    notified_severity TEXT,
    acknowledged_by BIGINT REFERENCES staff(id),
    acknowledged_at TIMESTAMP,
    resolved_by BIGINT REFERENCES staff(id),
    resolved_at TIMESTAMP,
    resolution_note TEXT,
    escalated_at TIMESTAMP
);
-- The triage queue: open work by urgency, oldest first.
CREATE INDEX flags_queue ON flags(clinic_id, state, severity_rank, raised_at);
CREATE INDEX flags_treatment_rule ON flags(treatment_id, rule_id, state);
CREATE INDEX flags_patient ON flags(patient_id, raised_at);
CREATE INDEX flags_escalation ON flags(severity, state, escalated_at, raised_at);
-- Scheduled findings (missed check-ins) are raised once per day described.
CREATE UNIQUE INDEX flags_dedup ON flags(treatment_id, rule_id, dedup_key);

CREATE TABLE flag_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    flag_id BIGINT NOT NULL REFERENCES flags(id),
    kind TEXT NOT NULL,
    severity TEXT,
    staff_id BIGINT REFERENCES staff(id),
    detail TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX flag_events_flag ON flag_events(flag_id, at);

-- Scheduled findings (reminders M1, missed check-ins M2/M3) already acted
-- on: the primary key makes each happen once, whichever process gets there.
CREATE TABLE scheduled_findings (
    treatment_id BIGINT NOT NULL REFERENCES treatments(id),
    rule_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (treatment_id, rule_id, dedup_key)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    clinic_id BIGINT REFERENCES clinics(id),
    flag_id BIGINT REFERENCES flags(id),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_clinic ON outbox(clinic_id, status, created_at);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ip TEXT
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Invite, set-password, reset and first-run setup links: only the hash is kept.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    account_id BIGINT REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX tokens_account ON tokens(account_id, purpose);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    clinic_id BIGINT REFERENCES clinics(id),
    actor_account_id BIGINT REFERENCES accounts(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    ip TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_clinic_at ON audit_log(clinic_id, at);

-- The audit log is append-only: the database itself refuses edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
