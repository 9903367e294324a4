-- Each person's held seats counted per event (the hot-paths issue), as the
-- tier's `held` counts a tier's: `holds` and `seats` are the number and the
-- seats of the person's active holds on the event, kept by the triggers
-- below in the same transaction as every insert, status change and delete of
-- a hold. A hold's limits (the person's open holds, their seats in the
-- event) read these rows instead of scanning every hold the person has, so
-- a hold costs the same with five held or five hundred. Holds that lapsed
-- but were not swept yet are still counted; readers subtract them with a
-- range scan of `holds_user_active` that stops at the present (see
-- `events::rows::person_holds_now`). A row whose last hold ends is deleted,
-- so a person's rows are the events they hold seats in now.
--
-- The triggers run once per statement, on its transition tables: a batch of
-- holds (`make_holds`) or a sweep of a tier changes each person's row once,
-- and the rows are changed in key order, so two statements that change the
-- same people's rows (two tiers swept at once) lock them in the same order
-- and never deadlock. A transaction that changes holds changes them in one
-- statement, after its tier's lock (and a hold's insert after its person's
-- lock), and locks nothing else of holds after it.
create table person_holds (
    user_id bigint not null,
    event_id bigint not null,
    holds bigint not null,
    seats bigint not null,
    primary key (user_id, event_id)
);

insert into person_holds (user_id, event_id, holds, seats)
select user_id, event_id, count(*), sum(quantity) from holds
where status = 'active' group by user_id, event_id;

create function holds_keep_person_holds() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into person_holds as p (user_id, event_id, holds, seats)
        select user_id, event_id, count(*), sum(quantity) from new_rows
        where status = 'active' group by user_id, event_id order by user_id, event_id
        on conflict (user_id, event_id) do update
        set holds = p.holds + excluded.holds, seats = p.seats + excluded.seats;
        return null;
    end if;
    if tg_op = 'UPDATE' then
        insert into person_holds as p (user_id, event_id, holds, seats)
        select user_id, event_id, sum(n), sum(s) from (
            select user_id, event_id, -1::bigint as n, -quantity as s from old_rows
            where status = 'active'
            union all
            select user_id, event_id, 1::bigint, quantity from new_rows where status = 'active'
        ) d group by user_id, event_id having sum(n) <> 0 or sum(s) <> 0
        order by user_id, event_id
        on conflict (user_id, event_id) do update
        set holds = p.holds + excluded.holds, seats = p.seats + excluded.seats;
    else
        insert into person_holds as p (user_id, event_id, holds, seats)
        select user_id, event_id, -count(*), -sum(quantity) from old_rows
        where status = 'active' group by user_id, event_id order by user_id, event_id
        on conflict (user_id, event_id) do update
        set holds = p.holds + excluded.holds, seats = p.seats + excluded.seats;
    end if;
    delete from person_holds p using old_rows o
    where o.status = 'active' and p.user_id = o.user_id and p.event_id = o.event_id
      and p.holds = 0;
    return null;
end;
$$;

create trigger holds_person_insert after insert on holds
    referencing new table as new_rows
    for each statement execute function holds_keep_person_holds();
create trigger holds_person_update after update on holds
    referencing old table as old_rows new table as new_rows
    for each statement execute function holds_keep_person_holds();
create trigger holds_person_delete after delete on holds
    referencing old table as old_rows
    for each statement execute function holds_keep_person_holds();

-- `make_holds` (migration `holds_made_together`, last replaced by
-- `make_holds_after_the_lock`) reads each person's limits from the counters.
create or replace function make_holds(
    p_tier bigint, p_now bigint, p_expires bigint, p_max_holds bigint, p_max_event bigint,
    p_ids text, p_people text, p_quantities text
) returns text language plpgsql as $$
declare
    ids text[] := string_to_array(p_ids, ',');
    people bigint[] := string_to_array(p_people, ',')::bigint[];
    quantities bigint[] := string_to_array(p_quantities, ',')::bigint[];
    n int := coalesce(array_length(ids, 1), 0);
    tier record;
    on_sale boolean;
    seats bigint;
    -- Per person of the batch: their active holds, and their held seats of
    -- the event, as the asks are made (from their counters, less what
    -- lapsed: read after their locks, in one snapshot).
    persons bigint[];
    hold_counts bigint[];
    event_seats bigint[];
    k int;
    made boolean[] := array_fill(false, array[n]);
    answer text := '';
begin
    perform 1 from users u where u.id = any(people) order by u.id for no key update;
    -- The tier's lock, then its seats in a statement of their own: its
    -- snapshot is taken under the lock, so the row and the lapsed holds
    -- are read as of the same moment.
    update ticket_tiers t set lock_seq = t.lock_seq + 1 where t.id = p_tier;
    select t.event_id, t.status, t.sales_start, t.sales_end, t.price_cents,
            t.capacity - t.sold - (t.held - (select coalesce(sum(l.quantity), 0) from holds l
                where l.tier_id = t.id and l.status = 'active' and l.expires_at <= p_now)) as seats_left
        into tier from ticket_tiers t where t.id = p_tier;
    select coalesce(e.status = 'published' and p_now < e.starts_at, false) into on_sale
        from events e where e.id = tier.event_id;
    if not found or not on_sale or tier.status <> 'active'
        or (tier.sales_start is not null and tier.sales_start > p_now)
        or (tier.sales_end is not null and p_now >= tier.sales_end) then
        return repeat('0', n);
    end if;
    seats := tier.seats_left;
    select array_agg(p.id), array_agg(coalesce(h.holds, 0)), array_agg(coalesce(h.seats, 0))
        into persons, hold_counts, event_seats
        from (select distinct unnest(people) as id) p
        left join lateral (
            select (select coalesce(sum(c.holds), 0) from person_holds c where c.user_id = p.id)
                   - (select count(*) from holds l where l.user_id = p.id
                        and l.status = 'active' and l.expires_at <= p_now) as holds,
                   (select coalesce(sum(c.seats), 0) from person_holds c
                        where c.user_id = p.id and c.event_id = tier.event_id)
                   - (select coalesce(sum(l.quantity), 0) from holds l where l.user_id = p.id
                        and l.event_id = tier.event_id and l.status = 'active'
                        and l.expires_at <= p_now) as seats
        ) h on true;
    for i in 1 .. n loop
        k := array_position(persons, people[i]);
        if quantities[i] <= seats and hold_counts[k] < p_max_holds
            and event_seats[k] + quantities[i] <= p_max_event then
            made[i] := true;
            seats := seats - quantities[i];
            hold_counts[k] := hold_counts[k] + 1;
            event_seats[k] := event_seats[k] + quantities[i];
        end if;
        answer := answer || case when made[i] then '1' else '0' end;
    end loop;
    insert into holds (id, tier_id, event_id, user_id, quantity, unit_price_cents, status,
                       expires_at, created_at, updated_at)
        select ids[i], p_tier, tier.event_id, people[i], quantities[i], tier.price_cents,
               'active', p_expires, p_now, p_now
        from generate_subscripts(ids, 1) as i where made[i];
    return answer;
end;
$$;
