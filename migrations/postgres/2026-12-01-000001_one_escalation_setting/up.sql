-- One escalation setting: the clinic's escalation_minutes (settings page).
-- The rules page used to offer escalation_window_minutes as well, stored in
-- the rules JSON and read by nothing. Where a clinic changed only that one
-- (its current rules version says something other than the default 120 and
-- escalation_minutes is still the default 120), the clinic meant it: carry
-- it over, within the settings page's range (5 to 1440). Where both were
-- changed, the one escalation actually used wins. Stored rules versions are
-- history and stay as written; the field in them is ignored when read.
-- Kept in step with migrations/sqlite.
DO $$
DECLARE
    r RECORD;
    v NUMERIC;
BEGIN
    FOR r IN
        SELECT c.id AS clinic_id, rv.settings
        FROM clinics c
        JOIN rules_versions rv ON rv.clinic_id = c.id
        WHERE c.escalation_minutes = 120
          AND rv.version = (SELECT MAX(version) FROM rules_versions WHERE clinic_id = c.id)
    LOOP
        BEGIN
            v := (r.settings::jsonb ->> 'escalation_window_minutes')::numeric;
        EXCEPTION WHEN others THEN
            -- Unreadable JSON or not a number: keep the clinic's setting.
            v := NULL;
        END;
        IF v IS NOT NULL AND v <> 120 THEN
            UPDATE clinics SET escalation_minutes = LEAST(GREATEST(ROUND(v)::integer, 5), 1440)
            WHERE id = r.clinic_id;
        END IF;
    END LOOP;
END
$$;
