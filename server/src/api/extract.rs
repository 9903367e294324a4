use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use app::accounts::service::AuthUser;
use app::accounts::session::{Auth, RequestMeta};
use app::error::AppError;
use app::kernel::idempotency::Key;
use app::kernel::ids::{
    BookingId, EventId, MessageId, OrderId, ReviewId, RoomId, ServiceId, StreamId, UserId,
};

/// JSON bodies whose errors are ours: 400 naming the field where serde says which.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| json_error(&rejection.body_text()))?;
        // Every body is an object: serde would read a struct from an array too.
        let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !json || !object {
            return Err(json_error(""));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => match whole_numbers(&bytes) {
                // `482.0` is the integer 482 to JSON Schema (and so to the
                // API document); serde wants `482`. Read it once more so.
                Some(again) => axum::Json::<T>::from_bytes(&again)
                    .map(|axum::Json(value)| Self(value))
                    .map_err(|_| json_error(&rejection.body_text())),
                None => Err(json_error(&rejection.body_text())),
            },
        }
    }
}

/// The body again with every number that is a whole number written as an
/// integer (`482.0` → `482`), or `None` when there is none to change.
fn whole_numbers(body: &[u8]) -> Option<Vec<u8>> {
    fn fix(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                // Only what an f64 holds exactly (|f| <= 2^53).
                if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
                    *value = serde_json::Value::from(f as i64);
                    return true;
                }
                false
            }
            // Every one is fixed: no short cut after the first.
            serde_json::Value::Array(items) => items.iter_mut().map(fix).filter(|f| *f).count() > 0,
            serde_json::Value::Object(map) => map.values_mut().map(fix).filter(|f| *f).count() > 0,
            _ => false,
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !fix(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

/// Query strings whose errors are ours: a 400 in the usual JSON shape,
/// naming the parameter where serde says which.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(query_error(&rejection.body_text())),
        }
    }
}

/// `Failed to deserialize query string: perPage: number too large …` →
/// 400 for `perPage`.
fn query_error(text: &str) -> AppError {
    let detail = text.split_once("query string: ").map_or(text, |(_, d)| d);
    if let Some(name) = detail
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        return AppError::bad_request(name, format!("{name} is required."));
    }
    match detail.split_once(": ") {
        Some((name, reason)) if !name.contains(' ') => {
            AppError::bad_request(name, format!("{name}: {reason}."))
        }
        _ => AppError::BadRequest {
            field: None,
            message: format!("The query string does not fit: {detail}."),
        },
    }
}

/// Serde's complaint as a 400 naming the field: `missing field `password``
/// names `password`; a wrong value names its path
/// (`paymentMethod: unknown variant `cheque`, expected …`) and says what
/// was expected.
fn json_error(text: &str) -> AppError {
    let Some((_, detail)) = text.split_once("target type: ") else {
        return AppError::BadRequest {
            field: None,
            message: "The body must be valid JSON with Content-Type: application/json.".into(),
        };
    };
    // Serde's position in the text is no help to a client.
    let detail = detail.split(" at line ").next().unwrap_or(detail);
    // The path of the value comes first, unless the value is the body itself.
    let (path, reason) = match detail.split_once(": ") {
        Some((path, reason)) if !path.contains(' ') && path != "." => (Some(path), reason),
        _ => (None, detail),
    };
    let missing = reason
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let join = |name: &str| match path {
        Some(path) => format!("{path}.{name}"),
        None => name.to_string(),
    };
    match (missing, path) {
        (Some(name), _) => {
            AppError::bad_request(join(name), format!("{} is required.", join(name)))
        }
        (None, Some(path)) => AppError::bad_request(path, format!("{path}: {reason}.")),
        (None, None) => AppError::BadRequest {
            field: None,
            message: format!("The body does not fit: {reason}."),
        },
    }
}

/// The signed-in user, or 401.
pub struct CurrentUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Auth>()
            .and_then(|auth| auth.0.clone())
            .map(Self)
            .ok_or(AppError::Unauthorized)
    }
}

/// A typed id from the path (`/api/events/{id}`). An id that is not a
/// number is a 404 naming what was asked for, like an id that does not
/// exist.
pub struct PathId<T>(pub T);

/// Two ids from the path (`/api/rooms/{id}/members/{userId}`).
pub struct PathIds<A, B>(pub A, pub B);

/// A typed id as a path names it.
pub trait PathParam: Sized {
    /// What a 404 says is missing: "This event".
    const WHAT: &'static str;
    fn from_id(id: i64) -> Self;

    fn parse(text: &str) -> Result<Self, AppError> {
        text.parse::<i64>()
            .map(Self::from_id)
            .map_err(|_| AppError::NotFound(Self::WHAT.to_string()))
    }
}

macro_rules! path_params {
    ($($id:ident => $what:literal),* $(,)?) => {$(
        impl PathParam for $id {
            const WHAT: &'static str = $what;

            fn from_id(id: i64) -> Self {
                $id::new(id)
            }
        }
    )*};
}

path_params! {
    EventId => "This event",
    OrderId => "This order",
    BookingId => "That booking",
    ServiceId => "That service",
    ReviewId => "That review",
    RoomId => "That conversation",
    MessageId => "That message",
    StreamId => "That stream",
    UserId => "That person",
}

impl<S: Send + Sync, T: PathParam> FromRequestParts<S> for PathId<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound(T::WHAT.to_string()))?;
        T::parse(&text).map(Self)
    }
}

impl<S: Send + Sync, A: PathParam, B: PathParam> FromRequestParts<S> for PathIds<A, B> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound(A::WHAT.to_string()))?;
        Ok(Self(A::parse(&a)?, B::parse(&b)?))
    }
}

/// The `Idempotency-Key` header, checked (a malformed one is a 400);
/// `None` when absent.
pub struct IdempotencyKey(pub Option<Key>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = match parts.headers.get("idempotency-key") {
            None => None,
            Some(value) => Some(value.to_str().map_err(|_| {
                AppError::bad_request(Key::FIELD, "The Idempotency-Key must be visible ASCII.")
            })?),
        };
        Key::optional(Key::FIELD, header).map(Self)
    }
}

impl IdempotencyKey {
    /// The key, where the endpoint needs one.
    pub fn required(self) -> Result<Key, AppError> {
        self.0.ok_or_else(|| {
            AppError::bad_request(
                Key::FIELD,
                "An Idempotency-Key of 1 to 100 visible characters is required.",
            )
        })
    }

    /// The header, else the key the body names (`clientKey`); the body's
    /// is checked as strictly, naming its field.
    pub fn or_body(self, field: &str, body: Option<&str>) -> Result<Option<Key>, AppError> {
        match self.0 {
            Some(key) => Ok(Some(key)),
            None => Key::optional(field, body),
        }
    }
}

/// Who is asking, as the auth middleware saw it: the client's address (for
/// rate limits) and device (for the list of sessions).
#[derive(Debug, Clone, Copy, Default)]
pub struct Requester(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for Requester {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<RequestMeta>()
                .copied()
                .unwrap_or_default(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_named() {
        let err = json_error(
            "Failed to deserialize the JSON body into the target type: missing field `password` at line 1 column 20",
        );
        assert_eq!(
            err,
            AppError::bad_request("password", "password is required.")
        );
    }

    #[test]
    fn a_wrong_value_names_its_path_and_what_was_expected() {
        let err = json_error(
            "Failed to deserialize the JSON body into the target type: paymentMethod: unknown variant `cheque`, expected `wallet` or `door` at line 1 column 27",
        );
        assert_eq!(
            err,
            AppError::bad_request(
                "paymentMethod",
                "paymentMethod: unknown variant `cheque`, expected `wallet` or `door`."
            )
        );
        let nested = json_error(
            "Failed to deserialize the JSON body into the target type: ticketCategories[0]: missing field `totalSeats` at line 1 column 9",
        );
        assert_eq!(
            nested,
            AppError::bad_request(
                "ticketCategories[0].totalSeats",
                "ticketCategories[0].totalSeats is required."
            )
        );
    }

    #[test]
    fn whole_numbers_written_as_decimals_are_read_as_integers() {
        assert_eq!(
            whole_numbers(br#"{"a":482.0,"b":[1.0,2.5],"c":{"d":-3.0},"e":"7.0"}"#).as_deref(),
            Some(&br#"{"a":482,"b":[1,2.5],"c":{"d":-3},"e":"7.0"}"#[..])
        );
        assert_eq!(whole_numbers(br#"{"a":2.5}"#), None);
        assert_eq!(whole_numbers(br#"{"a":1e300}"#), None);
    }

    #[test]
    fn a_syntax_error_names_no_field() {
        assert!(matches!(
            json_error("Failed to parse the request body as JSON: EOF"),
            AppError::BadRequest { field: None, .. }
        ));
    }
}
