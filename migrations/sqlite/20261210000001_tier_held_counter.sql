-- Held seats counted on the tier (the hot-paths issue): `held` is the sum of
-- the quantities of the tier's holds whose status is 'active', kept by the
-- triggers below in the same transaction as every insert, status change and
-- delete of a hold, whatever code path makes it. Holds that lapsed but were
-- not swept yet are still in `held`; readers subtract them with a range scan
-- of `holds_lapsing` (only lapsed, unswept holds: a few seconds' worth), so
-- availability costs the same with ten active holds or ten thousand.
--
-- Every transaction that changes whether a hold is active takes its tier's
-- row lock first (see `events::holds::lock_tier`), so the triggers never
-- lock a tier after a hold (no deadlock with a confirmation).
alter table ticket_tiers add column held bigint not null default 0;

update ticket_tiers set held = (
    select coalesce(sum(h.quantity), 0) from holds h
    where h.tier_id = ticket_tiers.id and h.status = 'active'
);

create index holds_tier_lapsing on holds (tier_id, expires_at) where status = 'active';

create trigger holds_held_insert after insert on holds
when new.status = 'active'
begin
    update ticket_tiers set held = held + new.quantity where id = new.tier_id;
end;

create trigger holds_held_update after update of status, quantity on holds
when old.status = 'active' or new.status = 'active'
begin
    update ticket_tiers
    set held = held
        - (case when old.status = 'active' then old.quantity else 0 end)
        + (case when new.status = 'active' then new.quantity else 0 end)
    where id = new.tier_id;
end;

create trigger holds_held_delete after delete on holds
when old.status = 'active'
begin
    update ticket_tiers set held = held - old.quantity where id = old.tier_id;
end;
