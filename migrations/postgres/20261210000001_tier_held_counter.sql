-- Held seats counted on the tier (the hot-paths issue): `held` is the sum of
-- the quantities of the tier's holds whose status is 'active', kept by the
-- trigger below in the same transaction as every insert, status change and
-- delete of a hold, whatever code path makes it. Holds that lapsed but were
-- not swept yet are still in `held`; readers subtract them with a range scan
-- of `holds_lapsing` (only lapsed, unswept holds: a few seconds' worth), so
-- availability costs the same with ten active holds or ten thousand.
--
-- Every transaction that changes whether a hold is active takes its tier's
-- row lock first (see `events::holds::lock_tier`), so the trigger never
-- locks a tier after a hold (no deadlock with a confirmation).
alter table ticket_tiers add column held bigint not null default 0;

update ticket_tiers set held = (
    select coalesce(sum(h.quantity), 0) from holds h
    where h.tier_id = ticket_tiers.id and h.status = 'active'
);

create index holds_tier_lapsing on holds (tier_id, expires_at) where status = 'active';

create function holds_keep_tier_held() returns trigger language plpgsql as $$
declare
    delta bigint := 0;
    tier bigint;
begin
    if tg_op in ('UPDATE', 'DELETE') and old.status = 'active' then
        delta := delta - old.quantity;
        tier := old.tier_id;
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.status = 'active' then
        delta := delta + new.quantity;
        tier := new.tier_id;
    end if;
    if delta <> 0 then
        update ticket_tiers set held = held + delta where id = tier;
    end if;
    return null;
end;
$$;

create trigger holds_keep_tier_held after insert or update of status, quantity or delete on holds
    for each row execute function holds_keep_tier_held();
