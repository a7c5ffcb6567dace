DROP INDEX flags_clinic_raised;
DROP INDEX checkins_treatment_due;
DROP INDEX checkins_clinic_day;
