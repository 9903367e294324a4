-- Wallet (seed 003): a double-entry ledger.
--
-- Every movement of money is a transaction whose entries sum to zero;
-- entries are written once, when the transaction posts, and never change
-- (the triggers below refuse it). An account's balance is the sum of its
-- entries; `balance_cents` caches it and is updated in the same database
-- transaction as the entries. Money enters through `cash_in` and leaves
-- through `cash_out`, so the sum over all accounts is always zero.
--
-- Two-phase payments: a pending transaction reserves funds on its debit
-- account (`pending_cents`) until it posts, is voided, or expires.
-- A user's accounts can never hold less than they have reserved, and never
-- less than zero: the checks refuse it whatever the concurrency.
create table wallet_accounts (
    id             bigint generated always as identity primary key,
    -- the owner; null for the platform's own accounts
    user_id        bigint  references users (id),
    -- main (a person's wallet) | escrow (an organizer's takings, held until
    -- the event is over) | cash_in | cash_out | fees (the platform's)
    kind           text    not null
                           check (kind in ('main', 'escrow', 'cash_in', 'cash_out', 'fees')),
    currency       text    not null default 'USD',
    balance_cents  bigint  not null default 0,
    pending_cents  bigint  not null default 0,
    created_at     bigint  not null,
    updated_at     bigint  not null,
    check (pending_cents >= 0),
    check (kind not in ('main', 'escrow') or balance_cents - pending_cents >= 0),
    check ((user_id is null) = (kind in ('cash_in', 'cash_out', 'fees')))
);

create unique index wallet_accounts_owner on wallet_accounts (user_id, kind);
create unique index wallet_accounts_platform on wallet_accounts (kind) where user_id is null;

insert into wallet_accounts (user_id, kind, created_at, updated_at) values
    (null, 'cash_in', 0, 0),
    (null, 'cash_out', 0, 0),
    (null, 'fees', 0, 0);

create table wallet_transactions (
    id                bigint generated always as identity primary key,
    -- deposit | withdrawal | transfer | payment | refund | payout
    kind              text    not null
                              check (kind in ('deposit', 'withdrawal', 'transfer', 'payment', 'refund', 'payout')),
    -- pending (funds reserved, nothing posted) | posted | voided
    status            text    not null check (status in ('pending', 'posted', 'voided')),
    amount_cents      bigint  not null check (amount_cents > 0),
    currency          text    not null,
    -- where the money comes from and where it goes (a payout's platform
    -- fee is a third entry, to the fees account)
    debit_account_id  bigint  not null references wallet_accounts (id),
    credit_account_id bigint  not null references wallet_accounts (id),
    -- who asked for it, with their idempotency key and what they asked
    initiator_id      bigint  references users (id),
    idempotency_key   text,
    request_hash      text    not null default '',
    -- one per business fact, e.g. order:12:payment, order:12:refund
    reference         text    unique,
    order_id          bigint,
    memo              text    not null default '',
    -- the outside party: "Visa •••• 4242", "Bank ••••6789"
    counterparty      text    not null default '',
    -- a pending transaction is void after this
    expires_at        bigint,
    posted_at         bigint,
    voided_at         bigint,
    created_at        bigint  not null,
    updated_at        bigint  not null,
    check (debit_account_id <> credit_account_id),
    unique (initiator_id, idempotency_key)
);

create index wallet_transactions_debit on wallet_transactions (debit_account_id, id);
create index wallet_transactions_credit on wallet_transactions (credit_account_id, id);
create index wallet_transactions_pending on wallet_transactions (status, expires_at);
create index wallet_transactions_order on wallet_transactions (order_id);

create table wallet_entries (
    id             bigint generated always as identity primary key,
    transaction_id bigint  not null references wallet_transactions (id),
    account_id     bigint  not null references wallet_accounts (id),
    -- signed: positive credits the account, negative debits it
    amount_cents   bigint  not null check (amount_cents <> 0),
    created_at     bigint  not null
);

create index wallet_entries_account on wallet_entries (account_id, id);
create index wallet_entries_transaction on wallet_entries (transaction_id);

create function wallet_entries_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'wallet entries are immutable';
end;
$$;

create trigger wallet_entries_immutable before update or delete on wallet_entries
    for each row execute function wallet_entries_immutable();

-- The organizer's cancellation policy: the share of the price kept when a
-- buyer cancels, in percent.
alter table events add column cancellation_fee_pct bigint not null default 0
    check (cancellation_fee_pct between 0 and 100);
