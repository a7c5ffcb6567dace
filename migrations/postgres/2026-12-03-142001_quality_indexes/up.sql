-- The quality report's counts, each read from an index alone: check-ins per
-- day of a clinic (all, and on due days), check-ins on due days per
-- treatment, and flags raised in a date range.
CREATE INDEX checkins_clinic_day ON checkins(clinic_id, day, day_number);
CREATE INDEX checkins_treatment_due ON checkins(treatment_id, day, day_number);
CREATE INDEX flags_clinic_raised ON flags(clinic_id, raised_at);
