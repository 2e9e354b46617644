-- +goose Up
CREATE TABLE accounts (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE inboxes (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id          INTEGER NOT NULL REFERENCES accounts (id),
	name                TEXT    NOT NULL,
	channel             TEXT    NOT NULL,
	identifier          TEXT    NOT NULL UNIQUE,
	additional_settings TEXT    NOT NULL DEFAULT '{}',
	push_enabled        INTEGER NOT NULL DEFAULT 0,
	push_url            TEXT    NOT NULL DEFAULT '',
	push_headers        TEXT    NOT NULL DEFAULT '{}',
	push_bearer_token   TEXT    NOT NULL DEFAULT '',
	push_params         TEXT    NOT NULL DEFAULT '{}',
	created_at          INTEGER NOT NULL
);
CREATE INDEX inboxes_account ON inboxes (account_id, id);

CREATE TABLE users (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id        INTEGER NOT NULL REFERENCES accounts (id),
	name              TEXT    NOT NULL,
	display_name      TEXT    NOT NULL DEFAULT '',
	email             TEXT    NOT NULL,
	role              TEXT    NOT NULL,
	access_token      TEXT    NOT NULL,
	access_token_hash TEXT    NOT NULL UNIQUE,
	pubsub_token      TEXT    NOT NULL,
	pubsub_token_hash TEXT    NOT NULL UNIQUE,
	avatar_url        TEXT    NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL
);
CREATE INDEX users_account ON users (account_id, id);

-- Agent bots answer conversations through the agent API (a later feature);
-- the table exists now so that message senders resolve the same way for all.
CREATE TABLE agent_bots (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id        INTEGER NOT NULL REFERENCES accounts (id),
	name              TEXT    NOT NULL,
	avatar_url        TEXT    NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL
);

CREATE TABLE contacts (
	id                    INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id            INTEGER NOT NULL REFERENCES accounts (id),
	name                  TEXT    NOT NULL,
	email                 TEXT,
	phone_number          TEXT,
	identifier            TEXT    NOT NULL UNIQUE,
	custom_attributes     TEXT    NOT NULL DEFAULT '{}',
	additional_attributes TEXT    NOT NULL DEFAULT '{}',
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id, id);

CREATE TABLE contact_inboxes (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id        INTEGER NOT NULL REFERENCES accounts (id),
	contact_id        INTEGER NOT NULL REFERENCES contacts (id),
	inbox_id          INTEGER NOT NULL REFERENCES inboxes (id),
	pubsub_token      TEXT    NOT NULL,
	pubsub_token_hash TEXT    NOT NULL UNIQUE
);

CREATE TABLE conversations (
	id                    INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id            INTEGER NOT NULL REFERENCES accounts (id),
	inbox_id              INTEGER NOT NULL REFERENCES inboxes (id),
	contact_id            INTEGER NOT NULL REFERENCES contacts (id),
	contact_inbox_id      INTEGER NOT NULL UNIQUE REFERENCES contact_inboxes (id),
	status                TEXT    NOT NULL,
	substatus             TEXT    NOT NULL,
	priority              INTEGER NOT NULL DEFAULT 0,
	subpriority           INTEGER NOT NULL DEFAULT 0,
	assignee_id           INTEGER REFERENCES users (id),
	team_id               INTEGER,
	dialog_id             TEXT    NOT NULL DEFAULT '',
	additional_attributes TEXT    NOT NULL DEFAULT '{}',
	custom_attributes     TEXT    NOT NULL DEFAULT '{}',
	snoozed_until         INTEGER,
	agent_last_seen_at    INTEGER,
	contact_last_seen_at  INTEGER,
	last_activity_at      INTEGER NOT NULL,
	last_stamp            INTEGER NOT NULL DEFAULT 0,
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL
);
CREATE INDEX conversations_account ON conversations (account_id, status, last_activity_at);
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;

CREATE TABLE messages (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id          INTEGER NOT NULL,
	inbox_id            INTEGER NOT NULL,
	conversation_id     INTEGER NOT NULL REFERENCES conversations (id),
	dialog_id           TEXT    NOT NULL DEFAULT '',
	message_type        TEXT    NOT NULL,
	content_type        TEXT    NOT NULL,
	content             TEXT,
	content_attributes  TEXT    NOT NULL DEFAULT '{}',
	private             INTEGER NOT NULL DEFAULT 0,
	pinned              INTEGER NOT NULL DEFAULT 0,
	status              TEXT    NOT NULL,
	sender_type         TEXT    NOT NULL DEFAULT '',
	sender_id           INTEGER,
	echo_id             TEXT,
	source_id           TEXT,
	reply_to_id         INTEGER,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	deleted_at          INTEGER
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_conversation_updated ON messages (conversation_id, updated_at);
CREATE UNIQUE INDEX messages_echo ON messages (conversation_id, echo_id) WHERE echo_id IS NOT NULL;

CREATE TABLE attachments (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	message_id     INTEGER NOT NULL REFERENCES messages (id),
	account_id     INTEGER NOT NULL,
	file_type      TEXT    NOT NULL,
	fallback_title TEXT,
	extension      TEXT,
	data_url       TEXT    NOT NULL,
	thumb_url      TEXT    NOT NULL,
	file_size      INTEGER NOT NULL,
	mime_type      TEXT    NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE reactions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	message_id  INTEGER NOT NULL REFERENCES messages (id),
	content     TEXT    NOT NULL,
	sender_type TEXT    NOT NULL,
	sender_id   INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (message_id, sender_type, sender_id)
);

CREATE TABLE push_tokens (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	conversation_id INTEGER NOT NULL REFERENCES conversations (id),
	token           TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	UNIQUE (conversation_id, token)
);

-- +goose Down
DROP TABLE push_tokens;
DROP TABLE reactions;
DROP TABLE attachments;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE contact_inboxes;
DROP TABLE contacts;
DROP TABLE agent_bots;
DROP TABLE users;
DROP TABLE inboxes;
DROP TABLE accounts;
