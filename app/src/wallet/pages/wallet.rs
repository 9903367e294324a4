use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{TransactionLine, wallet_changes};
use crate::accounts::context::field_error;
use crate::accounts::pages::{FormAlert, RequireSignIn};
use crate::components::{
    Button, ButtonLink, Card, EmptyState, ErrorView, FormField, IconName, Variant,
};
use crate::components::{Notice, Skeleton, query_param};
use crate::kernel::idempotency::fresh_key;
use crate::wallet::api::{
    SendMoney, TopUp, WalletSummary, Withdraw, top_up_provider, wallet_overview,
};
use crate::wallet::model::{Balance, money};

/// The signed-in person's wallet.
#[component]
pub fn WalletPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <Wallet />
        </RequireSignIn>
    }
}

#[component]
fn Wallet() -> impl IntoView {
    let changes = wallet_changes();
    let done = query_param("done");
    let top_up = ServerAction::<TopUp>::new();
    let withdraw = ServerAction::<Withdraw>::new();
    let send = ServerAction::<SendMoney>::new();
    // Reload after each of the forms, and whenever the wallet changes elsewhere.
    let data = Resource::new(
        move || {
            (
                changes.get(),
                top_up.version().get(),
                withdraw.version().get(),
                send.version().get(),
            )
        },
        |_| wallet_overview(),
    );
    view! {
        <Title text="Wallet" />
        <div class="mx-auto max-w-4xl space-y-8">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h1 class="text-3xl font-bold tracking-tight">"Wallet"</h1>
                <ButtonLink href="/wallet/transactions" variant=Variant::Secondary>"All transactions"</ButtonLink>
            </div>
            <Notice when=Signal::derive(move || done.get() == "topup") text="Money added to your wallet." />
            <Notice when=Signal::derive(move || done.get() == "withdraw") text="Withdrawal sent to your bank." />
            <Notice when=Signal::derive(move || done.get() == "send") text="Money sent." />
            <Suspense fallback=|| view! { <Skeleton height="h-28" /> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                    {move || Suspend::new(async move {
                        data.await.map(|w| view! { <BalanceCards balance=w.balance.clone() /> })
                    })}
                </ErrorBoundary>
            </Suspense>
            <div class="grid gap-6 lg:grid-cols-3">
                <TopUpForm action=top_up />
                <SendForm action=send />
                <WithdrawForm action=withdraw />
            </div>
            <section aria-labelledby="recent" class="space-y-3">
                <h2 id="recent" class="text-lg font-semibold">"Recent activity"</h2>
                <Suspense fallback=|| view! { <Skeleton /> }>
                    <ErrorBoundary fallback=|errors| view! { <ErrorView errors /> }>
                        {move || Suspend::new(async move {
                            data.await.map(recent)
                        })}
                    </ErrorBoundary>
                </Suspense>
            </section>
        </div>
    }
}

fn recent(w: WalletSummary) -> AnyView {
    if w.recent.is_empty() {
        return view! {
            <EmptyState icon=IconName::Sparkles title="No transactions yet" message="Top up your wallet to buy tickets in one click." />
        }
        .into_any();
    }
    view! {
        <ul class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white" data-testid="recent">
            {w.recent.into_iter().map(|tx| view! { <li><TransactionLine tx /></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Balance, reserved and available, side by side (stacked on a phone).
#[component]
pub fn BalanceCards(balance: Balance) -> impl IntoView {
    view! {
        <dl class="grid gap-4 sm:grid-cols-3" data-testid="balance-cards">
            <div class="rounded-2xl bg-brand-600 p-5 text-white shadow-sm">
                <dt class="text-sm text-brand-100">"Available"</dt>
                <dd class="mt-1 text-3xl font-bold tabular-nums" data-testid="available">{money(balance.available_cents)}</dd>
            </div>
            <div class="rounded-2xl border border-slate-200 bg-white p-5">
                <dt class="text-sm text-slate-600">"Balance"</dt>
                <dd class="mt-1 text-2xl font-semibold tabular-nums" data-testid="balance">{money(balance.balance_cents)}</dd>
            </div>
            <div class="rounded-2xl border border-slate-200 bg-white p-5">
                <dt class="text-sm text-slate-600">"Reserved for checkouts"</dt>
                <dd class="mt-1 text-2xl font-semibold tabular-nums" data-testid="pending">{money(balance.pending_cents)}</dd>
            </div>
        </dl>
    }
}

/// A hidden idempotency key that changes after each success.
fn key_input<T, S>(value: S) -> impl IntoView
where
    T: 'static,
    S: Get<Value = Option<Result<T, crate::error::AppError>>> + Send + Sync + 'static,
{
    let key = RwSignal::new(fresh_key());
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            key.set(fresh_key());
        }
    });
    // An attribute, not a property: the server renders it into the page, so
    // a form posted without JavaScript carries it too.
    view! { <input type="hidden" name="key" value=move || key.get() /> }
}

/// The card fields of a top-up, with the test provider's instructions;
/// `value` is the action's result, for the fields' errors.
pub fn card_fields<T, S>(value: S) -> impl IntoView
where
    T: 'static,
    S: Get<Value = Option<Result<T, crate::error::AppError>>> + Clone + Send + Sync + 'static,
{
    view! {
        <p class="rounded-lg bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200" data-testid="test-provider">
            <strong>"Test mode: "</strong>
            "no real card is charged. Use 4242 4242 4242 4242 with any future expiry and any CVC; 4000 0000 0000 0002 is declined."
        </p>
        <FormField label="Card number" name="card_number" autocomplete="cc-number" required=true
            error=field_error(value.clone(), Some("card_number")) />
        <div class="grid grid-cols-2 gap-3">
            <FormField label="Expiry (MM/YY)" name="card_expiry" autocomplete="cc-exp" required=true
                error=field_error(value.clone(), Some("card_expiry")) />
            <FormField label="CVC" name="card_cvc" autocomplete="cc-csc" required=true
                error=field_error(value, Some("card_cvc")) />
        </div>
    }
}

#[component]
fn TopUpForm(action: ServerAction<TopUp>) -> impl IntoView {
    // Asked once: the form is not rebuilt (and what is typed not lost)
    // when the wallet reloads.
    let provider = Resource::new(|| (), |_| top_up_provider());
    view! {
        <Suspense fallback=|| view! { <Skeleton height="h-28" /> }>
            {move || Suspend::new(async move {
                match provider.await {
                    Ok(name) if name.is_empty() => view! {
                        <Card>
                            <h2 class="text-lg font-semibold">"Top up"</h2>
                            <p class="mt-2 text-sm text-slate-600" data-testid="no-top-ups">
                                "Topping up is not available on this site yet. Money reaches your wallet from refunds, transfers and sales."
                            </p>
                        </Card>
                    }.into_any(),
                    _ => view! { <TopUpCard action /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TopUpCard(action: ServerAction<TopUp>) -> impl IntoView {
    let value = action.value();
    view! {
        <Card>
            <ActionForm action attr:class="space-y-3" attr:data-testid="top-up-form">
                <h2 class="text-lg font-semibold">"Top up"</h2>
                <FormAlert message=field_error(value, None) />
                <FormField label="Amount (USD)" name="amount" id="top-up-amount" required=true error=field_error(value, Some("amount")) />
                {card_fields(value)}
                {key_input(value)}
                <Button kind="submit" busy=action.pending()>"Add money"</Button>
            </ActionForm>
        </Card>
    }
}

#[component]
fn SendForm(action: ServerAction<SendMoney>) -> impl IntoView {
    let value = action.value();
    view! {
        <Card>
            <ActionForm action attr:class="space-y-3" attr:data-testid="send-form">
                <h2 class="text-lg font-semibold">"Send money"</h2>
                <FormAlert message=field_error(value, None) />
                <FormField label="To (their email)" name="to" input_type="email" required=true error=field_error(value, Some("to")) />
                <FormField label="Amount (USD)" name="amount" id="send-amount" required=true error=field_error(value, Some("amount")) />
                <FormField label="Note (optional)" name="memo" error=field_error(value, Some("memo")) />
                {key_input(value)}
                <Button kind="submit" busy=action.pending()>"Send"</Button>
            </ActionForm>
        </Card>
    }
}

#[component]
fn WithdrawForm(action: ServerAction<Withdraw>) -> impl IntoView {
    let value = action.value();
    view! {
        <Card>
            <ActionForm action attr:class="space-y-3" attr:data-testid="withdraw-form">
                <h2 class="text-lg font-semibold">"Withdraw"</h2>
                <FormAlert message=field_error(value, None) />
                <FormField label="Amount (USD)" name="amount" id="withdraw-amount" required=true error=field_error(value, Some("amount")) />
                <FormField label="Bank account (IBAN or number)" name="bank_account" required=true
                    hint="Simulated bank: nothing leaves Marquee." error=field_error(value, Some("bank_account")) />
                {key_input(value)}
                <Button kind="submit" variant=Variant::Secondary busy=action.pending()>"Withdraw"</Button>
            </ActionForm>
        </Card>
    }
}
