//! Shared building blocks: every page composes these instead of repeating
//! Tailwind class lists.

mod badge;
mod button;
mod card;
mod error_view;
mod form_field;
mod icon;
mod page;
mod toast;

pub use badge::{Badge, Tone};
pub use button::{Button, ButtonLink, Variant};
pub use card::{Card, EmptyState};
pub use error_view::{ErrorPage, ErrorView};
pub use form_field::FormField;
pub use icon::{Icon, IconName};
pub use page::{FailedPage, INPUT, Notice, Pager, Skeleton, id_param, query_param};
pub use toast::{ToastHost, ToastKind, Toasts, provide_toasts, use_toasts};
