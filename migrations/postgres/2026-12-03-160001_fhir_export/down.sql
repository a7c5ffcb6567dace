DROP TABLE export_files;
DROP TABLE export_jobs;
DROP TABLE api_tokens;
