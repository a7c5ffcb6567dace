-- Browsers that have signed in to an account before (OWASP "device
-- cookies"): a correct password from one of them is never refused by the
-- per-account failure limit. The cookie holds a random token; only its hash
-- is kept.
CREATE TABLE trusted_devices (
    token_hash TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    PRIMARY KEY (token_hash, account_id)
);
CREATE INDEX trusted_devices_account ON trusted_devices(account_id);
