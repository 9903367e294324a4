-- Users of Marquee. The accounts issue builds sign-up and sign-in on this.
-- Conventions: times are milliseconds since the Unix epoch (UTC), money is
-- integer minor units; every table has created_at and updated_at.
create table users (
    id            integer primary key,
    -- stored normalised (trimmed, lower-case); unique across all accounts
    email         text    not null unique,
    display_name  text    not null,
    -- argon2id PHC string
    password_hash text    not null,
    role          text    not null default 'attendee'
                          check (role in ('attendee', 'organizer', 'admin')),
    bio           text    not null default '',
    -- path of the avatar under the data directory, if any
    avatar_path   text,
    created_at    bigint  not null,
    updated_at    bigint  not null
);

create index users_display_name on users (lower(display_name));
