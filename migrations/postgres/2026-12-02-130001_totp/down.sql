DROP TABLE recovery_codes;
DROP TABLE staff_totp;
