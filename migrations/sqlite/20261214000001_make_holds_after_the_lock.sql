-- Nothing to change on SQLite: it has no `make_holds`, and a transaction
-- that writes holds takes the database's write lock before it reads seats,
-- so its reads are never older than the lock. On PostgreSQL, this version
-- makes `make_holds` sum the lapsed holds after the tier's lock.
select 1;
