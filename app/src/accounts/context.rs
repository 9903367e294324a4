//! The signed-in user in the browser: one signal, seeded by the server
//! during rendering and kept current by the account actions.

use leptos::prelude::*;

use super::api::SignOut;
use super::model::Me;
use crate::error::AppError;
use crate::live::protocol::{Notice, Payload};

/// The signed-in user, and signing out (which the navigation offers on every
/// page). Forms that sign in or change the user create their own action in
/// their page, where an error brought back in the URL (a form posted without
/// JavaScript) reaches it, and report the result with [`Auth::follow`].
#[derive(Clone, Copy)]
pub struct Auth {
    pub me: RwSignal<Option<Me>>,
    pub sign_out: ServerAction<SignOut>,
}

impl Auth {
    /// Adopts the user an action returns (sign-in, sign-up, profile edit).
    pub fn follow<S>(&self, value: S)
    where
        S: Get<Value = Option<Result<Me, AppError>>> + Send + Sync + 'static,
    {
        let me = self.me;
        Effect::new(move |_| {
            if let Some(Ok(user)) = value.get() {
                me.set(Some(user));
            }
        });
    }
}

pub fn provide_auth() -> Auth {
    // Computed on the server from the request, carried to the browser in
    // the page, so the first render already knows who is signed in.
    let initial = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            super::session::current_user().map(|user| user.me)
        }
        #[cfg(not(feature = "ssr"))]
        {
            None::<Me>
        }
    });
    let auth = Auth {
        me: RwSignal::new(initial.into_inner()),
        sign_out: ServerAction::new(),
    };
    let me = auth.me;
    Effect::new(move |_| {
        if let Some(Ok(())) = auth.sign_out.value().get() {
            me.set(None);
        }
    });
    provide_context(auth);
    auth
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// The message of an action's error for one form field (or, with `None`,
/// the errors that name no field).
pub fn field_error<T, S>(value: S, field: Option<&'static str>) -> Signal<Option<String>>
where
    T: 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(AppError::BadRequest { field: f, message })) if f.as_deref() == field => {
            Some(message)
        }
        Some(Err(other)) if field.is_none() && !matches!(other, AppError::BadRequest { .. }) => {
            Some(other.to_string())
        }
        _ => None,
    })
}

/// Counts the notices on the signed-in person's own topic that `wanted`
/// picks; resources that read the count reload on each.
pub fn notices_matching(wanted: impl Fn(&Notice) -> bool + Send + Sync + 'static) -> Memo<u64> {
    let auth = use_auth();
    let me = auth.me.get_untracked().map(|m| m.id).unwrap_or(0);
    let feed = crate::live::client::use_topic(format!("user:{me}"));
    let count = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Some(Payload::Notice { notice }) = feed.get()
            && wanted(&notice)
        {
            count.update(|n| *n += 1);
        }
    });
    Memo::new(move |_| count.get())
}
