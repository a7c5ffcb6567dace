-- What the patient was told after the check-in (issue 10, bug 2): the rules'
-- advice is stored with the check-in so the result page shows that decision
-- instead of reading the answers a second time.
ALTER TABLE checkins ADD COLUMN advice TEXT NOT NULL DEFAULT 'normal';

-- Existing check-ins keep what their result page showed until now.
UPDATE checkins SET advice = CASE
    WHEN highest_severity = 'urgent' AND rash_outside AND lip_swelling_or_breathing AND EXISTS (
        SELECT 1 FROM flags
        WHERE flags.checkin_id = checkins.id AND flags.rule_id = 'U10' AND flags.severity = 'urgent'
    ) THEN 'emergency'
    WHEN highest_severity = 'urgent' THEN 'call_clinic'
    WHEN highest_severity = 'review' THEN 'review'
    ELSE 'normal'
END;
