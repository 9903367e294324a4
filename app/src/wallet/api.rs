//! Server functions of the wallet (under /rpc/wallet/…). Thin: the user,
//! the service, and where a form post lands. The JSON API under
//! `/api/wallet` calls the same services.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{Balance, Earnings, Receipt, TransactionPage, TransactionView, TxQuery};
use crate::error::AppError;
use crate::events::model::OrderView;

#[cfg(feature = "ssr")]
use crate::kernel::idempotency::Key;
#[cfg(feature = "ssr")]
use crate::{accounts::session, error::respond, state::app_state};

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
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            let mut page = super::service::history(&state, &user, &TxQuery::default()).await?;
            page.items.truncate(5);
            Ok(WalletSummary {
                balance: super::service::balance(&state, &user).await?,
                recent: page.items,
                provider: super::provider::top_up().name().to_string(),
            })
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "wallet/balance")]
pub async fn wallet_balance() -> Result<Balance, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            super::service::balance(&state, &user).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "wallet/history")]
pub async fn wallet_history(query: TxQuery) -> Result<TransactionPage, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            super::service::history(&state, &user, &query).await
        }
        .await,
    )
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
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
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
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "wallet/withdraw")]
pub async fn withdraw(
    amount: String,
    bank_account: String,
    key: String,
) -> Result<Receipt, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            let cents = super::model::parse_amount("amount", &amount)?;
            let receipt =
                super::service::withdraw(&state, &user, cents, &bank_account, &form_key(&key)?)
                    .await?;
            leptos_axum::redirect(&format!(
                "/wallet?done=withdraw&tx={}",
                receipt.transaction.id
            ));
            Ok(receipt)
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "wallet/send")]
pub async fn send_money(
    to: String,
    amount: String,
    memo: String,
    key: String,
) -> Result<Receipt, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            let cents = super::model::parse_amount("amount", &amount)?;
            let receipt =
                super::service::transfer(&state, &user, &to, cents, &memo, &form_key(&key)?)
                    .await?;
            leptos_axum::redirect(&format!("/wallet?done=send&tx={}", receipt.transaction.id));
            Ok(receipt)
        }
        .await,
    )
}

/// Checkout when the wallet is short: tops up what is missing from a card,
/// then pays, and shows the order.
#[server(prefix = "/rpc", endpoint = "wallet/top_up_and_pay")]
pub async fn top_up_and_pay(
    hold_id: String,
    notes: String,
    card_number: String,
    card_expiry: String,
    card_cvc: String,
    key: String,
) -> Result<OrderView, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            let hold = crate::events::holds::hold_for(&state, &user, &hold_id).await?;
            let available = super::service::balance(&state, &user)
                .await?
                .available_cents;
            let short = hold.total_cents() - available;
            if short > super::model::MAX_AMOUNT_CENTS {
                // The form has no amount field to show this next to.
                return Err(AppError::Conflict(format!(
                    "Your wallet is {} short, more than one top-up allows ({}). \
                     Top up in parts on your wallet page, then pay.",
                    super::model::money(short),
                    super::model::money(super::model::MAX_AMOUNT_CENTS)
                )));
            }
            if short > 0 {
                let card = super::model::CardInput {
                    number: card_number,
                    expiry: card_expiry,
                    cvc: card_cvc,
                };
                super::service::deposit(&state, &user, short, &card, &form_key(&key)?).await?;
            }
            let order = crate::events::orders::checkout(&state, &user, &hold_id, &notes).await?;
            leptos_axum::redirect(&format!("/orders/{}?placed=1", order.id));
            Ok(order)
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "wallet/receipt")]
pub async fn order_receipt(order_id: i64) -> Result<Vec<TransactionView>, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            super::service::order_receipt(&state, user.id, order_id).await
        }
        .await,
    )
}

#[server(prefix = "/rpc", endpoint = "wallet/earnings")]
pub async fn my_earnings() -> Result<Earnings, AppError> {
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            super::payments::earnings(&state, &user).await
        }
        .await,
    )
}

/// The key a money form carries (one per form shown).
#[cfg(feature = "ssr")]
fn form_key(key: &str) -> Result<Key, AppError> {
    Key::parse(Key::FIELD, key)
}
