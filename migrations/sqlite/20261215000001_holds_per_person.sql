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
create table person_holds (
    user_id bigint not null,
    event_id bigint not null,
    holds bigint not null,
    seats bigint not null,
    primary key (user_id, event_id)
) without rowid;

insert into person_holds (user_id, event_id, holds, seats)
select user_id, event_id, count(*), sum(quantity) from holds
where status = 'active' group by user_id, event_id;

create trigger holds_person_insert after insert on holds
when new.status = 'active'
begin
    insert into person_holds (user_id, event_id, holds, seats)
    values (new.user_id, new.event_id, 1, new.quantity)
    on conflict (user_id, event_id) do update
    set holds = holds + 1, seats = seats + excluded.seats;
end;

create trigger holds_person_update after update of status, quantity on holds
when old.status = 'active' or new.status = 'active'
begin
    update person_holds set holds = holds - 1, seats = seats - old.quantity
    where old.status = 'active' and user_id = old.user_id and event_id = old.event_id;
    insert into person_holds (user_id, event_id, holds, seats)
    select new.user_id, new.event_id, 1, new.quantity where new.status = 'active'
    on conflict (user_id, event_id) do update
    set holds = holds + 1, seats = seats + excluded.seats;
    delete from person_holds
    where user_id = old.user_id and event_id = old.event_id and holds = 0;
end;

create trigger holds_person_delete after delete on holds
when old.status = 'active'
begin
    update person_holds set holds = holds - 1, seats = seats - old.quantity
    where user_id = old.user_id and event_id = old.event_id;
    delete from person_holds
    where user_id = old.user_id and event_id = old.event_id and holds = 0;
end;
