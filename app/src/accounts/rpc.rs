//! What every server function does around its work: find the state and
//! the person calling, and answer an error with its status (see
//! [`respond`]). A server function is then its work alone:
//!
//! ```ignore
//! #[server(prefix = "/rpc", endpoint = "wallet/balance")]
//! pub async fn wallet_balance() -> Result<Balance, AppError> {
//!     rpc::signed_in(|state, user| async move { service::balance(&state, &user).await }).await
//! }
//! ```

use std::future::Future;

use super::service::AuthUser;
use super::session;
use crate::error::{AppError, respond};
use crate::state::{AppState, app_state};

/// Work for the signed-in person; 401 for anyone else.
pub async fn signed_in<T, F, Fut>(work: F) -> Result<T, AppError>
where
    F: FnOnce(AppState, AuthUser) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    respond(
        async {
            let state = app_state()?;
            let user = session::require_user()?;
            work(state, user).await
        }
        .await,
    )
}

/// Work for anyone, signed in (`Some`) or not.
pub async fn anyone<T, F, Fut>(work: F) -> Result<T, AppError>
where
    F: FnOnce(AppState, Option<AuthUser>) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    respond(
        async {
            let state = app_state()?;
            work(state, session::current_user()).await
        }
        .await,
    )
}
