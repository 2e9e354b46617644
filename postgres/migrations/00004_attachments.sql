-- +goose Up
-- Attachments keep where their bytes are (blob keys in the BlobStore) and
-- the sender's file name; data_url and thumb_url stay the absolute URLs
-- clients get. Rows from before this migration (there were none: files were
-- refused) have no key.
ALTER TABLE attachments ADD COLUMN file_name TEXT NOT NULL DEFAULT '';
ALTER TABLE attachments ADD COLUMN blob_key TEXT;
ALTER TABLE attachments ADD COLUMN thumb_key TEXT;
ALTER TABLE attachments ADD COLUMN thumb_mime_type TEXT;

-- Serving a file looks it up by either key.
CREATE UNIQUE INDEX attachments_blob_key ON attachments (blob_key) WHERE blob_key IS NOT NULL;
CREATE UNIQUE INDEX attachments_thumb_key ON attachments (thumb_key) WHERE thumb_key IS NOT NULL;

-- The outbox of file deletions: a message's deletion records its blobs here
-- in the same transaction, and a row goes once its blob is deleted, so that
-- a crash in between leaves work that the sweeper finishes.
CREATE TABLE blob_deletions (
	blob_key   TEXT    PRIMARY KEY,
	created_at BIGINT  NOT NULL
);
CREATE INDEX blob_deletions_created ON blob_deletions (created_at);

-- +goose Down
DROP TABLE blob_deletions;
DROP INDEX attachments_thumb_key;
DROP INDEX attachments_blob_key;
ALTER TABLE attachments DROP COLUMN thumb_mime_type;
ALTER TABLE attachments DROP COLUMN thumb_key;
ALTER TABLE attachments DROP COLUMN blob_key;
ALTER TABLE attachments DROP COLUMN file_name;
