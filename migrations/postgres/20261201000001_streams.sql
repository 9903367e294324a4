-- Live streams (seed 003's Streaming Service): a host goes live with their
-- camera, viewers watch in their browsers (the video goes from the host's
-- browser to each viewer's; the server only relays how they connect, over
-- /ws) and chat in the stream's room, and are counted while they watch.

-- Stream chat is a room of its own kind.
alter table chat_rooms drop constraint chat_rooms_kind_check;
alter table chat_rooms add constraint chat_rooms_kind_check
    check (kind in ('group', 'direct', 'booking', 'order', 'stream'));

create table streams (
    id            bigint  generated always as identity primary key,
    host_id       bigint  not null references users (id),
    title         text    not null,
    description   text    not null default '',
    -- live | ended
    status        text    not null default 'live' check (status in ('live', 'ended')),
    -- the stream's chat (a room of kind 'stream', the host its owner)
    room_id       bigint  not null references chat_rooms (id),
    -- the host's /ws connection sending the video now; null when none
    broadcaster   text,
    peak_viewers  bigint  not null default 0,
    started_at    bigint  not null,
    ended_at      bigint,
    created_at    bigint  not null,
    updated_at    bigint  not null
);

-- A host has one live stream at a time.
create unique index streams_one_live_per_host on streams (host_id) where status = 'live';
create index streams_by_status on streams (status, started_at);

-- Who watches: one row per stream and person, `left_at` null while they
-- do. A live connection following the stream renews `seen_at` with its
-- heartbeat; someone not seen for 90 s is counted out.
create table stream_viewers (
    stream_id  bigint not null references streams (id),
    user_id    bigint not null references users (id),
    joined_at  bigint not null,
    seen_at    bigint not null,
    left_at    bigint,
    primary key (stream_id, user_id)
);

create index stream_viewers_watching on stream_viewers (stream_id, left_at);

-- Connection set-up messages between instances too large for a NOTIFY
-- (8000 bytes): stored here, announced by id, deleted after a minute.
create table live_relays (
    id          bigint  generated always as identity primary key,
    body        text    not null,
    created_at  bigint  not null
);
