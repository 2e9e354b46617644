-- +goose Up
-- An agent's email is unique within its account, ignoring case.
CREATE UNIQUE INDEX users_account_email ON users (account_id, lower(email));

-- The agent's conversation list: every status, most recently active first,
-- and the "mine" and "assigned" tabs.
CREATE INDEX conversations_activity ON conversations (account_id, last_activity_at);
CREATE INDEX conversations_assignee ON conversations (account_id, assignee_id);

-- Reopening snoozed conversations looks for due snoozes across accounts.
DROP INDEX conversations_snoozed;
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE status = 'snoozed' AND snoozed_until IS NOT NULL;

-- +goose Down
DROP INDEX conversations_snoozed;
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE snoozed_until IS NOT NULL;
DROP INDEX conversations_assignee;
DROP INDEX conversations_activity;
DROP INDEX users_account_email;
