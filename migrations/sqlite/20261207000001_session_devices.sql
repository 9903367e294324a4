-- Active sessions a person can see and end (the trust issue): the device a
-- session was started on (a label such as "Firefox on Linux", from the
-- browser's User-Agent) and when it was last used (sign-in or refresh).
alter table sessions add column device text not null default '';
alter table sessions add column last_seen_at bigint;
-- Who used a refresh token (a hash of the client's address and device): a
-- second use inside the grace window is honoured only from the same client
-- (two tabs racing), never from elsewhere (a stolen copy).
alter table refresh_tokens add column used_by text;
