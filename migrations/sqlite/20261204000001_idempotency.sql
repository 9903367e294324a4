-- Idempotency keys (the kernel's `idempotency` module): one row per person,
-- scope and key, claimed in the transaction that does the keyed work and
-- holding its first response (JSON), so a retry replays it. Rows older than
-- a day are forgotten.
create table idempotency_keys (
    user_id      bigint  not null references users (id) on delete cascade,
    -- booking, order, wallet or chat_message
    scope        text    not null,
    key          text    not null,
    -- a hash of what the request asked for: the same key for another
    -- request is refused
    fingerprint  text    not null,
    -- null only inside the claiming transaction
    response     text,
    created_at   bigint  not null,
    updated_at   bigint  not null,
    primary key (user_id, scope, key)
);

create index idempotency_keys_by_age on idempotency_keys (created_at);
