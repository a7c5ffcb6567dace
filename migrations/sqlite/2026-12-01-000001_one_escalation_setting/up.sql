-- One escalation setting: the clinic's escalation_minutes (settings page).
-- The rules page used to offer escalation_window_minutes as well, stored in
-- the rules JSON and read by nothing. Where a clinic changed only that one
-- (its current rules version says something other than the default 120 and
-- escalation_minutes is still the default 120), the clinic meant it: carry
-- it over, within the settings page's range (5 to 1440). Where both were
-- changed, the one escalation actually used wins. Stored rules versions are
-- history and stay as written; the field in them is ignored when read.
-- Kept in step with migrations/postgres.
UPDATE clinics
SET escalation_minutes = (
    SELECT MIN(MAX(CAST(ROUND(json_extract(rv.settings, '$.escalation_window_minutes')) AS INTEGER), 5), 1440)
    FROM rules_versions rv
    WHERE rv.clinic_id = clinics.id AND json_valid(rv.settings)
    ORDER BY rv.version DESC
    LIMIT 1
)
WHERE escalation_minutes = 120
  AND EXISTS (
    SELECT 1 FROM rules_versions rv
    WHERE rv.clinic_id = clinics.id
      AND rv.version = (SELECT MAX(version) FROM rules_versions WHERE clinic_id = clinics.id)
      AND json_valid(rv.settings)
      AND json_type(rv.settings, '$.escalation_window_minutes') IN ('integer', 'real')
      AND json_extract(rv.settings, '$.escalation_window_minutes') <> 120
  );
