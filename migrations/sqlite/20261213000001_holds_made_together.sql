-- Nothing to change on SQLite: its holds made together are inserted one
-- statement each, in process (no round trips to save), and its tier
-- counter's trigger stays per row. On PostgreSQL, this version adds
-- `make_holds` and counts inserted holds once per statement.
select 1;
