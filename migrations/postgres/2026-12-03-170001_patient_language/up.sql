-- The language a patient reads their pages and emails in (i18n::Tr);
-- existing patients keep English.
ALTER TABLE patients ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
