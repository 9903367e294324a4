//! Server functions of services and bookings (under /rpc/services/…).
//! Thin: the request's user, the service call, and where a form post lands.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::{
    BookingAction, BookingRequest, BookingView, ProviderView, Schedule, ScheduleDraft,
    ServiceDraft, ServiceList, ServiceQuery, ServiceView, SlotWeek,
};
use crate::chat::model::OpenedRoom;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::kernel::ids::{BookingId, RoomId, ServiceId};

#[cfg(feature = "ssr")]
use crate::accounts::{rpc, session};
#[cfg(feature = "ssr")]
use crate::kernel::idempotency::Key;

#[server(prefix = "/rpc", endpoint = "services/list")]
pub async fn list_services(query: ServiceQuery) -> Result<ServiceList, AppError> {
    rpc::anyone(|state, viewer| async move {
        super::catalog::list_services(&state, viewer.as_ref(), &query).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "services/get")]
pub async fn get_service(id: i64) -> Result<ServiceView, AppError> {
    rpc::anyone(|state, viewer| async move {
        super::catalog::get_service(&state, viewer.as_ref(), ServiceId::new(id)).await
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "services/provider")]
pub async fn get_provider(id: i64) -> Result<ProviderView, AppError> {
    rpc::anyone(|state, viewer| async move {
        super::catalog::provider(&state, viewer.as_ref(), id).await
    })
    .await
}

/// A week of free starts; `tz` is the viewer's zone (the provider's when empty).
#[server(prefix = "/rpc", endpoint = "services/slots")]
pub async fn service_slots(id: i64, week: String, tz: String) -> Result<SlotWeek, AppError> {
    rpc::anyone(|state, viewer| async move {
        super::schedule::slot_week(&state, viewer.as_ref(), ServiceId::new(id), &week, &tz).await
    })
    .await
}

/// The signed-in provider's services (drafts included).
#[server(prefix = "/rpc", endpoint = "services/mine")]
pub async fn my_services() -> Result<Vec<ServiceView>, AppError> {
    rpc::signed_in(|state, user| async move { super::catalog::my_services(&state, &user).await })
        .await
}

/// Creates (`id` empty) or updates a service, then shows it.
#[server(prefix = "/rpc", endpoint = "services/save")]
pub async fn save_service(id: Option<i64>, draft: ServiceDraft) -> Result<ServiceView, AppError> {
    rpc::signed_in(|state, user| async move {
        let input = draft.parse()?;
        let service = match id {
            Some(id) => {
                super::catalog::update_service(&state, &user, ServiceId::new(id), input).await?
            }
            None => super::catalog::create_service(&state, &user, input).await?,
        };
        leptos_axum::redirect(&format!("/services/{}?saved=1", service.id));
        Ok(service)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "services/delete")]
pub async fn delete_service(id: i64) -> Result<(), AppError> {
    rpc::signed_in(|state, user| async move {
        super::catalog::delete_service(&state, &user, ServiceId::new(id)).await?;
        leptos_axum::redirect("/provider?deleted=1");
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "services/schedule")]
pub async fn my_schedule() -> Result<Schedule, AppError> {
    rpc::signed_in(|state, user| async move { super::schedule::my_schedule(&state, &user).await })
        .await
}

#[server(prefix = "/rpc", endpoint = "services/save_schedule")]
pub async fn save_schedule(draft: ScheduleDraft) -> Result<Schedule, AppError> {
    rpc::signed_in(|state, user| async move {
        let schedule = super::schedule::save_schedule(&state, &user, draft.parse()?).await?;
        leptos_axum::redirect("/provider/availability?saved=1");
        Ok(schedule)
    })
    .await
}

/// Books a slot and goes to the booking's page.
#[server(prefix = "/rpc", endpoint = "services/book")]
pub async fn book_slot(request: BookingRequest) -> Result<BookingView, AppError> {
    rpc::signed_in(|state, user| async move {
        let key = Key::optional(Key::FIELD, Some(&request.key))?;
        let (booking, _) = super::bookings::book(&state, &user, &request, key).await?;
        leptos_axum::redirect(&format!("/bookings/{}?booked=1", booking.id));
        Ok(booking)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "services/booking")]
pub async fn get_booking(id: i64) -> Result<BookingView, AppError> {
    rpc::signed_in(|state, user| async move {
        super::bookings::get_booking(&state, &user, BookingId::new(id)).await
    })
    .await
}

/// A status change from a booking page's buttons; `back` is where a form
/// post without JavaScript returns to.
#[server(prefix = "/rpc", endpoint = "services/act")]
pub async fn act_on_booking(
    id: i64,
    action: BookingAction,
    #[server(default)] reason: String,
    #[server(default)] back: String,
) -> Result<BookingView, AppError> {
    rpc::signed_in(|state, user| async move {
        let booking =
            super::bookings::act(&state, &user, BookingId::new(id), action, &reason).await?;
        session::redirect_back(&back);
        Ok(booking)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "services/reschedule")]
pub async fn reschedule_booking(id: i64, starts_at: i64) -> Result<BookingView, AppError> {
    rpc::signed_in(|state, user| async move {
        let booking =
            super::bookings::reschedule(&state, &user, BookingId::new(id), starts_at).await?;
        leptos_axum::redirect(&format!("/bookings/{id}?moved=1"));
        Ok(booking)
    })
    .await
}

/// The provider's browser reports where they are (while under way).
#[server(prefix = "/rpc", endpoint = "services/location")]
pub async fn share_location(
    id: i64,
    lat: f64,
    lng: f64,
    accuracy_m: f64,
) -> Result<BookingView, AppError> {
    rpc::signed_in(|state, user| async move {
        super::bookings::share_location(&state, &user, BookingId::new(id), lat, lng, accuracy_m)
            .await
    })
    .await
}

/// The signed-in person's bookings as customer and as provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingsOverview {
    pub as_customer: Vec<BookingView>,
    pub as_provider: Vec<BookingView>,
}

#[server(prefix = "/rpc", endpoint = "services/my_bookings")]
pub async fn my_bookings() -> Result<BookingsOverview, AppError> {
    rpc::signed_in(|state, user| async move {
        use super::bookings::{Side, list};
        Ok(BookingsOverview {
            as_customer: list(&state, &user, Side::Customer).await?,
            as_provider: list(&state, &user, Side::Provider).await?,
        })
    })
    .await
}

/// A booking's chat thread, opened, for its customer or provider.
#[server(prefix = "/rpc", endpoint = "services/chat")]
pub async fn booking_chat(booking_id: i64) -> Result<OpenedRoom, AppError> {
    rpc::signed_in(|state, user| async move {
        let view = super::bookings::thread(&state, &user, BookingId::new(booking_id)).await?;
        let room = crate::chat::rooms::readable(&state, &user, RoomId::new(view.id)).await?;
        crate::chat::messages::open(&state, &user, room, None).await
    })
    .await
}
