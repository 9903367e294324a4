-- A hold checks the person's limits (their active holds, and their seats
-- held in the event) with two range scans of this index: with the event and
-- the seats in it, neither reads a table row.
drop index holds_user_active;
create index holds_user_active on holds (user_id, status, expires_at, event_id, quantity);
