-- Two-factor sign-in with an authenticator app (TOTP, RFC 6238), required
-- for admin powers (the trust issue).
-- The shared secret (base32) once turned on; while being set up, the secret
-- waits in totp_pending until the person proves their app has it.
alter table users add column totp_secret text;
alter table users add column totp_pending text;
-- The last time step a code was accepted for: a code works once.
alter table users add column totp_last_step bigint not null default 0;
-- When this session proved the second factor (null: password only).
alter table sessions add column second_factor_at bigint;
-- One-use recovery codes, stored as hashes.
create table recovery_codes (
    user_id bigint not null references users(id) on delete cascade,
    code_hash text not null,
    used_at bigint,
    created_at bigint not null,
    primary key (user_id, code_hash)
);
-- A password that was right, waiting for the second factor: a one-time
-- ticket (its hash kept) that dies after five minutes or five wrong codes.
create table sign_in_challenges (
    token_hash text primary key,
    user_id bigint not null references users(id) on delete cascade,
    device text not null,
    attempts integer not null default 0,
    expires_at bigint not null
);
create index sign_in_challenges_expires on sign_in_challenges (expires_at);
