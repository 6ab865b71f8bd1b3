-- +goose Up
-- Core schema. Times are Unix milliseconds (UTC) in BIGINT columns so that the
-- same SQL and the same comparisons work on SQLite and PostgreSQL.
-- Every row that holds personal data carries org_id and, where it belongs to a
-- data subject, person_id, with an index to find it from the person.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    language    TEXT    NOT NULL DEFAULT 'sv',
    audit_key   BLOB    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE staff (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT  NOT NULL REFERENCES organisations(id),
    name           TEXT    NOT NULL,
    email          TEXT    NOT NULL,
    email_key      TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    avatar_url     TEXT    NOT NULL DEFAULT '',
    password_hash  TEXT    NOT NULL DEFAULT '',
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX staff_org_email ON staff(org_id, email_key);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organisations(id),
    staff_id      BIGINT NOT NULL REFERENCES staff(id),
    name          TEXT   NOT NULL,
    prefix        TEXT   NOT NULL,
    secret_hash   TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens(secret_hash);
CREATE INDEX api_tokens_org ON api_tokens(org_id, id);

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    module      TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    address     TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX channels_org ON channels(org_id, id);
CREATE INDEX channels_address ON channels(address) WHERE address <> '';

CREATE TABLE channel_members (
    channel_id  BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    staff_id    BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    org_id      BIGINT NOT NULL,
    PRIMARY KEY (channel_id, staff_id)
);
CREATE INDEX channel_members_staff ON channel_members(staff_id);

CREATE TABLE persons (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    email       TEXT   NOT NULL DEFAULT '',
    email_key   TEXT,
    name        TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX persons_org_email ON persons(org_id, email_key);

CREATE TABLE forum_topics (
    id                INTEGER PRIMARY KEY,
    org_id            BIGINT NOT NULL,
    channel_id        BIGINT NOT NULL REFERENCES channels(id),
    title             TEXT   NOT NULL,
    person_id         BIGINT REFERENCES persons(id),
    created_at        BIGINT NOT NULL,
    last_activity_at  BIGINT NOT NULL,
    hold_reason       TEXT,
    held_at           BIGINT,
    held_by           BIGINT
);
CREATE INDEX forum_topics_channel ON forum_topics(org_id, channel_id, last_activity_at);
CREATE INDEX forum_topics_person ON forum_topics(person_id) WHERE person_id IS NOT NULL;

CREATE TABLE forum_posts (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT  NOT NULL,
    channel_id     BIGINT  NOT NULL REFERENCES channels(id),
    topic_id       BIGINT  NOT NULL REFERENCES forum_topics(id),
    parent_id      BIGINT  REFERENCES forum_posts(id),
    kind           TEXT    NOT NULL,
    person_id      BIGINT  REFERENCES persons(id),
    author_name    TEXT    NOT NULL DEFAULT '',
    author_email   TEXT    NOT NULL DEFAULT '',
    author_ip      TEXT    NOT NULL DEFAULT '',
    body           TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    anonymized_at  BIGINT,
    removed        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX forum_posts_topic ON forum_posts(topic_id, created_at);
CREATE INDEX forum_posts_channel_created ON forum_posts(channel_id, created_at);
CREATE INDEX forum_posts_person ON forum_posts(person_id) WHERE person_id IS NOT NULL;

CREATE TABLE mail_conversations (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL REFERENCES channels(id),
    subject          TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    last_message_at  BIGINT NOT NULL,
    hold_reason      TEXT,
    held_at          BIGINT,
    held_by          BIGINT
);
CREATE INDEX mail_conversations_channel ON mail_conversations(org_id, channel_id, last_message_at);

CREATE TABLE mail_participants (
    conversation_id  BIGINT NOT NULL REFERENCES mail_conversations(id) ON DELETE CASCADE,
    person_id        BIGINT NOT NULL REFERENCES persons(id),
    org_id           BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, person_id)
);
CREATE INDEX mail_participants_person ON mail_participants(person_id);

CREATE TABLE mail_messages (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    channel_id       BIGINT NOT NULL REFERENCES channels(id),
    conversation_id  BIGINT NOT NULL REFERENCES mail_conversations(id) ON DELETE CASCADE,
    direction        TEXT   NOT NULL,
    person_id        BIGINT REFERENCES persons(id),
    staff_id         BIGINT,
    from_addr        TEXT   NOT NULL,
    from_name        TEXT   NOT NULL DEFAULT '',
    to_addrs         TEXT   NOT NULL DEFAULT '',
    subject          TEXT   NOT NULL DEFAULT '',
    body             TEXT   NOT NULL DEFAULT '',
    message_id       TEXT   NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL
);
CREATE INDEX mail_messages_conversation ON mail_messages(conversation_id, created_at);
CREATE INDEX mail_messages_person ON mail_messages(person_id) WHERE person_id IS NOT NULL;
CREATE INDEX mail_messages_msgid ON mail_messages(org_id, message_id) WHERE message_id <> '';

CREATE TABLE mail_attachments (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL,
    message_id    BIGINT NOT NULL REFERENCES mail_messages(id) ON DELETE CASCADE,
    filename      TEXT   NOT NULL,
    content_type  TEXT   NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT   NOT NULL,
    content       BLOB   NOT NULL
);
CREATE INDEX mail_attachments_message ON mail_attachments(message_id);

CREATE TABLE chat_conversations (
    id                 INTEGER PRIMARY KEY,
    org_id             BIGINT NOT NULL,
    channel_id         BIGINT NOT NULL REFERENCES channels(id),
    person_id          BIGINT REFERENCES persons(id),
    participant_name   TEXT   NOT NULL DEFAULT '',
    participant_email  TEXT   NOT NULL DEFAULT '',
    participant_ip     TEXT   NOT NULL DEFAULT '',
    access_hash        TEXT   NOT NULL DEFAULT '',
    opened_at          BIGINT NOT NULL,
    closed_at          BIGINT,
    last_message_at    BIGINT NOT NULL,
    hold_reason        TEXT,
    held_at            BIGINT,
    held_by            BIGINT
);
CREATE INDEX chat_conversations_closed ON chat_conversations(org_id, channel_id, closed_at);
CREATE INDEX chat_conversations_open ON chat_conversations(last_message_at) WHERE closed_at IS NULL;
CREATE INDEX chat_conversations_person ON chat_conversations(person_id) WHERE person_id IS NOT NULL;

CREATE TABLE chat_messages (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL,
    conversation_id  BIGINT NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
    sender           TEXT   NOT NULL,
    staff_id         BIGINT,
    body             TEXT   NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX chat_messages_conversation ON chat_messages(conversation_id, created_at);

CREATE TABLE social_items (
    id                    INTEGER PRIMARY KEY,
    org_id                BIGINT NOT NULL,
    channel_id            BIGINT NOT NULL REFERENCES channels(id),
    external_id           TEXT   NOT NULL,
    parent_id             BIGINT REFERENCES social_items(id),
    kind                  TEXT   NOT NULL,
    person_id             BIGINT REFERENCES persons(id),
    external_author_id    TEXT   NOT NULL,
    external_author_name  TEXT   NOT NULL DEFAULT '',
    body                  TEXT   NOT NULL,
    created_at            BIGINT NOT NULL
);
CREATE UNIQUE INDEX social_items_external ON social_items(channel_id, external_id);
CREATE INDEX social_items_person ON social_items(person_id) WHERE person_id IS NOT NULL;
CREATE INDEX social_items_author ON social_items(channel_id, external_author_id);

CREATE TABLE knowledge_articles (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL REFERENCES channels(id),
    staff_id    BIGINT,
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX knowledge_articles_channel ON knowledge_articles(org_id, channel_id);

CREATE TABLE custom_fields (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL,
    subject_type  TEXT   NOT NULL,
    subject_id    BIGINT NOT NULL,
    person_id     BIGINT REFERENCES persons(id),
    key           TEXT   NOT NULL,
    value         TEXT   NOT NULL
);
CREATE UNIQUE INDEX custom_fields_subject ON custom_fields(org_id, subject_type, subject_id, key);
CREATE INDEX custom_fields_person ON custom_fields(person_id) WHERE person_id IS NOT NULL;

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    actor_type    TEXT   NOT NULL,
    actor_id      BIGINT NOT NULL DEFAULT 0,
    action        TEXT   NOT NULL,
    subject_type  TEXT   NOT NULL DEFAULT '',
    subject_id    BIGINT NOT NULL DEFAULT 0,
    details       TEXT   NOT NULL DEFAULT '{}',
    prev_hash     TEXT   NOT NULL,
    hash          TEXT   NOT NULL
);
CREATE UNIQUE INDEX audit_log_chain ON audit_log(org_id, seq);
CREATE INDEX audit_log_action ON audit_log(org_id, action, seq);

-- The head of each organisation's audit chain. Appending updates this row in
-- the same transaction, which serialises appends per organisation on every
-- engine without advisory locks.
CREATE TABLE audit_heads (
    org_id  BIGINT PRIMARY KEY,
    seq     BIGINT NOT NULL,
    hash    TEXT   NOT NULL
);

-- Background jobs: a row per job run request, claimed with a lease so that
-- several processes can share the work and a crashed worker's job is retried.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    name         TEXT   NOT NULL,
    org_id       BIGINT NOT NULL DEFAULT 0,
    unique_key   TEXT   NOT NULL DEFAULT '',
    payload      TEXT   NOT NULL DEFAULT '{}',
    status       TEXT   NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT   NOT NULL DEFAULT '',
    lease_until  BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs(status, run_at);
-- At most one pending or running job per non-empty unique key (e.g. one
-- scheduled purge), so several schedulers can enqueue without duplicates.
CREATE UNIQUE INDEX jobs_unique_active ON jobs(unique_key) WHERE unique_key <> '' AND status IN ('pending', 'running');

-- Named leases: at most one holder of a name at a time across all processes
-- sharing the database (e.g. the purge).
CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    owner        TEXT   NOT NULL,
    until        BIGINT NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE jobs;
DROP TABLE audit_heads;
DROP TABLE audit_log;
DROP TABLE custom_fields;
DROP TABLE knowledge_articles;
DROP TABLE social_items;
DROP TABLE chat_messages;
DROP TABLE chat_conversations;
DROP TABLE mail_attachments;
DROP TABLE mail_messages;
DROP TABLE mail_participants;
DROP TABLE mail_conversations;
DROP TABLE forum_posts;
DROP TABLE forum_topics;
DROP TABLE persons;
DROP TABLE channel_members;
DROP TABLE channels;
DROP TABLE api_tokens;
DROP TABLE staff;
DROP TABLE organisations;
