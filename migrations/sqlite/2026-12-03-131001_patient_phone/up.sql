-- The patient's phone number (issue 13, item 1): optional, kept as the clinic
-- typed it (what staff read) and as a tel: URI (what the call link dials).
ALTER TABLE patients ADD COLUMN phone TEXT;
ALTER TABLE patients ADD COLUMN phone_tel TEXT;
