-- Holds made together in one call (the hot-paths issue). At an on-sale,
-- `events::hold_batch` makes the holds asked for a tier meanwhile in one
-- transaction. Row by row, that was one round trip per hold and, for each,
-- a trigger's update of the tier row: on PostgreSQL the batch took longer
-- than the peer's one insert per request. `make_holds` does the whole batch
-- in the database, in one call, under the same locks and with the same
-- rules as `events::hold_insert::try_insert` (kept alike: a change to one
-- is a change to both):
--
-- * the people's rows are locked in id order, then the tier's (the order
--   every writer of holds takes them);
-- * the tier must be on sale (active tier of a published event, inside its
--   sales window, before the event starts);
-- * each ask, in the order given, is made only if the seats left (capacity,
--   less sold, less held by active holds not yet lapsed) cover it, its
--   person has fewer than `p_max_holds` active holds and would hold at
--   most `p_max_event` seats of the event, counting the asks of the batch
--   made before it;
-- * the holds made are inserted by one statement.
--
-- The asks come as comma-separated lists (hold ids are Crockford base32
-- codes: no commas), as the `Any` driver binds no arrays. The answer has one
-- character per ask: '1' made, '0' refused (the caller explains why).
create function make_holds(
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
    update ticket_tiers t set lock_seq = t.lock_seq + 1 where t.id = p_tier
        returning t.event_id, t.status, t.sales_start, t.sales_end, t.price_cents,
            t.capacity - t.sold - (t.held - (select coalesce(sum(l.quantity), 0) from holds l
                where l.tier_id = t.id and l.status = 'active' and l.expires_at <= p_now)) as seats_left
        into tier;
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

-- The tier's `held` counter for inserted holds, once per statement: a batch
-- of holds updates its tier's row once, not once per hold. Updates and
-- deletes of holds keep the row trigger.
drop trigger holds_keep_tier_held on holds;
create trigger holds_keep_tier_held after update of status, quantity or delete on holds
    for each row execute function holds_keep_tier_held();

create function holds_count_inserted() returns trigger language plpgsql as $$
begin
    update ticket_tiers t set held = t.held + i.seats
        from (select tier_id, sum(quantity) as seats from inserted
              where status = 'active' group by tier_id) i
        where t.id = i.tier_id;
    return null;
end;
$$;

create trigger holds_count_inserted after insert on holds
    referencing new table as inserted for each statement
    execute function holds_count_inserted();
