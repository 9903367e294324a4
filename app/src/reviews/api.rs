//! Server functions of reviews (under /rpc/reviews/…).

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::model::{About, Target};
use super::model::{ReviewList, ReviewView};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::ReviewId;

#[cfg(feature = "ssr")]
use crate::accounts::{rpc, session};

/// Reviews of a service, an event or a provider (give one id).
#[server(prefix = "/rpc", endpoint = "reviews/list")]
pub async fn list_reviews(
    service_id: Option<i64>,
    event_id: Option<i64>,
    provider_id: Option<i64>,
) -> Result<ReviewList, AppError> {
    rpc::anyone(|state, viewer| async move {
        let about = match (service_id, event_id, provider_id) {
            (Some(id), None, None) => About::Service(id),
            (None, Some(id), None) => About::Event(id),
            (None, None, Some(id)) => About::Provider(id),
            _ => {
                return Err(AppError::bad_request(
                    "about",
                    "Name one service, event or provider.",
                ));
            }
        };
        super::service::list(&state, viewer.as_ref(), about).await
    })
    .await
}

/// Writes a review of a booking or an event, then goes back to `back`.
#[server(prefix = "/rpc", endpoint = "reviews/write")]
pub async fn write_review(
    booking_id: Option<i64>,
    event_id: Option<i64>,
    rating: i64,
    #[server(default)] body: String,
    #[server(default)] back: String,
) -> Result<ReviewView, AppError> {
    rpc::signed_in(|state, user| async move {
        let target = match (booking_id, event_id) {
            (Some(id), None) => Target::Booking(id),
            (None, Some(id)) => Target::Event(id),
            _ => {
                return Err(AppError::bad_request(
                    "target",
                    "Name one booking or event to review.",
                ));
            }
        };
        let review = super::service::create(&state, &user, target, rating, &body).await?;
        session::redirect_back(&back);
        Ok(review)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "reviews/reply")]
pub async fn reply_to_review(
    id: i64,
    reply: String,
    #[server(default)] back: String,
) -> Result<ReviewView, AppError> {
    rpc::signed_in(|state, user| async move {
        let review = super::service::reply(&state, &user, ReviewId::new(id), &reply).await?;
        session::redirect_back(&back);
        Ok(review)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "reviews/hide")]
pub async fn hide_review(
    id: i64,
    hidden: bool,
    #[server(default)] back: String,
) -> Result<ReviewView, AppError> {
    rpc::signed_in(|state, user| async move {
        let review = super::service::set_hidden(&state, &user, ReviewId::new(id), hidden).await?;
        session::redirect_back(&back);
        Ok(review)
    })
    .await
}
