//! Server functions of the wallet (under /rpc/wallet/…). Thin: the user,
//! the service, and where a form post lands. The JSON API under
//! `/api/wallet` calls the same services.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{Balance, Earnings, Receipt, TransactionPage, TransactionView, TxQuery};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::{OrderId, UserId};

#[cfg(feature = "ssr")]
use crate::accounts::rpc;
#[cfg(feature = "ssr")]
use crate::kernel::idempotency::Key;

/// The wallet page's data: the balance, the latest transactions and who
/// tops it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletSummary {
    pub balance: Balance,
    pub recent: Vec<TransactionView>,
    pub provider: String,
}

#[server(prefix = "/rpc", endpoint = "wallet/overview")]
pub async fn wallet_overview() -> Result<WalletSummary, AppError> {
    rpc::signed_in(|state, user| async move {
        let mut page = super::service::history(&state, &user, &TxQuery::default()).await?;
        page.items.truncate(5);
        Ok(WalletSummary {
            balance: super::service::balance(&state, &user).await?,
            recent: page.items,
            provider: super::provider::top_up_name(&state.config),
        })
    })
    .await
}

/// Who tops wallets up here ("" when nobody does: the page says so
/// instead of offering a form that cannot work).
#[server(prefix = "/rpc", endpoint = "wallet/top_up_provider")]
pub async fn top_up_provider() -> Result<String, AppError> {
    rpc::signed_in(|state, _| async move { Ok(super::provider::top_up_name(&state.config)) }).await
}

#[server(prefix = "/rpc", endpoint = "wallet/balance")]
pub async fn wallet_balance() -> Result<Balance, AppError> {
    rpc::signed_in(|state, user| async move { super::service::balance(&state, &user).await }).await
}

#[server(prefix = "/rpc", endpoint = "wallet/history")]
pub async fn wallet_history(query: TxQuery) -> Result<TransactionPage, AppError> {
    rpc::signed_in(
        |state, user| async move { super::service::history(&state, &user, &query).await },
    )
    .await
}

/// Tops up from a card (the test provider), then shows the wallet.
#[server(prefix = "/rpc", endpoint = "wallet/top_up")]
pub async fn top_up(
    amount: String,
    card_number: String,
    card_expiry: String,
    card_cvc: String,
    key: String,
) -> Result<Receipt, AppError> {
    rpc::signed_in(|state, user| async move {
        let cents = super::model::parse_amount("amount", &amount)?;
        let card = super::model::CardInput {
            number: card_number,
            expiry: card_expiry,
            cvc: card_cvc,
        };
        let receipt =
            super::service::deposit(&state, &user, cents, &card, &form_key(&key)?).await?;
        leptos_axum::redirect(&format!("/wallet?done=topup&tx={}", receipt.transaction.id));
        Ok(receipt)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "wallet/withdraw")]
pub async fn withdraw(
    amount: String,
    bank_account: String,
    key: String,
) -> Result<Receipt, AppError> {
    rpc::signed_in(|state, user| async move {
        let cents = super::model::parse_amount("amount", &amount)?;
        let receipt =
            super::service::withdraw(&state, &user, cents, &bank_account, &form_key(&key)?).await?;
        leptos_axum::redirect(&format!(
            "/wallet?done=withdraw&tx={}",
            receipt.transaction.id
        ));
        Ok(receipt)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "wallet/send")]
pub async fn send_money(
    to: String,
    amount: String,
    memo: String,
    key: String,
) -> Result<Receipt, AppError> {
    rpc::signed_in(|state, user| async move {
        let cents = super::model::parse_amount("amount", &amount)?;
        let receipt =
            super::service::transfer(&state, &user, &to, cents, &memo, &form_key(&key)?).await?;
        leptos_axum::redirect(&format!("/wallet?done=send&tx={}", receipt.transaction.id));
        Ok(receipt)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "wallet/receipt")]
pub async fn order_receipt(order_id: i64) -> Result<Vec<TransactionView>, AppError> {
    rpc::signed_in(|state, user| async move {
        super::service::order_receipt(&state, UserId::new(user.id), OrderId::new(order_id)).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "wallet/earnings")]
pub async fn my_earnings() -> Result<Earnings, AppError> {
    rpc::signed_in(|state, user| async move { super::payments::earnings(&state, &user).await })
        .await
}

/// The key a money form carries (one per form shown).
#[cfg(feature = "ssr")]
fn form_key(key: &str) -> Result<Key, AppError> {
    Key::parse(Key::FIELD, key)
}
