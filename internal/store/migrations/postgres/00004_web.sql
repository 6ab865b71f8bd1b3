-- +goose Up
-- Web UI sign-in: browser sessions of staff users and one-time login links
-- (first-start admin setup, invitations, password resets). Only SHA-256
-- hashes of the random secrets are stored, so a copy of the database does
-- not let anyone sign in. Passwords live in staff.password_hash (argon2id).

CREATE TABLE web_sessions (
    id_hash       TEXT   PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organisations(id),
    staff_id      BIGINT NOT NULL REFERENCES staff(id),
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX web_sessions_staff ON web_sessions(staff_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);

CREATE TABLE login_links (
    secret_hash  TEXT   PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES organisations(id),
    staff_id     BIGINT NOT NULL REFERENCES staff(id),
    purpose      TEXT   NOT NULL,   -- "setup", "invite" or "reset"
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX login_links_staff ON login_links(staff_id);

-- +goose Down
DROP TABLE login_links;
DROP TABLE web_sessions;
