use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{Countdown, money};
use crate::accounts::context::field_error;
use crate::accounts::pages::{FormAlert, RequireSignIn};
use crate::components::{Button, ButtonLink, Card, Variant};
use crate::components::{FailedPage, INPUT, Skeleton};
use crate::error::AppError;
use crate::events::api::TopUpAndPay;
use crate::events::api::{Checkout, ReleaseHold, get_hold};
use crate::events::model::{HoldStatus, HoldView, PaymentMethod};
use crate::kernel::idempotency::fresh_key;
use crate::live::protocol::Notice;
use crate::wallet::api::wallet_balance;
use crate::wallet::model::{Balance, money as wallet_money};
use crate::wallet::pages::card_fields;

/// The held seats: what they cost, how long they stay held, and "confirm".
#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <CheckoutView />
        </RequireSignIn>
    }
}

fn failed<T>(answer: &Option<Result<T, AppError>>) -> bool {
    matches!(answer, Some(Err(_)))
}

#[component]
fn CheckoutView() -> impl IntoView {
    let params = use_params_map();
    let hold_id = Memo::new(move |_| params.read().get("hold").unwrap_or_default());
    // The server says when the hold lapses (the countdown only guesses from
    // the browser's clock): the card then turns into "expired".
    let lapsed = crate::accounts::context::notices_matching(
        move |notice| matches!(notice, Notice::HoldExpired { hold_id: id, .. } if *id == hold_id.get_untracked()),
    );
    let checkout = ServerAction::<Checkout>::new();
    let top_up_and_pay = ServerAction::<TopUpAndPay>::new();
    // A refused order (the price changed, the seats lapsed) re-reads the
    // hold, so the card shows what the next attempt would pay. A success
    // leaves the page and reads nothing.
    let refused = move || {
        (
            checkout
                .value()
                .with(failed)
                .then(|| checkout.version().get()),
            top_up_and_pay
                .value()
                .with(failed)
                .then(|| top_up_and_pay.version().get()),
        )
    };
    let hold = Resource::new(
        move || (hold_id.get(), lapsed.get(), refused()),
        |(id, _, _)| get_hold(id),
    );
    let release = ServerAction::<ReleaseHold>::new();
    // Read once: the page's own forms are what change it, and they leave the
    // page. (Reloading it on live notices raced the navigation away: a
    // refetch still under way when the page was disposed broke the app.)
    let balance = Resource::new(|| (), |_| wallet_balance());
    view! {
        <Title text="Checkout" />
        <div class="mx-auto max-w-xl space-y-6">
            <h1 class="text-3xl font-bold tracking-tight">"Checkout"</h1>
            <FormAlert message=field_error(checkout.value(), None) />
            <FormAlert message=field_error(checkout.value(), Some("notes")) />
            <FormAlert message=field_error(top_up_and_pay.value(), None) />
            <FormAlert message=field_error(top_up_and_pay.value(), Some("notes")) />
            <FormAlert message=field_error(release.value(), None) />
            <Suspense fallback=|| view! { <Skeleton /> }>
                {move || Suspend::new(async move {
                    match hold.await {
                        Ok(h) => view! { <HoldCard hold=h checkout top_up_and_pay release balance /> }.into_any(),
                        Err(error) => view! { <FailedPage error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn HoldCard(
    hold: HoldView,
    checkout: ServerAction<Checkout>,
    top_up_and_pay: ServerAction<TopUpAndPay>,
    release: ServerAction<ReleaseHold>,
    balance: Resource<Result<Balance, AppError>>,
) -> impl IntoView {
    let active = hold.status == HoldStatus::Active;
    let total = money(hold.total_cents(), &hold.currency);
    let total_cents = hold.total_cents();
    let expires_label = crate::events::pages::clock(hold.expires_at);
    let (checkout_id, release_id) = (hold.id.clone(), hold.id.clone());
    let door = hold.payment_method == PaymentMethod::Door;
    let door_id = hold.id.clone();
    view! {
        <Card>
            <div class="space-y-4">
                <div>
                    <a href=format!("/events/{}", hold.event_id) class="text-lg font-semibold hover:underline">{hold.event_name.clone()}</a>
                    <p class="text-sm text-slate-600">{hold.when_label.clone()}</p>
                </div>
                <dl class="divide-y divide-slate-100 text-sm">
                    <div class="flex justify-between py-2"><dt class="text-slate-600">"Tier"</dt><dd class="font-medium">{hold.tier_name.clone()}</dd></div>
                    <div class="flex justify-between py-2"><dt class="text-slate-600">"Seats"</dt><dd class="font-medium" data-testid="hold-quantity">{hold.quantity}</dd></div>
                    <div class="flex justify-between py-2"><dt class="text-slate-600">"Price each"</dt><dd class="font-medium">{money(hold.unit_price_cents, &hold.currency)}</dd></div>
                    <div class="flex justify-between py-2 text-base"><dt class="font-semibold">"Total"</dt><dd class="font-bold" data-testid="hold-total">{total}</dd></div>
                </dl>
                {if let Some(order_id) = hold.order_id.filter(|_| hold.status == HoldStatus::Converted) {
                    view! {
                        <p class="text-sm text-slate-700">"These seats are yours."</p>
                        <ButtonLink href=format!("/orders/{order_id}")>"View your order"</ButtonLink>
                    }.into_any()
                } else if active {
                    view! {
                        <div class="rounded-xl bg-amber-50 p-4 ring-1 ring-amber-200">
                            <Countdown seconds_left=hold.seconds_left expires_label />
                            <p class="mt-1 text-xs text-amber-900">"Confirm before the time runs out, or the seats go back on sale."</p>
                        </div>
                        {door.then(|| view! {
                            <ActionForm action=checkout attr:class="space-y-3" attr:data-testid="pay-at-door">
                                <input type="hidden" name="hold_id" value=door_id />
                                {notes_field()}
                                <p class="text-sm text-slate-700">
                                    "You pay " <strong>{money(total_cents, &hold.currency)}</strong> " at the door: nothing is taken from your wallet. Your tickets are issued now."
                                </p>
                                <Button kind="submit" busy=checkout.pending()>"Confirm order, pay at the door"</Button>
                            </ActionForm>
                        })}
                        <Suspense fallback=|| view! { <Skeleton height="h-24" /> }>
                            {move || {
                                let checkout_id = checkout_id.clone();
                                Suspend::new(async move {
                                    if door {
                                        return ().into_any();
                                    }
                                    match balance.await {
                                        Ok(b) => view! { <PayForms hold_id=checkout_id total=total_cents balance=b checkout top_up_and_pay /> }.into_any(),
                                        Err(error) => view! { <FormAlert message=Signal::stored(Some(error.to_string())) /> }.into_any(),
                                    }
                                })
                            }}
                        </Suspense>
                        <ActionForm action=release>
                            <input type="hidden" name="hold_id" value=release_id />
                            <Button kind="submit" variant=Variant::Ghost busy=release.pending()>"Release seats"</Button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <div role="alert" class="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800">
                            {format!("This hold has {}. The seats went back on sale.", if hold.status == HoldStatus::Released { "been released" } else { "expired" })}
                        </div>
                        <ButtonLink href=format!("/events/{}", hold.event_id)>"Hold seats again"</ButtonLink>
                    }.into_any()
                }}
            </div>
        </Card>
    }
}

fn notes_field() -> impl IntoView {
    view! {
        <div class="space-y-1.5">
            <label for="notes" class="block text-sm font-medium text-slate-800">"Notes for the organizer (optional)"</label>
            <textarea id="notes" name="notes" rows="2" maxlength="500" class=INPUT></textarea>
        </div>
    }
}

/// How the order is paid: from the wallet when it holds enough, else a
/// top-up of what is missing and the payment in one go.
#[component]
fn PayForms(
    hold_id: String,
    total: i64,
    balance: Balance,
    checkout: ServerAction<Checkout>,
    top_up_and_pay: ServerAction<TopUpAndPay>,
) -> impl IntoView {
    let notes = notes_field;
    let short = total - balance.available_cents;
    let wallet_line = view! {
        <p class="flex justify-between text-sm" data-testid="wallet-available">
            <span class="text-slate-600">"Your wallet"</span>
            <span class="font-medium tabular-nums">{wallet_money(balance.available_cents)} " available"</span>
        </p>
    };
    if total == 0 || short <= 0 {
        let label = if total == 0 {
            "Confirm order".to_string()
        } else {
            format!("Pay {} from wallet", wallet_money(total))
        };
        view! {
            {(total > 0).then_some(wallet_line)}
            <ActionForm action=checkout attr:class="space-y-3">
                <input type="hidden" name="hold_id" value=hold_id />
                {notes()}
                <p class="text-sm text-slate-600">"Your tickets are issued as soon as the payment goes through."</p>
                <Button kind="submit" busy=checkout.pending()>{label}</Button>
            </ActionForm>
        }
        .into_any()
    } else {
        let value = top_up_and_pay.value();
        view! {
            {wallet_line}
            <ActionForm action=top_up_and_pay attr:class="space-y-3" attr:data-testid="top-up-and-pay">
                <input type="hidden" name="hold_id" value=hold_id />
                <input type="hidden" name="key" value=fresh_key() />
                <p class="text-sm text-slate-700">
                    "Your wallet is " <strong>{wallet_money(short)}</strong> " short. Add it from a card and pay in one step."
                </p>
                {card_fields(value)}
                {notes()}
                <Button kind="submit" busy=top_up_and_pay.pending()>{format!("Top up {} and pay", wallet_money(short))}</Button>
            </ActionForm>
        }
        .into_any()
    }
}
