//! Wallet pages: the wallet (balance, top up, withdraw, send), the full
//! history, and an organizer's earnings. Like every page they render on the
//! server and their forms post without JavaScript; once live, they reload
//! whenever the person's wallet changes.

mod earnings;
mod history;
mod wallet;

pub use earnings::EarningsPage;
pub use history::TransactionsPage;
pub use wallet::{WalletPage, card_fields};

use crate::dates::date_time;
use leptos::prelude::*;

use super::model::{TransactionView, TxStatus, money};
use crate::components::{Badge, Tone};
use crate::live::protocol::Notice;

/// Counts the notices of the signed-in person's live topic that change
/// money they see (their wallet, or an order of theirs or of their
/// events); resources that read it reload on each.
pub fn wallet_changes() -> Memo<u64> {
    crate::accounts::context::notices_matching(|notice| {
        matches!(
            notice,
            Notice::WalletChanged | Notice::NewOrder { .. } | Notice::OrderChanged { .. }
        )
    })
}

/// One line of history: what, when, how much (green in, plain out).
#[component]
pub fn TransactionLine(tx: TransactionView) -> impl IntoView {
    let amount = if tx.amount_cents > 0 {
        format!("+{}", money(tx.amount_cents))
    } else {
        money(tx.amount_cents)
    };
    let status = match tx.status {
        TxStatus::Posted => None,
        TxStatus::Pending => Some((Tone::Warning, "Reserved")),
        TxStatus::Voided => Some((Tone::Neutral, "Released")),
    };
    let href = tx.order_id.map(|id| format!("/orders/{id}"));
    let amount_class = match tx.status {
        TxStatus::Voided => "font-semibold tabular-nums text-slate-400 line-through",
        TxStatus::Posted if tx.amount_cents > 0 => "font-semibold tabular-nums text-emerald-700",
        _ => "font-semibold tabular-nums",
    };
    view! {
        <div class="flex items-start justify-between gap-4 px-4 py-3" data-testid="transaction">
            <div class="min-w-0">
                <p class="truncate font-medium text-slate-900">
                    {match href {
                        Some(href) => view! { <a href=href class="hover:underline">{tx.description.clone()}</a> }.into_any(),
                        None => view! { <span>{tx.description.clone()}</span> }.into_any(),
                    }}
                </p>
                <p class="text-xs text-slate-500">
                    {tx.kind.label()} " · " {date_time(tx.created_at)}
                    {(!tx.memo.is_empty()).then(|| view! { " · “" {tx.memo.clone()} "”" })}
                </p>
            </div>
            <div class="flex shrink-0 flex-col items-end gap-1">
                <span class=amount_class data-testid="transaction-amount">
                    {amount}
                </span>
                {status.map(|(tone, text)| view! { <Badge tone>{text}</Badge> })}
            </div>
        </div>
    }
}
