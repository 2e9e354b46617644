-- +goose Up
-- One index serves both ways of reading a conversation's messages: by ID
-- (pages of history) and by update time (the catch-up after a reconnect,
-- which filters on updated_at inside the index and sorts what it finds).
-- A new message now updates two indexes instead of three: the writer is
-- SQLite's bottleneck, and the third was about a seventh of its time per
-- message. A catch-up reads the conversation's entries of this index, not
-- its rows: about a millisecond for 10,000 messages.
DROP INDEX messages_conversation_updated;
DROP INDEX messages_conversation;
CREATE INDEX messages_conversation ON messages (conversation_id, id, updated_at);

-- +goose Down
DROP INDEX messages_conversation;
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_conversation_updated ON messages (conversation_id, updated_at);
