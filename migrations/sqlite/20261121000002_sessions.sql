-- A session is one sign-in on one device: the family of its refresh tokens.
-- Access tokens carry the session id (`sid`), so revoking the session
-- refuses them at once, before they expire.
create table sessions (
    -- 128 random bits, hex
    id          text    primary key,
    user_id     bigint  not null references users (id) on delete cascade,
    created_at  bigint  not null,
    -- the family's refresh tokens are not accepted after this
    expires_at  bigint  not null,
    revoked_at  bigint
);

create index sessions_user on sessions (user_id);

-- Opaque refresh tokens, stored only as SHA-256 hashes. Each is used once:
-- refreshing marks it used and issues its successor in the same session;
-- presenting a used one again revokes the whole session.
create table refresh_tokens (
    token_hash  text    primary key,
    session_id  text    not null references sessions (id) on delete cascade,
    created_at  bigint  not null,
    used_at     bigint
);

create index refresh_tokens_session on refresh_tokens (session_id);
