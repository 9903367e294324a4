-- Rate limits every instance shares (the trust issue): hits on a key (a
-- hash of "ip:…" or "account:…") in the current minute and in the one
-- before, which still counts for the part of it a sliding minute covers.
-- One row a key, counted up by one upsert; stale rows are deleted every
-- minute.
create table rate_limits (
    bucket text primary key,
    minute bigint not null,
    hits bigint not null,
    prev_hits bigint not null
);
