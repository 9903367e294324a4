-- How an event's buyers pay (the contract issue): `wallet` (reserved at the
-- order, paid at its confirmation: the two-phase checkout) or `door` (the
-- order is confirmed at once, no money moves in Marquee, and the buyer pays
-- at the entrance). Each order keeps the way it was placed, so an organizer
-- who changes an event's method later does not change what was agreed.
alter table events add column payment_method text not null default 'wallet'
    check (payment_method in ('wallet', 'door'));
alter table orders add column payment_method text not null default 'wallet'
    check (payment_method in ('wallet', 'door'));
