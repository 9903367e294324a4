-- Services and bookings (seed 000): what providers offer, when they work,
-- the bookings of their time and the reviews left afterwards.
--
-- Double-booking rule: no two active bookings (requested, confirmed,
-- in_progress) of one provider overlap, buffer included. Every booking and
-- reschedule takes the provider's lock first (an update of
-- `provider_settings.lock_seq` in the same transaction) and inserts itself
-- only if no active booking overlaps, in the same statement.
create table services (
    id             integer primary key,
    provider_id    bigint  not null references users (id),
    title          text    not null,
    description    text    not null default '',
    category       text    not null,
    price_cents    bigint  not null check (price_cents >= 0),
    currency       text    not null default 'USD',
    duration_min   bigint  not null check (duration_min between 5 and 720),
    -- provider (their address) | customer (at the customer's) | online
    location_kind  text    not null default 'provider'
                           check (location_kind in ('provider', 'customer', 'online')),
    address        text    not null default '',
    cover_url      text,
    -- active (bookable, listed) | inactive (hidden) | deleted (kept for its bookings)
    status         text    not null default 'active'
                           check (status in ('active', 'inactive', 'deleted')),
    created_at     bigint  not null,
    updated_at     bigint  not null
);

create index services_provider on services (provider_id, status);
create index services_category on services (status, lower(category));

-- One row per provider: how bookings of their time work, and their lock.
create table provider_settings (
    provider_id        bigint primary key references users (id),
    -- IANA zone the weekly hours are in
    timezone           text   not null default 'UTC',
    -- free minutes kept after every booking
    buffer_min         bigint not null default 0 check (buffer_min between 0 and 240),
    -- how soon a booking may start, from now
    min_notice_min     bigint not null default 60 check (min_notice_min between 0 and 43200),
    -- how far ahead bookings may be made
    horizon_days       bigint not null default 60 check (horizon_days between 1 and 365),
    -- customers may cancel until this many hours before the start
    cancel_window_hours bigint not null default 24 check (cancel_window_hours between 0 and 720),
    -- bumped by every booking and reschedule: the per-provider lock
    lock_seq           bigint not null default 0,
    created_at         bigint not null,
    updated_at         bigint not null
);

-- The weekly schedule: several intervals per weekday, in the provider's zone.
create table provider_hours (
    id           integer primary key,
    provider_id  bigint not null references users (id),
    -- 0 = Monday … 6 = Sunday
    weekday      bigint not null check (weekday between 0 and 6),
    -- minutes after local midnight
    start_min    bigint not null check (start_min between 0 and 1439),
    end_min      bigint not null check (end_min between 1 and 1440),
    created_at   bigint not null,
    updated_at   bigint not null,
    check (start_min < end_min)
);

create index provider_hours_provider on provider_hours (provider_id, weekday);

-- Date overrides: a date with rows here uses them instead of its weekday's
-- hours; a row without times is a day off.
create table provider_overrides (
    id           integer primary key,
    provider_id  bigint not null references users (id),
    -- local date, YYYY-MM-DD
    day          text   not null,
    start_min    bigint check (start_min between 0 and 1439),
    end_min      bigint check (end_min between 1 and 1440),
    created_at   bigint not null,
    updated_at   bigint not null,
    check ((start_min is null and end_min is null) or (start_min < end_min))
);

create index provider_overrides_provider on provider_overrides (provider_id, day);

create table bookings (
    id             integer primary key,
    service_id     bigint  not null references services (id),
    provider_id    bigint  not null references users (id),
    customer_id    bigint  not null references users (id),
    starts_at      bigint  not null,
    ends_at        bigint  not null,
    -- ends_at plus the provider's buffer: the time this booking keeps
    blocked_until  bigint  not null,
    -- requested | confirmed | declined | in_progress | completed | cancelled
    status         text    not null default 'requested'
                           check (status in ('requested', 'confirmed', 'declined',
                                             'in_progress', 'completed', 'cancelled')),
    price_cents    bigint  not null check (price_cents >= 0),
    currency       text    not null default 'USD',
    -- where it happens (the customer's address for at-home services)
    address        text    not null default '',
    notes          text    not null default '',
    cancel_reason  text,
    -- the provider's cancellation window when it was booked: customers may
    -- cancel or move it until this many hours before the start
    cancel_window_hours bigint not null default 24,
    -- the client's key: a retried request returns the same booking
    client_key     text,
    request_hash   text,
    -- the provider said "on my way"
    en_route_at    bigint,
    -- the provider's last shared position (microdegrees), while under way
    location_lat   bigint,
    location_lng   bigint,
    location_accuracy_m bigint,
    location_at    bigint,
    created_at     bigint  not null,
    updated_at     bigint  not null,
    check (starts_at < ends_at and ends_at <= blocked_until),
    unique (customer_id, client_key)
);

create index bookings_provider_time on bookings (provider_id, status, starts_at);
create index bookings_customer on bookings (customer_id, starts_at);
-- A second guard under the lock: two active bookings never share a start.
create unique index bookings_provider_start on bookings (provider_id, starts_at)
    where status in ('requested', 'confirmed', 'in_progress');

-- Who changed a booking's status, when, and why: its timeline.
create table booking_history (
    id          integer primary key,
    booking_id  bigint not null references bookings (id),
    status      text   not null,
    actor_id    bigint references users (id),
    note        text   not null default '',
    created_at  bigint not null
);

create index booking_history_booking on booking_history (booking_id, id);

-- Verified reviews: of a completed booking (by its customer) or of an event
-- (by a holder of a checked-in or past ticket), once each.
create table reviews (
    id           integer primary key,
    author_id    bigint not null references users (id),
    booking_id   bigint unique references bookings (id),
    service_id   bigint references services (id),
    event_id     bigint references events (id) on delete cascade,
    -- the provider or organizer reviewed, who may reply once
    subject_id   bigint not null references users (id),
    rating       bigint not null check (rating between 1 and 5),
    body         text   not null default '',
    reply        text,
    replied_at   bigint,
    hidden_at    bigint,
    hidden_by    bigint references users (id),
    created_at   bigint not null,
    updated_at   bigint not null,
    check ((booking_id is null) <> (event_id is null)),
    unique (author_id, event_id)
);

create index reviews_service on reviews (service_id, created_at);
create index reviews_event on reviews (event_id, created_at);
create index reviews_subject on reviews (subject_id, created_at);
