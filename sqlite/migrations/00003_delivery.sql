-- +goose Up
-- Agent bots answer conversations through the agent API with their own
-- token, and receive events at their outgoing URL.
ALTER TABLE agent_bots ADD COLUMN description       TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_bots ADD COLUMN outgoing_url      TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_bots ADD COLUMN access_token      TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_bots ADD COLUMN access_token_hash TEXT;
CREATE UNIQUE INDEX agent_bots_token ON agent_bots (access_token_hash);
CREATE INDEX agent_bots_account ON agent_bots (account_id, id);

-- An inbox handed to a bot: its conversations start pending and the bot
-- receives their events.
ALTER TABLE inboxes ADD COLUMN agent_bot_id INTEGER REFERENCES agent_bots (id);

-- Account webhooks (Chatwoot's), each with its own signing secret.
CREATE TABLE webhooks (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id    INTEGER NOT NULL REFERENCES accounts (id),
	name          TEXT    NOT NULL DEFAULT '',
	url           TEXT    NOT NULL,
	subscriptions TEXT    NOT NULL DEFAULT '[]',
	secret        TEXT    NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (account_id, url)
);

-- The outbox: one row for each notification of one receiver, written in the
-- transaction of the change that causes it. Workers claim due rows by
-- setting locked_until (a lease); order_key names the receiver and the
-- conversation (or contact), whose rows are delivered one at a time, oldest
-- first. The indexes are few and mostly partial (pending or dead rows only):
-- each one is written on the message hot path when someone listens.
CREATE TABLE deliveries (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	uid             TEXT    NOT NULL, -- a random UUID, unique in practice
	account_id      INTEGER NOT NULL REFERENCES accounts (id),
	kind            TEXT    NOT NULL,
	receiver_id     INTEGER NOT NULL,
	event           TEXT    NOT NULL,
	conversation_id INTEGER NOT NULL DEFAULT 0,
	order_key       TEXT    NOT NULL,
	url             TEXT    NOT NULL DEFAULT '',
	body            BLOB    NOT NULL,
	status          TEXT    NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	locked_until    INTEGER NOT NULL DEFAULT 0,
	started_at      INTEGER NOT NULL,
	last_status     INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	delivered_at    INTEGER
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries (order_key, id) WHERE status = 'pending';
CREATE INDEX deliveries_account ON deliveries (account_id, id);
CREATE INDEX deliveries_dead ON deliveries (id) WHERE status = 'dead';

CREATE TABLE delivery_attempts (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	delivery_id  INTEGER NOT NULL REFERENCES deliveries (id),
	attempted_at INTEGER NOT NULL,
	duration_ms  INTEGER NOT NULL,
	status_code  INTEGER NOT NULL DEFAULT 0,
	error        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhooks;
ALTER TABLE inboxes DROP COLUMN agent_bot_id;
DROP INDEX agent_bots_account;
DROP INDEX agent_bots_token;
ALTER TABLE agent_bots DROP COLUMN access_token_hash;
ALTER TABLE agent_bots DROP COLUMN access_token;
ALTER TABLE agent_bots DROP COLUMN outgoing_url;
ALTER TABLE agent_bots DROP COLUMN description;
