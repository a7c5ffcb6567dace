-- Photos a patient adds with a check-in: only the re-encoded JPEG and its
-- thumbnail (no original bytes, no metadata). Kept in the database so
-- backups, transactions and several processes need nothing else.
CREATE TABLE photos (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    checkin_id BIGINT NOT NULL REFERENCES checkins(id),
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    added_by BIGINT NOT NULL REFERENCES accounts(id),
    added_at TIMESTAMP NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    thumb_size_bytes BIGINT NOT NULL,
    thumb_width INTEGER NOT NULL,
    thumb_height INTEGER NOT NULL,
    bytes BYTEA NOT NULL,
    thumbnail BYTEA NOT NULL
);
CREATE INDEX photos_checkin ON photos(checkin_id);
CREATE INDEX photos_patient ON photos(patient_id, added_at);
CREATE INDEX photos_clinic ON photos(clinic_id);

-- "Ask for a photo": open until a photo of that patient arrives.
CREATE TABLE photo_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id BIGINT NOT NULL REFERENCES patients(id),
    clinic_id BIGINT NOT NULL REFERENCES clinics(id),
    flag_id BIGINT REFERENCES flags(id),
    requested_by BIGINT NOT NULL REFERENCES staff(id),
    requested_at TIMESTAMP NOT NULL,
    fulfilled_at TIMESTAMP
);
CREATE INDEX photo_requests_patient ON photo_requests(patient_id, fulfilled_at);
