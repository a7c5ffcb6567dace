ALTER TABLE patients DROP COLUMN phone_tel;
ALTER TABLE patients DROP COLUMN phone;
