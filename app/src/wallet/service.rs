//! What people do with their wallet: see the balance and history, top up
//! from a card, withdraw to a bank, send money to someone. Every call that
//! moves money takes an idempotency key: the same key with the same request
//! returns the first result; with another request it is refused.

use super::ledger::{self, NewTx, Owned, Platform};
use super::model::{
    Balance, CURRENCY, CardInput, PAGE_SIZE, Receipt, TransactionPage, TransactionView, TxKind,
    TxQuery, TxStatus, check_amount, check_bank_account, check_memo, money,
};
use super::provider;
use crate::accounts::service::AuthUser;
use crate::error::AppError;
use crate::kernel::idempotency::{self, Begun, Fingerprint, Key, Request, Scope};
use crate::kernel::ids::{OrderId, UserId};
use crate::kernel::time::now_millis;
use crate::state::AppState;

/// The wallet of `user_id`: posted balance, reserved, available.
pub async fn balance_of(state: &AppState, user_id: i64) -> Result<Balance, AppError> {
    balance_on(&mut *state.db.pool().acquire().await?, user_id).await
}

/// [`balance_of`] on a connection (inside a transaction: as it will be).
async fn balance_on(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<Balance, AppError> {
    let Some(account) = ledger::find_account(&mut *conn, user_id, Owned::Main).await? else {
        return Ok(Balance {
            currency: CURRENCY.into(),
            ..Default::default()
        });
    };
    // Reservations count until they expire, even before the sweeper voids them.
    let (balance, pending): (i64, i64) = sqlx::query_as(
        "SELECT a.balance_cents, CAST(COALESCE((SELECT SUM(t.amount_cents) FROM wallet_transactions t \
         WHERE t.debit_account_id = a.id AND t.status = 'pending' AND t.expires_at > $2), 0) AS BIGINT) \
         FROM wallet_accounts a WHERE a.id = $1",
    )
    .bind(account)
    .bind(now_millis())
    .fetch_one(&mut *conn)
    .await?;
    Ok(Balance {
        balance_cents: balance,
        pending_cents: pending,
        available_cents: balance - pending,
        currency: CURRENCY.into(),
    })
}

pub async fn balance(state: &AppState, user: &AuthUser) -> Result<Balance, AppError> {
    balance_of(state, user.id).await
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct TxRow {
    id: i64,
    kind: TxKind,
    status: TxStatus,
    amount_cents: i64,
    currency: String,
    debit_account_id: i64,
    memo: String,
    counterparty: String,
    order_id: Option<i64>,
    created_at: i64,
    posted_at: Option<i64>,
    /// What the posted entries did to the viewer's account.
    net_cents: Option<i64>,
    other_name: Option<String>,
    event_name: Option<String>,
}

const TX_SELECT: &str = "SELECT t.id, t.kind, t.status, t.amount_cents, t.currency, \
     t.debit_account_id, t.memo, t.counterparty, t.order_id, t.created_at, t.posted_at, \
     CAST((SELECT SUM(e.amount_cents) FROM wallet_entries e WHERE e.transaction_id = t.id AND e.account_id = $1) AS BIGINT) AS net_cents, \
     (SELECT u.display_name FROM wallet_accounts oa JOIN users u ON u.id = oa.user_id \
      WHERE oa.id = CASE WHEN t.debit_account_id = $1 THEN t.credit_account_id ELSE t.debit_account_id END) AS other_name, \
     (SELECT ev.name FROM orders o JOIN events ev ON ev.id = o.event_id WHERE o.id = t.order_id) AS event_name \
     FROM wallet_transactions t";

impl TxRow {
    fn view(&self, account: i64) -> TransactionView {
        let kind = self.kind;
        let outgoing = self.debit_account_id == account;
        let status = self.status;
        let amount = self.net_cents.unwrap_or(if outgoing {
            -self.amount_cents
        } else {
            self.amount_cents
        });
        let other = self.other_name.clone().unwrap_or_default();
        let event = self.event_name.clone().unwrap_or_default();
        let description = match kind {
            TxKind::Deposit => format!("Top-up from {}", self.counterparty),
            TxKind::Withdrawal => format!("Withdrawal to {}", self.counterparty),
            TxKind::Transfer if outgoing => format!("To {other}"),
            TxKind::Transfer => format!("From {other}"),
            TxKind::Payment if outgoing => format!("Tickets for {event}"),
            TxKind::Payment => format!("Sale: {event}"),
            TxKind::Refund if outgoing => format!("Refund to {other}: {event}"),
            TxKind::Refund => format!("Refund: {event}"),
            TxKind::Payout => format!("Payout: {event}"),
        };
        TransactionView {
            id: self.id,
            kind,
            status,
            amount_cents: amount,
            currency: self.currency.clone(),
            description,
            memo: self.memo.clone(),
            order_id: self.order_id,
            created_at: self.created_at,
            posted_at: self.posted_at,
        }
    }
}

async fn tx_view(
    conn: &mut sqlx::AnyConnection,
    account: i64,
    id: i64,
) -> Result<TransactionView, AppError> {
    let sql = format!("{TX_SELECT} WHERE t.id = $2");
    let row: TxRow = sqlx::query_as(&sql)
        .bind(account)
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(row.view(account))
}

/// The user's wallet history, newest first, a page at a time.
pub async fn history(
    state: &AppState,
    user: &AuthUser,
    query: &TxQuery,
) -> Result<TransactionPage, AppError> {
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let Some(account) = ledger::find_account(state.db.pool(), user.id, Owned::Main).await? else {
        return Ok(TransactionPage {
            items: Vec::new(),
            page,
            has_more: false,
        });
    };
    let mut filter = String::from("WHERE (t.debit_account_id = $1 OR t.credit_account_id = $1)");
    let kind = match query.kind.as_deref().map(str::trim).unwrap_or("") {
        "" | "all" => None,
        other => Some(
            TxKind::parse(other)
                .ok_or_else(|| AppError::bad_request("kind", "Unknown transaction kind."))?,
        ),
    };
    if kind.is_some() {
        filter.push_str(" AND t.kind = $2");
    }
    match query.direction.as_deref().map(str::trim).unwrap_or("") {
        "" | "all" => {}
        "in" => filter.push_str(" AND t.credit_account_id = $1"),
        "out" => filter.push_str(" AND t.debit_account_id = $1"),
        _ => {
            return Err(AppError::bad_request(
                "direction",
                "direction is `in` or `out`.",
            ));
        }
    }
    let sql = format!(
        "{TX_SELECT} {filter} ORDER BY t.id DESC LIMIT {} OFFSET {}",
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE
    );
    let mut q = sqlx::query_as::<_, TxRow>(&sql).bind(account);
    if let Some(kind) = kind {
        q = q.bind(kind.as_str());
    }
    let mut rows = q.fetch_all(state.db.pool()).await?;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    Ok(TransactionPage {
        items: rows.iter().map(|r| r.view(account)).collect(),
        page,
        has_more,
    })
}

/// The money movements of one order, for its buyer: the receipt.
pub async fn order_receipt(
    state: &AppState,
    user_id: UserId,
    order_id: OrderId,
) -> Result<Vec<TransactionView>, AppError> {
    let Some(account) = ledger::find_account(state.db.pool(), user_id.get(), Owned::Main).await?
    else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "{TX_SELECT} WHERE t.order_id = $2 AND (t.debit_account_id = $1 OR t.credit_account_id = $1) \
         ORDER BY t.id"
    );
    let rows: Vec<TxRow> = sqlx::query_as(&sql)
        .bind(account)
        .bind(order_id)
        .fetch_all(state.db.pool())
        .await?;
    Ok(rows.iter().map(|r| r.view(account)).collect())
}

/// A money-moving request of `user`, keyed.
fn keyed(user: &AuthUser, key: &Key, parts: &[&str]) -> Request {
    Request::new(user.id, Scope::Wallet, key.clone(), Fingerprint::of(parts))
}

/// Records one posted transaction for `user`, once per key, and tells them.
/// The caller replayed first; a retry arriving at the same moment gets the
/// first one's receipt, and `false` (nothing new happened).
async fn move_money(
    state: &AppState,
    user: &AuthUser,
    account: i64,
    request: &Request,
    new: NewTx<'_>,
) -> Result<(Receipt, bool), AppError> {
    let amount = new.amount_cents;
    let mut tx = match idempotency::resume(state.db.pool(), Some(request)).await? {
        Begun::Replayed(first) => return Ok((first, false)),
        Begun::Fresh(tx) => tx,
    };
    let id = ledger::post(&mut tx, &new, None, now_millis())
        .await
        .map_err(|refused| refused.into_error(amount))?;
    let receipt = Receipt {
        transaction: tx_view(&mut tx, account, id).await?,
        balance: balance_on(&mut tx, user.id).await?,
    };
    idempotency::commit(tx, Some(request), &receipt).await?;
    tracing::info!(
        transaction_id = id,
        kind = new.kind.as_str(),
        amount,
        "wallet transaction posted"
    );
    announce(state, user.id);
    Ok((receipt, true))
}

/// Tells a person their wallet changed (balance and history reload).
pub fn announce(state: &AppState, user_id: i64) {
    state
        .live
        .notify_user(user_id, crate::live::protocol::Notice::WalletChanged);
}

/// Tops the wallet up from a card, through the top-up provider.
pub async fn deposit(
    state: &AppState,
    user: &AuthUser,
    amount_cents: i64,
    card: &CardInput,
    key: &Key,
) -> Result<Receipt, AppError> {
    let amount = check_amount("amount", amount_cents)?;
    let today = provider::today();
    let card = super::model::check_card(card, today.0, today.1)?;
    let request = keyed(user, key, &["deposit", &amount.to_string(), &card.digits]);
    let mut conn = state.db.pool().acquire().await?;
    let account = ledger::account(&mut conn, user.id, Owned::Main).await?;
    let cash_in = ledger::platform(&mut conn, Platform::CashIn).await?;
    drop(conn);
    // A retry must not charge the card again.
    if let Some(first) = request.replay_on(state.db.pool()).await? {
        return Ok(first);
    }
    // The provider's key names the person too: two people's "1" are not one charge.
    let provider_key = format!("{}:{}", user.id, key.as_str());
    let charge = provider::top_up(&state.config)?.charge(&card, amount, &provider_key)?;
    let (receipt, _) = move_money(
        state,
        user,
        account,
        &request,
        NewTx {
            kind: TxKind::Deposit,
            amount_cents: amount,
            debit: cash_in,
            credit: account,
            initiator: Some(user.id),
            key: Some(key.as_str()),
            reference: Some(format!("charge:{}", charge.id)),
            order_id: None,
            memo: "",
            counterparty: &card.label(),
        },
    )
    .await?;
    Ok(receipt)
}

/// Sends money to a (simulated) bank account.
pub async fn withdraw(
    state: &AppState,
    user: &AuthUser,
    amount_cents: i64,
    bank_account: &str,
    key: &Key,
) -> Result<Receipt, AppError> {
    let amount = check_amount("amount", amount_cents)?;
    let bank = check_bank_account(bank_account)?;
    let request = keyed(user, key, &["withdraw", &amount.to_string(), &bank]);
    let mut conn = state.db.pool().acquire().await?;
    let account = ledger::account(&mut conn, user.id, Owned::Main).await?;
    let cash_out = ledger::platform(&mut conn, Platform::CashOut).await?;
    drop(conn);
    if let Some(first) = request.replay_on(state.db.pool()).await? {
        return Ok(first);
    }
    let label = format!("Bank ••••{}", &bank[bank.len() - 4..]);
    let (receipt, _) = move_money(
        state,
        user,
        account,
        &request,
        NewTx {
            kind: TxKind::Withdrawal,
            amount_cents: amount,
            debit: account,
            credit: cash_out,
            initiator: Some(user.id),
            key: Some(key.as_str()),
            reference: None,
            order_id: None,
            memo: "",
            counterparty: &label,
        },
    )
    .await?;
    Ok(receipt)
}

/// Sends money to another person, by their email.
pub async fn transfer(
    state: &AppState,
    user: &AuthUser,
    to_email: &str,
    amount_cents: i64,
    memo: &str,
    key: &Key,
) -> Result<Receipt, AppError> {
    let amount = check_amount("amount", amount_cents)?;
    let memo = check_memo(memo)?;
    let email = crate::accounts::model::parse_email(to_email).map_err(|_| {
        AppError::bad_request("to", "Enter the email address of the person to pay.")
    })?;
    let recipient = crate::accounts::service::look_up_by_email(state, user, &email)
        .await?
        .ok_or_else(|| AppError::bad_request("to", "Nobody on Marquee has this email address."))?;
    if recipient.id == user.id {
        return Err(AppError::bad_request(
            "to",
            "You can't send money to yourself.",
        ));
    }
    let (amount_text, to) = (amount.to_string(), recipient.id.to_string());
    let request = keyed(user, key, &["transfer", &amount_text, &to, &memo]);
    let mut conn = state.db.pool().acquire().await?;
    let account = ledger::account(&mut conn, user.id, Owned::Main).await?;
    let theirs = ledger::account(&mut conn, recipient.id, Owned::Main).await?;
    drop(conn);
    if let Some(first) = request.replay_on(state.db.pool()).await? {
        return Ok(first);
    }
    let (receipt, fresh) = move_money(
        state,
        user,
        account,
        &request,
        NewTx {
            kind: TxKind::Transfer,
            amount_cents: amount,
            debit: account,
            credit: theirs,
            initiator: Some(user.id),
            key: Some(key.as_str()),
            reference: None,
            order_id: None,
            memo: &memo,
            counterparty: "",
        },
    )
    .await?;
    if fresh {
        tracing::info!(to = recipient.id, "money sent: {}", money(amount));
        announce(state, recipient.id);
    }
    Ok(receipt)
}
