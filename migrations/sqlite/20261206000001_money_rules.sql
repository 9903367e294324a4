-- Money rules an organizer cannot bend (the trust issue). What a buyer
-- agreed to is kept on the order when it is made: the cancellation fee and
-- the earliest time its money may leave escrow (the event's end as it stood
-- then, plus the hold-back period). A hold keeps the price it was taken at,
-- so a change before the order asks the buyer again. An admin may freeze an
-- event's payouts.
alter table orders add column cancellation_fee_pct bigint not null default 0
    check (cancellation_fee_pct between 0 and 100);
alter table orders add column payout_after bigint not null default 0;
update orders set
    cancellation_fee_pct = (select e.cancellation_fee_pct from events e where e.id = orders.event_id),
    payout_after = (select coalesce(e.ends_at, e.starts_at) + 259200000 from events e where e.id = orders.event_id);
alter table holds add column unit_price_cents bigint;
update holds set unit_price_cents = (select t.price_cents from ticket_tiers t where t.id = holds.tier_id);
alter table events add column payouts_frozen_at bigint;
alter table events add column payouts_frozen_by bigint references users (id);
