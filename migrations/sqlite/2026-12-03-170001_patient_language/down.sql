ALTER TABLE patients DROP COLUMN language;
