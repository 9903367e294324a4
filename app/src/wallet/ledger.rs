//! The double-entry core: accounts, postings whose entries sum to zero, and
//! two-phase (pending → posted | voided) transactions. Every function here
//! runs inside the caller's database transaction.
//!
//! Lock order, after the ticketing tables (user, tiers, event, holds,
//! orders, tickets): wallet accounts in ascending id, then their wallet
//! transactions. Balance rules are decided by one conditional `UPDATE` per
//! account, and the table's checks refuse a negative user balance even if a
//! caller got it wrong.

use sqlx::{Any, Transaction};

use super::model::{CURRENCY, TxKind, TxStatus, money};
use crate::error::AppError;
use crate::kernel::db::Constraint;

/// One transaction per initiator and idempotency key.
const ONE_PER_KEY: Constraint = Constraint::unique(
    "wallet_transactions_initiator_id_idempotency_key_key",
    "wallet_transactions.initiator_id, wallet_transactions.idempotency_key",
);

/// One transaction per business fact (`order:12:payment`).
const ONE_PER_REFERENCE: Constraint = Constraint::unique(
    "wallet_transactions_reference_key",
    "wallet_transactions.reference",
);

pub type Tx<'a> = Transaction<'a, Any>;

/// The kinds of account a person can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    /// Their wallet.
    Main,
    /// An organizer's takings, held until the event is over.
    Escrow,
}

impl Owned {
    fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::Escrow => "escrow",
        }
    }
}

/// The platform's own accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Money that entered from cards (its balance goes negative).
    CashIn,
    /// Money that left to banks.
    CashOut,
    /// Platform fees on payouts.
    Fees,
}

impl Platform {
    fn as_str(self) -> &'static str {
        match self {
            Self::CashIn => "cash_in",
            Self::CashOut => "cash_out",
            Self::Fees => "fees",
        }
    }
}

/// The id of a person's account of `kind`, made on first use (only then is
/// anything written).
pub async fn account(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    kind: Owned,
) -> Result<i64, AppError> {
    let select = "SELECT id FROM wallet_accounts WHERE user_id = $1 AND kind = $2";
    let found: Option<(i64,)> = sqlx::query_as(select)
        .bind(user_id)
        .bind(kind.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id,)) = found {
        return Ok(id);
    }
    let now = crate::kernel::time::now_millis();
    sqlx::query(
        "INSERT INTO wallet_accounts (user_id, kind, currency, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .bind(CURRENCY)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Made just now, or by a concurrent first use.
    let (id,): (i64,) = sqlx::query_as(select)
        .bind(user_id)
        .bind(kind.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

/// The id of a person's account of `kind`, if they have one.
pub async fn find_account<'c>(
    db: impl sqlx::Executor<'c, Database = Any>,
    user_id: i64,
    kind: Owned,
) -> Result<Option<i64>, AppError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM wallet_accounts WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(kind.as_str())
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(id,)| id))
}

pub async fn platform(conn: &mut sqlx::AnyConnection, which: Platform) -> Result<i64, AppError> {
    let (id,): (i64,) =
        sqlx::query_as("SELECT id FROM wallet_accounts WHERE user_id IS NULL AND kind = $1")
            .bind(which.as_str())
            .fetch_one(&mut *conn)
            .await?;
    Ok(id)
}

/// Takes the row locks of these accounts, in ascending id.
pub async fn lock_accounts(tx: &mut Tx<'_>, ids: &[i64], now: i64) -> Result<(), AppError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        sqlx::query("UPDATE wallet_accounts SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A transaction to record.
#[derive(Debug, Clone)]
pub struct NewTx<'a> {
    pub kind: TxKind,
    pub amount_cents: i64,
    pub debit: i64,
    pub credit: i64,
    pub initiator: Option<i64>,
    /// The initiator's idempotency key, kept on the ledger for good: a key
    /// reused after the kernel forgot it (a day) can't move money again.
    pub key: Option<&'a str>,
    pub reference: Option<String>,
    pub order_id: Option<i64>,
    pub memo: &'a str,
    pub counterparty: &'a str,
}

/// Why a transaction could not be recorded.
#[derive(Debug)]
pub enum Refused {
    /// The debit account lacks the funds; what it has available.
    Insufficient {
        available_cents: i64,
    },
    /// The reference or the key is taken: this was recorded already.
    Duplicate,
    Error(AppError),
}

impl From<sqlx::Error> for Refused {
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        Self::Error(AppError::from(e))
    }
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Self::Error(e)
    }
}

impl Refused {
    /// The refusal as the client sees it; `needed` is what was asked.
    pub fn into_error(self, needed: i64) -> AppError {
        match self {
            Self::Insufficient { available_cents } => AppError::Conflict(format!(
                "Not enough money in your wallet: {} available, {} needed. Top up {} to go on.",
                money(available_cents.max(0)),
                money(needed),
                money((needed - available_cents.max(0)).max(1)),
            )),
            Self::Duplicate => AppError::Conflict("This payment was recorded already.".into()),
            Self::Error(e) => e,
        }
    }
}

async fn insert_tx(
    tx: &mut Tx<'_>,
    new: &NewTx<'_>,
    status: TxStatus,
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64, Refused> {
    let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO wallet_transactions (kind, status, amount_cents, currency, debit_account_id, \
         credit_account_id, initiator_id, idempotency_key, reference, order_id, memo, counterparty, \
         expires_at, posted_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(new.kind.as_str())
    .bind(status)
    .bind(new.amount_cents)
    .bind(CURRENCY)
    .bind(new.debit)
    .bind(new.credit)
    .bind(new.initiator)
    .bind(new.key)
    .bind(new.reference.as_deref())
    .bind(new.order_id)
    .bind(new.memo)
    .bind(new.counterparty)
    .bind(expires_at)
    .bind((status == TxStatus::Posted).then_some(now))
    .bind(now)
    .fetch_one(&mut **tx)
    .await;
    match inserted {
        Ok((id,)) => Ok(id),
        Err(e) if ONE_PER_REFERENCE.broken_by(&e) || ONE_PER_KEY.broken_by(&e) => {
            Err(Refused::Duplicate)
        }
        Err(e) => Err(Refused::Error(AppError::from(e))),
    }
}

async fn available(tx: &mut Tx<'_>, account: i64) -> Result<i64, AppError> {
    let (balance, pending): (i64, i64) =
        sqlx::query_as("SELECT balance_cents, pending_cents FROM wallet_accounts WHERE id = $1")
            .bind(account)
            .fetch_one(&mut **tx)
            .await?;
    Ok(balance - pending)
}

/// Writes the entries of a posting and moves the cached balances. `legs`
/// are (account, signed amount) and must sum to zero; `reserved` is what
/// the debit account had reserved for it (a pending transaction posting).
async fn post_legs(
    tx: &mut Tx<'_>,
    transaction_id: i64,
    legs: &[(i64, i64)],
    reserved: Option<(i64, i64)>,
    now: i64,
) -> Result<(), Refused> {
    if legs.iter().map(|(_, a)| a).sum::<i64>() != 0 || legs.iter().any(|(_, a)| *a == 0) {
        return Err(AppError::internal("unbalanced or empty ledger legs").into());
    }
    let mut sorted = legs.to_vec();
    sorted.sort_unstable();
    for (account, amount) in sorted {
        let release = reserved
            .filter(|(a, _)| *a == account)
            .map_or(0, |(_, r)| r);
        // Platform accounts (no owner) may go negative; people's may not.
        let moved = sqlx::query(
            "UPDATE wallet_accounts SET balance_cents = balance_cents + $1, \
             pending_cents = pending_cents - $2, updated_at = $3 \
             WHERE id = $4 AND pending_cents >= $2 \
             AND (user_id IS NULL OR balance_cents + $1 - (pending_cents - $2) >= 0)",
        )
        .bind(amount)
        .bind(release)
        .bind(now)
        .bind(account)
        .execute(&mut **tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(Refused::Insufficient {
                available_cents: available(tx, account).await?,
            });
        }
        sqlx::query(
            "INSERT INTO wallet_entries (transaction_id, account_id, amount_cents, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(transaction_id)
        .bind(account)
        .bind(amount)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Records and posts a transaction at once: the debit account pays
/// `amount`, the credit account gets it less `fee` (which goes to
/// `fee_account`).
pub async fn post(
    tx: &mut Tx<'_>,
    new: &NewTx<'_>,
    fee: Option<(i64, i64)>,
    now: i64,
) -> Result<i64, Refused> {
    lock_accounts(
        tx,
        &[new.debit, new.credit, fee.map_or(new.debit, |(a, _)| a)],
        now,
    )
    .await?;
    let id = insert_tx(tx, new, TxStatus::Posted, None, now).await?;
    let mut legs = vec![(new.debit, -new.amount_cents)];
    match fee.filter(|(_, f)| *f > 0) {
        Some((fee_account, fee)) => {
            if fee < new.amount_cents {
                legs.push((new.credit, new.amount_cents - fee));
            }
            legs.push((fee_account, fee.min(new.amount_cents)));
        }
        None => legs.push((new.credit, new.amount_cents)),
    }
    post_legs(tx, id, &legs, None, now).await?;
    Ok(id)
}

/// Voids the debit account's pending transactions that have expired and
/// gives back what they reserved. The account must be locked already.
async fn void_expired_of(tx: &mut Tx<'_>, account: i64, now: i64) -> Result<u64, AppError> {
    let voided: Vec<(i64,)> = sqlx::query_as(
        "UPDATE wallet_transactions SET status = 'voided', voided_at = $1, updated_at = $1 \
         WHERE debit_account_id = $2 AND status = 'pending' AND expires_at <= $1 \
         RETURNING amount_cents",
    )
    .bind(now)
    .bind(account)
    .fetch_all(&mut **tx)
    .await?;
    let total: i64 = voided.iter().map(|(a,)| a).sum();
    if total > 0 {
        sqlx::query(
            "UPDATE wallet_accounts SET pending_cents = pending_cents - $1, updated_at = $2 WHERE id = $3",
        )
        .bind(total)
        .bind(now)
        .bind(account)
        .execute(&mut **tx)
        .await?;
    }
    Ok(voided.len() as u64)
}

/// Phase one: reserves `amount` on the debit account until `expires_at`.
pub async fn reserve(
    tx: &mut Tx<'_>,
    new: &NewTx<'_>,
    expires_at: i64,
    now: i64,
) -> Result<i64, Refused> {
    lock_accounts(tx, &[new.debit], now).await?;
    void_expired_of(tx, new.debit, now).await?;
    let reserved = sqlx::query(
        "UPDATE wallet_accounts SET pending_cents = pending_cents + $1, updated_at = $2 \
         WHERE id = $3 AND balance_cents - pending_cents >= $1",
    )
    .bind(new.amount_cents)
    .bind(now)
    .bind(new.debit)
    .execute(&mut **tx)
    .await?;
    if reserved.rows_affected() == 0 {
        return Err(Refused::Insufficient {
            available_cents: available(tx, new.debit).await?,
        });
    }
    insert_tx(tx, new, TxStatus::Pending, Some(expires_at), now).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct PendingRow {
    id: i64,
    amount_cents: i64,
    debit_account_id: i64,
    credit_account_id: i64,
}

async fn pending_by_reference(
    tx: &mut Tx<'_>,
    reference: &str,
) -> Result<Option<(PendingRow, TxStatus)>, AppError> {
    let row: Option<(i64, i64, i64, i64, TxStatus)> = sqlx::query_as(
        "SELECT id, amount_cents, debit_account_id, credit_account_id, status \
         FROM wallet_transactions WHERE reference = $1",
    )
    .bind(reference)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|(id, amount_cents, debit, credit, status)| {
        (
            PendingRow {
                id,
                amount_cents,
                debit_account_id: debit,
                credit_account_id: credit,
            },
            status,
        )
    }))
}

/// What became of a pending transaction asked to post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    Posted,
    /// It posted before (a retry).
    AlreadyPosted,
    /// Voided, or past its expiry: it can never post.
    Void,
    Missing,
}

/// Phase two: posts the pending transaction `reference` if it is still
/// pending and not expired.
pub async fn post_pending(tx: &mut Tx<'_>, reference: &str, now: i64) -> Result<Posting, AppError> {
    let Some((row, status)) = pending_by_reference(tx, reference).await? else {
        return Ok(Posting::Missing);
    };
    match status {
        TxStatus::Posted => return Ok(Posting::AlreadyPosted),
        TxStatus::Voided => return Ok(Posting::Void),
        TxStatus::Pending => {}
    }
    lock_accounts(tx, &[row.debit_account_id, row.credit_account_id], now).await?;
    let moved = sqlx::query(
        "UPDATE wallet_transactions SET status = 'posted', posted_at = $1, updated_at = $1 \
         WHERE id = $2 AND status = 'pending' AND expires_at > $1",
    )
    .bind(now)
    .bind(row.id)
    .execute(&mut **tx)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(Posting::Void);
    }
    let legs = [
        (row.debit_account_id, -row.amount_cents),
        (row.credit_account_id, row.amount_cents),
    ];
    match post_legs(
        tx,
        row.id,
        &legs,
        Some((row.debit_account_id, row.amount_cents)),
        now,
    )
    .await
    {
        Ok(()) => Ok(Posting::Posted),
        Err(Refused::Error(e)) => Err(e),
        // The reservation guaranteed the funds; failing here is a bug.
        Err(other) => Err(AppError::internal(format!(
            "posting a reserved transaction failed: {other:?}"
        ))),
    }
}

/// Voids the pending transaction `reference` (a cancel or a lapse) and
/// gives back what it reserved. Returns whether it was pending.
pub async fn void(tx: &mut Tx<'_>, reference: &str, now: i64) -> Result<bool, AppError> {
    let Some((row, status)) = pending_by_reference(tx, reference).await? else {
        return Ok(false);
    };
    if status != TxStatus::Pending {
        return Ok(false);
    }
    lock_accounts(tx, &[row.debit_account_id], now).await?;
    let voided = sqlx::query(
        "UPDATE wallet_transactions SET status = 'voided', voided_at = $1, updated_at = $1 \
         WHERE id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(row.id)
    .execute(&mut **tx)
    .await?;
    if voided.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE wallet_accounts SET pending_cents = pending_cents - $1, updated_at = $2 WHERE id = $3",
    )
    .bind(row.amount_cents)
    .bind(now)
    .bind(row.debit_account_id)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Voids every expired pending transaction (the sweeper), one account at a
/// time. Returns the accounts' owners, to tell them.
pub async fn void_expired(db: &crate::kernel::db::Db) -> Result<Vec<i64>, AppError> {
    let now = crate::kernel::time::now_millis();
    let accounts: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT DISTINCT t.debit_account_id, a.user_id FROM wallet_transactions t \
         JOIN wallet_accounts a ON a.id = t.debit_account_id \
         WHERE t.status = 'pending' AND t.expires_at <= $1 LIMIT 500",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let mut owners = Vec::new();
    for (account, owner) in accounts {
        let mut tx = db.pool().begin().await?;
        lock_accounts(&mut tx, &[account], now).await?;
        let voided = void_expired_of(&mut tx, account, now).await?;
        tx.commit().await?;
        if voided > 0 {
            owners.extend(owner);
        }
    }
    Ok(owners)
}
