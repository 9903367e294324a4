//! Seed 003's wallet API under /api/wallet. Every call that moves money
//! requires an `Idempotency-Key` header: the same key with the same request
//! returns the first result; with a different request it is a 409.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::error::AppError;
use app::kernel::ids::EventId;
use app::kernel::money::Cents;
use app::kernel::time;
use app::state::AppState;
use app::wallet::model::{AMOUNT, Balance, CardInput, Receipt, TransactionView, TxQuery};
use app::wallet::service;

use super::auth::ErrorBody;
use super::{ApiJson, ApiQuery, CurrentUser, IdempotencyKey, PathId};

/// The wallet (seed 003): balance, history, deposits, withdrawals, transfers.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(balance))
        .routes(routes!(transactions))
        .routes(routes!(deposit))
        .routes(routes!(withdraw))
        .routes(routes!(transfer))
}

/// Admins' hold on payouts (under /api only; no seed has it).
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(freeze_payouts))
        .routes(routes!(release_payouts))
}

/// Whether an event's payouts are frozen by an admin.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiPayouts {
    pub event_id: i64,
    pub frozen: bool,
    /// When they were frozen (ISO 8601), while they are.
    pub frozen_at: Option<String>,
}

async fn set_frozen(
    state: &AppState,
    user: &app::accounts::service::AuthUser,
    id: EventId,
    frozen: bool,
) -> Result<Json<ApiPayouts>, AppError> {
    let at = app::wallet::payments::freeze_payouts(state, user, id, frozen).await?;
    Ok(Json(ApiPayouts {
        event_id: id.get(),
        frozen: at.is_some(),
        frozen_at: at.map(time::iso),
    }))
}

/// Admins: hold an event's takings in escrow whatever the time (a
/// complaint, a dispute), until released.
#[utoipa::path(post, path = "/admin/events/{id}/payouts/freeze", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = ApiPayouts), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn freeze_payouts(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<EventId>,
) -> Result<Json<ApiPayouts>, AppError> {
    set_frozen(&state, &user, id, true).await
}

/// Admins: let a frozen event's takings be paid out again.
#[utoipa::path(post, path = "/admin/events/{id}/payouts/release", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = ApiPayouts), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn release_payouts(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    PathId(id): PathId<EventId>,
) -> Result<Json<ApiPayouts>, AppError> {
    set_frozen(&state, &user, id, false).await
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiBalance {
    /// Posted money, in major units (seed 003), and exactly in cents.
    pub balance: f64,
    pub balance_cents: i64,
    /// Reserved by checkouts not yet confirmed.
    pub pending_cents: i64,
    /// What can be spent now.
    pub available_cents: i64,
    pub currency: String,
}

impl From<&Balance> for ApiBalance {
    fn from(b: &Balance) -> Self {
        Self {
            balance: Cents::new(b.balance_cents).major(),
            balance_cents: b.balance_cents,
            pending_cents: b.pending_cents,
            available_cents: b.available_cents,
            currency: b.currency.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTransaction {
    pub id: i64,
    /// deposit, withdrawal, transfer, payment, refund or payout.
    #[serde(rename = "type")]
    pub kind: String,
    /// pending, posted or voided.
    pub status: String,
    /// Signed, from your wallet's side: positive in, negative out.
    pub amount: f64,
    pub amount_cents: i64,
    pub currency: String,
    pub description: String,
    pub memo: String,
    pub order_id: Option<i64>,
    pub created_at: String,
    pub posted_at: Option<String>,
}

impl From<&TransactionView> for ApiTransaction {
    fn from(t: &TransactionView) -> Self {
        Self {
            id: t.id,
            kind: t.kind.as_str().into(),
            status: t.status.as_str().into(),
            amount: Cents::new(t.amount_cents).major(),
            amount_cents: t.amount_cents,
            currency: t.currency.clone(),
            description: t.description.clone(),
            memo: t.memo.clone(),
            order_id: t.order_id,
            created_at: time::iso(t.created_at),
            posted_at: t.posted_at.map(time::iso),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiReceipt {
    pub transaction: ApiTransaction,
    pub balance: ApiBalance,
}

impl From<&Receipt> for ApiReceipt {
    fn from(r: &Receipt) -> Self {
        Self {
            transaction: ApiTransaction::from(&r.transaction),
            balance: ApiBalance::from(&r.balance),
        }
    }
}

fn created(receipt: &Receipt) -> Response {
    (StatusCode::CREATED, Json(ApiReceipt::from(receipt))).into_response()
}

/// An amount in cents (`amountCents`) or in major units (`amount`, as seed
/// 003 sends it; at most two decimals).
fn cents(amount: Option<f64>, amount_cents: Option<i64>) -> Result<i64, AppError> {
    Cents::from_api("amount", amount_cents, amount, AMOUNT).map(Cents::get)
}

/// Your wallet's balance.
#[utoipa::path(get, path = "/wallet/balance", tag = "wallet",
    responses((status = 200, body = ApiBalance), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn balance(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<ApiBalance>, AppError> {
    let balance = service::balance(&state, &user).await?;
    Ok(Json(ApiBalance::from(&balance)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct HistoryParams {
    /// deposit, withdrawal, transfer, payment, refund or payout.
    #[serde(rename = "type")]
    #[param(pattern = "^(deposit|withdrawal|transfer|payment|refund|payout)$")]
    pub kind: Option<String>,
    /// `in` or `out`.
    #[param(pattern = "^(in|out)$")]
    pub direction: Option<String>,
    /// 1-based, 20 per page.
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTransactionPage {
    pub transactions: Vec<ApiTransaction>,
    pub page: i64,
    pub has_more: bool,
}

/// Your transactions, newest first.
#[utoipa::path(get, path = "/wallet/transactions", tag = "wallet", params(HistoryParams),
    responses((status = 200, body = ApiTransactionPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn transactions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(params): ApiQuery<HistoryParams>,
) -> Result<Json<ApiTransactionPage>, AppError> {
    let page = service::history(
        &state,
        &user,
        &TxQuery {
            kind: params.kind,
            direction: params.direction,
            page: params.page,
        },
    )
    .await?;
    Ok(Json(ApiTransactionPage {
        transactions: page.items.iter().map(ApiTransaction::from).collect(),
        page: page.page,
        has_more: page.has_more,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepositBody {
    #[schema(minimum = 0.01, maximum = 10000, multiple_of = 0.01)]
    pub amount: Option<f64>,
    #[schema(minimum = 1, maximum = 1000000)]
    pub amount_cents: Option<i64>,
    /// A test card: 4242 4242 4242 4242 is charged, 4000 0000 0000 0002 declined.
    pub card_number: String,
    /// `MM/YY`.
    pub card_expiry: String,
    pub card_cvc: String,
}

/// Top up from a card (the test provider).
#[utoipa::path(post, path = "/wallet/deposit", tag = "wallet", request_body = DepositBody,
    params(("Idempotency-Key" = String, Header, description = "Required; the same key returns the first result")),
    responses((status = 201, body = ApiReceipt), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deposit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<DepositBody>,
) -> Result<Response, AppError> {
    let key = key.required()?;
    let amount = cents(body.amount, body.amount_cents)?;
    let card = CardInput {
        number: body.card_number,
        expiry: body.card_expiry,
        cvc: body.card_cvc,
    };
    let receipt = service::deposit(&state, &user, amount, &card, &key).await?;
    Ok(created(&receipt))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawBody {
    #[schema(minimum = 0.01, maximum = 10000, multiple_of = 0.01)]
    pub amount: Option<f64>,
    #[schema(minimum = 1, maximum = 1000000)]
    pub amount_cents: Option<i64>,
    /// IBAN or account number (a simulated bank).
    #[schema(pattern = "^\\s*([A-Za-z0-9]\\s*){6,34}$")]
    pub bank_account: String,
}

/// Withdraw to a (simulated) bank account.
#[utoipa::path(post, path = "/wallet/withdraw", tag = "wallet", request_body = WithdrawBody,
    params(("Idempotency-Key" = String, Header, description = "Required; the same key returns the first result")),
    responses((status = 201, body = ApiReceipt), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> Result<Response, AppError> {
    let key = key.required()?;
    let amount = cents(body.amount, body.amount_cents)?;
    let receipt = service::withdraw(&state, &user, amount, &body.bank_account, &key).await?;
    Ok(created(&receipt))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferBody {
    /// The recipient's email.
    #[schema(
        pattern = "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$",
        max_length = 254
    )]
    pub to_email: String,
    #[schema(minimum = 0.01, maximum = 10000, multiple_of = 0.01)]
    pub amount: Option<f64>,
    #[schema(minimum = 1, maximum = 1000000)]
    pub amount_cents: Option<i64>,
    pub memo: Option<String>,
}

/// Send money to another person.
#[utoipa::path(post, path = "/wallet/transfer", tag = "wallet", request_body = TransferBody,
    params(("Idempotency-Key" = String, Header, description = "Required; the same key returns the first result")),
    responses((status = 201, body = ApiReceipt), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn transfer(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    key: IdempotencyKey,
    ApiJson(body): ApiJson<TransferBody>,
) -> Result<Response, AppError> {
    let key = key.required()?;
    let amount = cents(body.amount, body.amount_cents)?;
    let receipt = service::transfer(
        &state,
        &user,
        &body.to_email,
        amount,
        body.memo.as_deref().unwrap_or(""),
        &key,
    )
    .await?;
    Ok(created(&receipt))
}
