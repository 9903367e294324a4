use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{Avatar, RoleBadge};
use crate::accounts::api::get_profile;
use crate::accounts::model::PublicProfile;
use crate::components::{Card, ErrorPage};
use crate::error::AppError;

/// A person's public profile. `actions` puts other domains' buttons on it
/// (the shell gives chat's "Message"): accounts knows no other domain.
#[component]
pub fn PublicProfilePage(
    /// Buttons for the person with this id.
    #[prop(optional)]
    actions: Option<fn(i64) -> AnyView>,
) -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let profile = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_profile(id).await,
            None => Err(AppError::NotFound("This person".into())),
        }
    });
    view! {
        <Suspense fallback=|| view! { <div class="h-40 animate-pulse rounded-2xl bg-slate-200/70" aria-busy="true"></div> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(p) => view! { <ProfileCard profile=p actions /> }.into_any(),
                    Err(AppError::NotFound(_)) => view! {
                        <Title text="Not found" />
                        <ErrorPage status=404 title="No such person" message="This profile does not exist, or it was removed." />
                    }
                    .into_any(),
                    Err(e) => view! {
                        <ErrorPage status=e.status().as_u16() title="Could not load this profile" message=e.to_string() />
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileCard(profile: PublicProfile, actions: Option<fn(i64) -> AnyView>) -> impl IntoView {
    let since = member_since(profile.member_since);
    view! {
        <Title text=profile.display_name.clone() />
        <Card class="mx-auto max-w-2xl">
            <div class="flex items-center gap-4">
                <Avatar name=profile.display_name.clone() url=profile.avatar_url.clone() class="size-20 text-2xl" />
                <div class="min-w-0">
                    <h1 class="truncate text-2xl font-bold tracking-tight">{profile.display_name.clone()}</h1>
                    <p class="mt-1 flex items-center gap-2 text-sm text-slate-600">
                        <RoleBadge role=profile.role />
                        <span>{since}</span>
                    </p>
                </div>
                <div class="ml-auto">
                    {actions.map(|actions| actions(profile.id))}
                </div>
            </div>
            <p class="mt-6 whitespace-pre-line text-slate-700">
                {if profile.bio.is_empty() { "No bio yet.".to_string() } else { profile.bio.clone() }}
            </p>
        </Card>
    }
}

/// "Member since March 2026" from epoch milliseconds (UTC).
fn member_since(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (year, month, _) = crate::dates::civil_date(ms.div_euclid(86_400_000));
    format!("Member since {} {year}", MONTHS[(month - 1) as usize])
}

#[cfg(test)]
mod tests {
    #[test]
    fn member_since_names_the_month_and_year() {
        assert_eq!(super::member_since(0), "Member since January 1970");
        // 2026-11-21T12:00:00Z
        assert_eq!(
            super::member_since(1_795_262_400_000),
            "Member since November 2026"
        );
    }
}
