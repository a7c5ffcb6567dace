-- A staff member's second factor (RFC 6238 TOTP). The secret is encrypted
-- with TOTP_KEY (nonce || ciphertext, base64); a row without confirmed_at is
-- an enrolment in progress. last_step is the last time step accepted, so a
-- code is accepted once only.
CREATE TABLE staff_totp (
    account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
    secret TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT,
    created_at TIMESTAMP NOT NULL
);
-- Single-use recovery codes, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_account ON recovery_codes(account_id);
