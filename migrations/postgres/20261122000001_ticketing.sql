-- Ticketing (seed 001): events, their ticket tiers, seat holds with an
-- expiry, orders and the tickets they issue.
--
-- Capacity rule: for every tier, sold + (quantity of holds that are active
-- and not yet expired) <= capacity. Holds are taken under a per-tier lock
-- (an update of the tier's `lock_seq` first, in the same transaction), and
-- the insert itself checks the rule, so it is never read-then-written.
create table events (
    id           bigint generated always as identity primary key,
    organizer_id bigint  not null references users (id),
    name         text    not null,
    category     text    not null,
    description  text    not null default '',
    starts_at    bigint  not null,
    ends_at      bigint,
    -- IANA time zone the organizer gave the times in (e.g. Europe/Paris)
    timezone     text    not null default 'UTC',
    venue        text    not null default '',
    cover_url    text,
    currency     text    not null default 'USD',
    -- published (on sale, listed) | draft (hidden) | cancelled
    status       text    not null default 'published'
                         check (status in ('published', 'draft', 'cancelled')),
    created_at   bigint  not null,
    updated_at   bigint  not null
);

create index events_starts on events (status, starts_at);
create index events_organizer on events (organizer_id);
create index events_category on events (lower(category));

create table ticket_tiers (
    id           bigint generated always as identity primary key,
    event_id     bigint  not null references events (id) on delete cascade,
    name         text    not null,
    description  text    not null default '',
    price_cents  bigint  not null check (price_cents >= 0),
    capacity     bigint  not null check (capacity >= 0),
    -- seats of confirmed orders; held seats live in `holds`
    sold         bigint  not null default 0,
    status       text    not null default 'active' check (status in ('active', 'inactive')),
    sales_start  bigint,
    sales_end    bigint,
    position     bigint  not null default 0,
    -- bumped by every hold, order and capacity change: the per-tier lock,
    -- and a version number for live availability
    lock_seq     bigint  not null default 0,
    created_at   bigint  not null,
    updated_at   bigint  not null,
    check (sold >= 0 and sold <= capacity)
);

create index ticket_tiers_event on ticket_tiers (event_id, position);

-- seed 001's "locks": seats of a tier held for one user until expires_at
create table holds (
    -- "hold_" + 128 random bits, hex: the lock id clients see
    id           text    primary key,
    tier_id      bigint  not null references ticket_tiers (id) on delete cascade,
    event_id     bigint  not null references events (id) on delete cascade,
    user_id      bigint  not null references users (id),
    quantity     bigint  not null check (quantity > 0),
    -- active | released | expired | converted (became a confirmed order)
    status       text    not null default 'active'
                         check (status in ('active', 'released', 'expired', 'converted')),
    expires_at   bigint  not null,
    created_at   bigint  not null,
    updated_at   bigint  not null
);

create index holds_tier_active on holds (tier_id, status, expires_at);
create index holds_user_active on holds (user_id, status, expires_at);

create table orders (
    id               bigint generated always as identity primary key,
    user_id          bigint  not null references users (id),
    event_id         bigint  not null references events (id) on delete cascade,
    tier_id          bigint  not null references ticket_tiers (id) on delete cascade,
    -- the hold whose seats the order takes; one order per hold
    hold_id          text    unique references holds (id),
    quantity         bigint  not null check (quantity > 0),
    -- fixed when the order is created
    unit_price_cents bigint  not null,
    total_cents      bigint  not null,
    currency         text    not null,
    status           text    not null default 'pending'
                             check (status in ('pending', 'confirmed', 'completed', 'cancelled')),
    notes            text    not null default '',
    -- the client's idempotency key: the same key gives the same order
    client_key       text,
    cancel_reason    text,
    confirmed_at     bigint,
    cancelled_at     bigint,
    created_at       bigint  not null,
    updated_at       bigint  not null,
    unique (user_id, client_key)
);

create index orders_user on orders (user_id, created_at);
create index orders_event on orders (event_id, status);

create table tickets (
    id             bigint generated always as identity primary key,
    -- 128 random bits, base32: unguessable, printed as a QR code
    code           text    not null unique,
    order_id       bigint  not null references orders (id) on delete cascade,
    event_id       bigint  not null references events (id) on delete cascade,
    tier_id        bigint  not null references ticket_tiers (id) on delete cascade,
    user_id        bigint  not null references users (id),
    -- valid | void (its order was cancelled)
    status         text    not null default 'valid' check (status in ('valid', 'void')),
    checked_in_at  bigint,
    checked_in_by  bigint  references users (id),
    created_at     bigint  not null,
    updated_at     bigint  not null
);

create index tickets_user on tickets (user_id);
create index tickets_order on tickets (order_id);
create index tickets_event on tickets (event_id);
