-- +goose Up
-- Attachment URLs are stored relative to the server's public URL
-- (/files/<key>/<name>) and made absolute when they are shown, so that a
-- server moved to another address keeps serving the files of its old
-- messages. Rows written before held the public URL of their day in front.
UPDATE attachments SET data_url = substr(data_url, instr(data_url, '/files/' || blob_key || '/'))
	WHERE blob_key IS NOT NULL AND instr(data_url, '/files/' || blob_key || '/') > 1;
UPDATE attachments SET thumb_url = substr(thumb_url, instr(thumb_url, '/files/' || thumb_key || '/'))
	WHERE thumb_key IS NOT NULL AND instr(thumb_url, '/files/' || thumb_key || '/') > 1;
-- A file without a thumbnail has its own URL as thumb_url.
UPDATE attachments SET thumb_url = substr(thumb_url, instr(thumb_url, '/files/' || blob_key || '/'))
	WHERE thumb_key IS NULL AND blob_key IS NOT NULL AND instr(thumb_url, '/files/' || blob_key || '/') > 1;

-- +goose Down
-- The public URL the rows had is not known here: they keep their paths,
-- which an older server shows as they are.
