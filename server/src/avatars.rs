//! Profile pictures: uploaded as multipart, checked by size and by their
//! first bytes (not by what the browser claims), kept under the data
//! directory and served from /avatars/{file}.

use axum::Json;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use app::accounts::store;
use app::error::AppError;
use app::kernel::time::now_millis;
use app::state::AppState;

use crate::api::CurrentUser;
use crate::api::users::ApiUser;

pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;

fn avatar_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("avatars")
}

/// The image type by its magic bytes.
fn sniff(bytes: &[u8]) -> Option<image::ImageFormat> {
    use image::ImageFormat;
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormat::Gif)
    } else {
        None
    }
}

fn content_type_of(file: &str) -> Option<&'static str> {
    match file.rsplit_once('.')?.1 {
        "png" => Some("image/png"),
        "jpg" => Some("image/jpeg"),
        "webp" => Some("image/webp"),
        "gif" => Some("image/gif"),
        _ => None,
    }
}

/// Only names this module makes: `<id>-<hex>.<ext>`; nothing that walks paths.
fn valid_file_name(file: &str) -> bool {
    let Some((stem, _)) = file.rsplit_once('.') else {
        return false;
    };
    content_type_of(file).is_some()
        && stem.split_once('-').is_some_and(|(id, rand)| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !rand.is_empty()
                && rand.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// Upload a new profile picture (field `avatar`; PNG, JPEG, WebP or GIF, at most 2 MB).
#[utoipa::path(post, path = "/users/me/avatar", tag = "users",
    request_body(content_type = "multipart/form-data", description = "field `avatar`: the image"),
    responses((status = 200, body = ApiUser), (status = 303, description = "from an HTML form: back to /profile"),
        (status = 400, body = crate::api::auth::ErrorBody), (status = 401, body = crate::api::auth::ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<AppState>,
    user: Result<CurrentUser, AppError>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let html = wants_html(&headers);
    let result = match user {
        Ok(CurrentUser(user)) => store_upload(&state, user, multipart).await,
        Err(e) => Err(e),
    };
    match (result, html) {
        // A form posted from the profile page goes back there, with the outcome.
        (Ok(_), true) => Ok(back_to_profile(None)),
        (Err(e), true) => Ok(back_to_profile(Some(&e.to_string()))),
        (Ok(me), false) => Ok(Json(ApiUser::from(&me)).into_response()),
        (Err(e), false) => Err(e),
    }
}

fn back_to_profile(error: Option<&str>) -> Response {
    let location = match error {
        None => "/profile".to_string(),
        Some(message) => format!(
            "/profile?avatar_error={}",
            message
                .bytes()
                .map(|b| if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                })
                .collect::<String>()
        ),
    };
    let location = HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/profile"));
    (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response()
}

async fn store_upload(
    state: &AppState,
    user: app::accounts::service::AuthUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<app::accounts::model::Me, AppError> {
    let mut multipart = multipart
        .map_err(|_| AppError::bad_request("avatar", "Send the picture as multipart/form-data."))?;
    let mut image = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| {
        AppError::bad_request("avatar", "The upload was cut off or is larger than 2 MB.")
    })? {
        if field.name() == Some("avatar") {
            let bytes = field.bytes().await.map_err(|_| {
                AppError::bad_request("avatar", "The upload was cut off or is larger than 2 MB.")
            })?;
            image = Some(bytes);
            break;
        }
    }
    let image = image
        .filter(|b| !b.is_empty())
        .ok_or_else(|| AppError::bad_request("avatar", "Choose a picture to upload."))?;
    if image.len() > MAX_AVATAR_BYTES {
        return Err(AppError::bad_request(
            "avatar",
            "The picture must be 2 MB or smaller.",
        ));
    }
    let format = sniff(&image)
        .ok_or_else(|| AppError::bad_request("avatar", "Use a PNG, JPEG, WebP or GIF picture."))?;
    // Decoded and encoded again: no metadata, nothing but pixels.
    let (image, ext) =
        tokio::task::spawn_blocking(move || crate::avatar_image::reencode(&image, format))
            .await
            .map_err(AppError::internal)??;

    let dir = avatar_dir(state);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(AppError::internal)?;
    let file = format!("{}-{:016x}.{ext}", user.id, rand::random::<u64>());
    tokio::fs::write(dir.join(&file), &image)
        .await
        .map_err(AppError::internal)?;
    let replaced = store::set_avatar(state.db.pool(), user.id, &file, now_millis()).await?;
    state.live.sessions().forget_user(user.id);
    if let Some(old) = replaced.filter(|old| valid_file_name(old)) {
        // The old picture is garbage now; failing to delete it loses nothing.
        if let Err(e) = tokio::fs::remove_file(dir.join(&old)).await {
            tracing::warn!(error = %e, file = old, "could not delete a replaced avatar");
        }
    }

    let mut me = user.me;
    me.avatar_url = Some(format!("/avatars/{file}"));
    Ok(me)
}

pub async fn serve(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    if !valid_file_name(&file) {
        return Err(AppError::NotFound("This picture".into()));
    }
    let content_type =
        content_type_of(&file).ok_or_else(|| AppError::NotFound("This picture".into()))?;
    let bytes = match tokio::fs::read(avatar_dir(&state).join(&file)).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotFound("This picture".into()));
        }
        Err(e) => return Err(AppError::internal(e)),
    };
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Names are never reused: cache for long.
            (
                CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_first_bytes() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n rest"),
            Some(image::ImageFormat::Png)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(image::ImageFormat::Jpeg)
        );
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
    }

    #[test]
    fn only_generated_names_are_served() {
        assert!(valid_file_name("12-00ff.png"));
        assert!(!valid_file_name("../12-00ff.png"));
        assert!(!valid_file_name("12-00ff.svg"));
        assert!(!valid_file_name("x-00ff.png"));
    }
}
