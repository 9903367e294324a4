use axum::Json;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::accounts::model::{Me, PublicProfile, UserPage};
use app::accounts::service;
use app::error::AppError;
use app::kernel::ids::UserId;
use app::state::AppState;

use super::{ApiJson, ApiQuery, CurrentUser, PathId};

/// Profiles: your own, other people's, search, avatars and the admins' list.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(update_me))
        .routes(routes!(search))
        .routes(routes!(profile))
        .routes(routes!(list_all))
        .routes(routes!(crate::avatars::upload))
        // Seed clients' second names for GET /auth/me (documented by families::ALIASES).
        .route("/user", get(me))
        .route("/users/me", get(me))
}

/// A user as the API shows them (seed 001 calls the email `username`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// `attendee`, `organizer` or `admin`.
    pub role: String,
    pub bio: String,
    pub avatar_url: Option<String>,
}

impl From<&Me> for ApiUser {
    fn from(me: &Me) -> Self {
        Self {
            id: me.id,
            username: me.email.clone(),
            display_name: me.display_name.clone(),
            role: me.role.as_str().to_string(),
            bio: me.bio.clone(),
            avatar_url: me.avatar_url.clone(),
        }
    }
}

/// The caller.
#[utoipa::path(get, path = "/auth/me", tag = "users",
    responses((status = 200, body = ApiUser), (status = 401, body = super::auth::ErrorBody)), security(("bearer" = [])))]
pub async fn me(CurrentUser(user): CurrentUser) -> Json<ApiUser> {
    Json(ApiUser::from(&user.me))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpdate {
    #[schema(
        pattern = "^[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$",
        max_length = 60
    )]
    pub display_name: Option<String>,
    pub bio: Option<String>,
}

/// Change the caller's name or bio; fields left out stay as they are.
#[utoipa::path(put, path = "/users/me", tag = "users", request_body = ProfileUpdate,
    responses((status = 200, body = ApiUser), (status = 400, body = super::auth::ErrorBody), (status = 401, body = super::auth::ErrorBody)),
    security(("bearer" = [])))]
pub async fn update_me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<ProfileUpdate>,
) -> Result<Json<ApiUser>, AppError> {
    let name = body
        .display_name
        .unwrap_or_else(|| user.me.display_name.clone());
    let bio = body.bio.unwrap_or_else(|| user.me.bio.clone());
    let me = service::update_profile(&state, &user, &name, &bio).await?;
    Ok(Json(ApiUser::from(&me)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// At least 2 characters: the start of a name (any word) or an email.
    #[param(
        min_length = 2,
        max_length = 100,
        pattern = "[^\\s\\u0085].*[^\\s\\u0085]"
    )]
    pub q: String,
    /// From 1.
    pub page: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    pub users: Vec<ApiUserSummary>,
    pub page: u32,
    pub has_more: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUserSummary {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub avatar_url: Option<String>,
}

impl From<UserPage> for SearchResponse {
    fn from(page: UserPage) -> Self {
        Self {
            users: page
                .users
                .into_iter()
                .map(|u| ApiUserSummary {
                    id: u.id,
                    display_name: u.display_name,
                    role: u.role.as_str().to_string(),
                    avatar_url: u.avatar_url,
                })
                .collect(),
            page: page.page,
            has_more: page.has_more,
        }
    }
}

/// Find users by name, or by a whole email address, 20 a page.
#[utoipa::path(get, path = "/users/search", tag = "users", params(SearchQuery),
    responses((status = 200, body = SearchResponse), (status = 400, body = super::auth::ErrorBody), (status = 401, body = super::auth::ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResponse>, AppError> {
    let page = service::search(&state, &user, &query.q, query.page.unwrap_or(1)).await?;
    Ok(Json(page.into()))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiProfile {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub member_since: i64,
}

impl From<PublicProfile> for ApiProfile {
    fn from(p: PublicProfile) -> Self {
        Self {
            id: p.id,
            display_name: p.display_name,
            role: p.role.as_str().to_string(),
            bio: p.bio,
            avatar_url: p.avatar_url,
            member_since: p.member_since,
        }
    }
}

/// A user's public profile.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = ApiProfile), (status = 404, body = super::auth::ErrorBody)))]
pub async fn profile(
    State(state): State<AppState>,
    PathId(id): PathId<UserId>,
) -> Result<Json<ApiProfile>, AppError> {
    Ok(Json(
        service::public_profile(&state, UserId::new(id.get()))
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1.
    pub page: Option<u32>,
}

/// Every account with its email, newest first, 50 a page (admins only).
#[utoipa::path(get, path = "/admin/users", tag = "users", params(PageQuery),
    responses((status = 200, body = [ApiUser]), (status = 401, body = super::auth::ErrorBody), (status = 403, body = super::auth::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_all(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<Vec<ApiUser>>, AppError> {
    let users = service::list_users(&state, &user, query.page.unwrap_or(1)).await?;
    Ok(Json(users.iter().map(ApiUser::from).collect()))
}
