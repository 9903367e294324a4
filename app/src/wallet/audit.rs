//! The ledger's invariants, checked against the database: money is neither
//! created nor lost (all balances sum to zero), no person's account is
//! below zero or below what it has reserved, every cached balance equals
//! the sum of its entries, every transaction's entries sum to zero, and
//! every reservation matches the pending transactions behind it.

use serde::{Deserialize, Serialize};

use crate::kernel::db::Db;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    pub accounts: i64,
    pub transactions: i64,
    /// Sum of all cached balances: always 0.
    pub total_cents: i64,
    /// People's accounts whose balance is below zero or below what they reserved.
    pub overdrawn: Vec<i64>,
    /// Accounts whose cached balance differs from the sum of their entries.
    pub drifted: Vec<i64>,
    /// Accounts whose reserved amount differs from their pending transactions.
    pub misreserved: Vec<i64>,
    /// Transactions whose entries do not sum to zero (or posted ones without entries).
    pub unbalanced: Vec<i64>,
}

impl Audit {
    pub fn holds(&self) -> bool {
        self.total_cents == 0
            && self.overdrawn.is_empty()
            && self.drifted.is_empty()
            && self.misreserved.is_empty()
            && self.unbalanced.is_empty()
    }
}

async fn ids(db: &Db, sql: &str) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(sql).fetch_all(db.pool()).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Reads the whole ledger. Meant for tests, the `admin audit` command and
/// quiet moments: it scans every entry.
pub async fn audit(db: &Db) -> Result<Audit, sqlx::Error> {
    let (accounts, total): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(balance_cents), 0) AS BIGINT) FROM wallet_accounts",
    )
    .fetch_one(db.pool())
    .await?;
    let (transactions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM wallet_transactions")
        .fetch_one(db.pool())
        .await?;
    Ok(Audit {
        accounts,
        transactions,
        total_cents: total,
        overdrawn: ids(
            db,
            "SELECT id FROM wallet_accounts WHERE user_id IS NOT NULL \
             AND (balance_cents < 0 OR balance_cents < pending_cents) ORDER BY id",
        )
        .await?,
        drifted: ids(
            db,
            "SELECT a.id FROM wallet_accounts a WHERE a.balance_cents <> \
             COALESCE((SELECT SUM(e.amount_cents) FROM wallet_entries e WHERE e.account_id = a.id), 0) \
             ORDER BY a.id",
        )
        .await?,
        misreserved: ids(
            db,
            "SELECT a.id FROM wallet_accounts a WHERE a.pending_cents <> \
             COALESCE((SELECT SUM(t.amount_cents) FROM wallet_transactions t \
             WHERE t.debit_account_id = a.id AND t.status = 'pending'), 0) ORDER BY a.id",
        )
        .await?,
        unbalanced: ids(
            db,
            "SELECT t.id FROM wallet_transactions t WHERE \
             (t.status = 'posted' AND NOT EXISTS (SELECT 1 FROM wallet_entries e WHERE e.transaction_id = t.id)) \
             OR (t.status <> 'posted' AND EXISTS (SELECT 1 FROM wallet_entries e WHERE e.transaction_id = t.id)) \
             OR COALESCE((SELECT SUM(e.amount_cents) FROM wallet_entries e WHERE e.transaction_id = t.id), 0) <> 0 \
             ORDER BY t.id",
        )
        .await?,
    })
}
