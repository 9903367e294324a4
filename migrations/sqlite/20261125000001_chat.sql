-- Chat (seed 002, and seed 000's chat per booking): rooms, their members
-- and messages, read markers, and each person's presence and status text.
--
-- Every new, edited or deleted message takes the next number of its room's
-- counter (`chat_rooms.seq`, bumped by an update that also serializes the
-- room's writes). A message keeps the number it was written with (`seq`,
-- its place in the history) and the number of its latest change
-- (`change_seq`), so a client that missed anything asks for the changes
-- after the last number it has and gets them in order, without gaps.
create table chat_rooms (
    id              integer primary key,
    -- group (public or private) | direct (two people) | booking | order
    kind            text    not null check (kind in ('group', 'direct', 'booking', 'order')),
    name            text    not null default '',
    topic           text    not null default '',
    visibility      text    not null default 'private'
                            check (visibility in ('public', 'private')),
    -- one room per pair or per booking/order: 'direct:{a}:{b}' (a < b),
    -- 'booking:{id}', 'order:{id}'; null for group rooms
    subject_key     text    unique,
    created_by      bigint  references users (id),
    seq             bigint  not null default 0,
    member_count    bigint  not null default 0,
    last_message_at bigint,
    deleted_at      bigint,
    created_at      bigint  not null,
    updated_at      bigint  not null
);

create index chat_rooms_public on chat_rooms (visibility, kind, deleted_at);

create table chat_members (
    room_id        bigint not null references chat_rooms (id),
    user_id        bigint not null references users (id),
    role           text   not null default 'member'
                          check (role in ('owner', 'moderator', 'member')),
    -- read up to this number of the room's counter
    last_read_seq  bigint not null default 0,
    joined_at      bigint not null,
    primary key (room_id, user_id)
);

create index chat_members_user on chat_members (user_id);

create table chat_messages (
    id          integer primary key,
    room_id     bigint not null references chat_rooms (id),
    author_id   bigint not null references users (id),
    seq         bigint not null,
    change_seq  bigint not null,
    -- 1 to 4000 characters; emptied when deleted
    body        text   not null,
    -- the sender's id for the message: a retried send makes no second one
    client_id   text,
    edited_at   bigint,
    deleted_at  bigint,
    deleted_by  bigint references users (id),
    created_at  bigint not null,
    unique (room_id, seq),
    unique (room_id, change_seq),
    unique (room_id, author_id, client_id)
);

-- Presence (online / away / offline, with the last time seen) and the
-- short status text of seed 002's user status.
alter table users add column status_text text not null default '';
alter table users add column presence text not null default 'offline';
alter table users add column last_seen_at bigint;
