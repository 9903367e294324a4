//! Review components: the list with its average (service, event and
//! provider pages), the form to write one, the reply and hide controls.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::api::{HideReview, ReplyToReview, WriteReview, list_reviews};
use super::model::{ReviewList, ReviewView, stars};
use crate::accounts::context::field_error;
use crate::accounts::pages::FormAlert;
use crate::components::{Badge, Button, Tone, Variant};
use crate::components::{INPUT, Skeleton};
use crate::dates::date_time;

/// What a review section lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Service(i64),
    Event(i64),
    Provider(i64),
}

/// Reviews with their average, newest first; an attendee of an event who
/// hasn't reviewed it yet gets the form here.
#[component]
pub fn ReviewsSection(of: Of, #[prop(into)] back: String) -> impl IntoView {
    let write = ServerAction::<WriteReview>::new();
    let reply = ServerAction::<ReplyToReview>::new();
    let hide = ServerAction::<HideReview>::new();
    let data = Resource::new(
        move || {
            (
                write.version().get(),
                reply.version().get(),
                hide.version().get(),
            )
        },
        move |_| match of {
            Of::Service(id) => list_reviews(Some(id), None, None),
            Of::Event(id) => list_reviews(None, Some(id), None),
            Of::Provider(id) => list_reviews(None, None, Some(id)),
        },
    );
    view! {
        <section aria-labelledby="reviews" class="space-y-4">
            <h2 id="reviews" class="text-lg font-semibold">"Reviews"</h2>
            <Suspense fallback=|| view! { <Skeleton height="h-24" /> }>
                {move || {
                    let back = back.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(list) => view! { <Reviews list of back write reply hide /> }.into_any(),
                            Err(e) => view! { <p class="text-sm text-red-700" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn Reviews(
    list: ReviewList,
    of: Of,
    back: String,
    write: ServerAction<WriteReview>,
    reply: ServerAction<ReplyToReview>,
    hide: ServerAction<HideReview>,
) -> impl IntoView {
    let summary = if list.count == 0 {
        "No reviews yet.".to_string()
    } else {
        format!(
            "{}.{} out of 5 from {} review{}",
            list.average_tenths / 10,
            list.average_tenths % 10,
            list.count,
            if list.count == 1 { "" } else { "s" }
        )
    };
    let form = match of {
        Of::Event(id) if list.can_review => Some(
            view! { <ReviewForm event_id=Some(id) booking_id=None back=back.clone() action=write /> },
        ),
        _ => None,
    };
    view! {
        <p class="text-sm text-slate-700" data-testid="review-summary">
            {(list.count > 0).then(|| view! { <span class="mr-2 text-amber-500" aria-hidden="true">{stars((list.average_tenths + 5) / 10)}</span> })}
            {summary}
        </p>
        {form}
        <ul class="space-y-3" data-testid="reviews">
            {list.reviews.into_iter().map(|r| view! { <li><ReviewItem review=r back=back.clone() reply hide /></li> }).collect_view()}
        </ul>
    }
}

#[component]
fn ReviewItem(
    review: ReviewView,
    back: String,
    reply: ServerAction<ReplyToReview>,
    hide: ServerAction<HideReview>,
) -> impl IntoView {
    let id = review.id;
    view! {
        <article class="rounded-2xl border border-slate-200 bg-white p-4" data-testid="review">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="font-medium">
                    <span class="mr-2 text-amber-500" aria-label=format!("{} out of 5 stars", review.rating)>{stars(review.rating)}</span>
                    {review.author_name.clone()}
                </p>
                <p class="text-xs text-slate-500">
                    {date_time(review.created_at)}
                    {review.hidden.then(|| view! { <span class="ml-2"><Badge tone=Tone::Danger>"Hidden"</Badge></span> })}
                </p>
            </div>
            {(!review.body.is_empty()).then(|| view! { <p class="mt-2 whitespace-pre-line text-sm text-slate-800">{review.body.clone()}</p> })}
            {review.reply.clone().map(|text| view! {
                <div class="mt-3 rounded-lg bg-slate-50 px-3 py-2 text-sm">
                    <p class="text-xs font-medium text-slate-500">"Reply"</p>
                    <p class="whitespace-pre-line text-slate-800">{text}</p>
                </div>
            })}
            {review.can_reply.then(|| {
                let back = back.clone();
                view! {
                    <ActionForm action=reply attr:class="mt-3 flex flex-col gap-2 sm:flex-row">
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="back" value=back />
                        <label class="sr-only" for=format!("reply-{id}")>"Your reply"</label>
                        <input id=format!("reply-{id}") name="reply" required maxlength="2000" placeholder="Reply once, publicly" class=INPUT />
                        <Button kind="submit" variant=Variant::Secondary busy=reply.pending()>"Reply"</Button>
                    </ActionForm>
                }
            })}
            {review.can_hide.then(|| view! {
                <ActionForm action=hide attr:class="mt-2">
                    <input type="hidden" name="id" value=id.to_string() />
                    <input type="hidden" name="hidden" value=(!review.hidden).to_string() />
                    <input type="hidden" name="back" value=back.clone() />
                    <Button kind="submit" variant=Variant::Ghost busy=hide.pending()>
                        {if review.hidden { "Show again" } else { "Hide review" }}
                    </Button>
                </ActionForm>
            })}
        </article>
    }
}

/// Stars and words for a booking or an event.
#[component]
pub fn ReviewForm(
    booking_id: Option<i64>,
    event_id: Option<i64>,
    back: String,
    action: ServerAction<WriteReview>,
) -> impl IntoView {
    let value = action.value();
    view! {
        <ActionForm action attr:class="space-y-3 rounded-2xl border border-brand-200 bg-brand-50/40 p-4" attr:data-testid="review-form">
            <h3 class="font-semibold">"Leave a review"</h3>
            <FormAlert message=field_error(value, None) />
            {booking_id.map(|id| view! { <input type="hidden" name="booking_id" value=id.to_string() /> })}
            {event_id.map(|id| view! { <input type="hidden" name="event_id" value=id.to_string() /> })}
            <input type="hidden" name="back" value=back />
            <fieldset>
                <legend class="text-sm font-medium text-slate-800">"Rating"</legend>
                <div class="mt-1 flex flex-wrap gap-3">
                    {(1..=5).rev().map(|n| view! {
                        <label class="flex items-center gap-1 text-sm">
                            <input type="radio" name="rating" value=n.to_string() required checked=n == 5 />
                            <span class="text-amber-500">{stars(n)}</span>
                        </label>
                    }).collect_view()}
                </div>
                {move || field_error(value, Some("rating")).get().map(|e| view! { <p class="text-sm text-red-600" role="alert">{e}</p> })}
            </fieldset>
            <div class="space-y-1.5">
                <label for="review-body" class="block text-sm font-medium text-slate-800">"Your review"</label>
                <textarea id="review-body" name="body" rows="3" maxlength="2000" class=INPUT></textarea>
            </div>
            <Button kind="submit" busy=action.pending()>"Post review"</Button>
        </ActionForm>
    }
}
