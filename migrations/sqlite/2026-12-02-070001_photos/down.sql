DROP TABLE photo_requests;
DROP TABLE photos;
