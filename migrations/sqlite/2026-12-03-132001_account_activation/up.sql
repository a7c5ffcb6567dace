-- When the person first set a password (accepted the invite, or got one at
-- creation): missed check-ins and reminders count from this day, and a
-- patient without it shows as "invited".
ALTER TABLE accounts ADD COLUMN activated_at TIMESTAMP;
-- Existing accounts: the invite's acceptance when the audit log has it,
-- else the account's creation (the earliest possible, so no missed check-in
-- that would have been flagged before is skipped).
UPDATE accounts SET activated_at = COALESCE(
    (SELECT MIN(a.at) FROM audit_log a WHERE a.actor_account_id = accounts.id AND a.action = 'invite.accept'),
    created_at)
WHERE password_hash IS NOT NULL;
