-- `make_holds` counted seats from two different moments (the hot-paths
-- issue). It locked the tier and summed the tier's lapsed holds in one
-- statement. Under READ COMMITTED, a statement that waits for a row lock
-- sees the locked row as the lock's holder committed it, but its subquery
-- still reads the snapshot taken before the wait. When the holder was the
-- sweeper, which marks lapsed holds expired and takes their seats off
-- `held`, the stale subquery subtracted those seats a second time: the
-- batch saw that many seats too many, and could oversell by as many (the
-- seat hammer with lapsing holds caught it on PostgreSQL). The tier is now
-- locked by a statement of its own and its seats read by the next, as every
-- other check of seats in Rust already is (`catalog::update_tier`). (A first
-- version summed the lapsed holds by tier id in a statement after the
-- lock's: it made half as many holds per second on a busy tier.)

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
    -- the event, as the asks are made.
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
            select count(*) as holds,
                   sum(m.quantity) filter (where m.event_id = tier.event_id) as seats
            from holds m
            where m.user_id = p.id and m.status = 'active' and m.expires_at > p_now
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
