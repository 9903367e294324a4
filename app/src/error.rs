//! The one error type of Marquee. Server functions return it, plain routes
//! render it as `{statusCode, message, error}` JSON, pages show it.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// Bad input; `field` names the offending field when there is one.
    #[error("{message}")]
    BadRequest {
        field: Option<String>,
        message: String,
    },
    #[error("You need to sign in first.")]
    Unauthorized,
    /// A sign-in with a wrong email or password: a 401, as seed 001's
    /// passport answers, saying which without saying which part was wrong.
    #[error("The email or password is incorrect.")]
    BadCredentials,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// A 403 that says why (e.g. only attendees may review an event).
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("The service is unavailable right now. Try again shortly.")]
    Unavailable,
    /// A part of a seed's API that Marquee does not have yet (a 501 that
    /// says what is missing).
    #[error("{0}")]
    NotImplemented(String),
    /// Anything unexpected. The detail is logged on the server, never sent.
    #[error("Something went wrong on our side.")]
    Internal,
    /// The request never reached the server or its answer was unreadable.
    #[error("Could not reach Marquee: {0}")]
    Network(String),
}

impl AppError {
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            Self::BadRequest { .. } => S::BAD_REQUEST,
            Self::Unauthorized | Self::BadCredentials => S::UNAUTHORIZED,
            Self::Forbidden | Self::NotAllowed(_) => S::FORBIDDEN,
            Self::NotFound(_) => S::NOT_FOUND,
            Self::Conflict(_) => S::CONFLICT,
            Self::TooManyRequests { .. } => S::TOO_MANY_REQUESTS,
            Self::Unavailable => S::SERVICE_UNAVAILABLE,
            Self::NotImplemented(_) => S::NOT_IMPLEMENTED,
            Self::Internal => S::INTERNAL_SERVER_ERROR,
            Self::Network(_) => S::BAD_GATEWAY,
        }
    }

    /// The body of a JSON API error, in the shape of seed 001.
    pub fn body(&self) -> ErrorBody {
        let status = self.status();
        ErrorBody {
            status_code: status.as_u16(),
            message: self.to_string(),
            error: status.canonical_reason().unwrap_or("Error").to_string(),
            field: match self {
                Self::BadRequest { field, .. } => field.clone(),
                _ => None,
            },
        }
    }

    /// Logs the cause of an unexpected failure and returns the opaque error
    /// the client may see.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }
}

/// `{statusCode, message, error}` as every JSON error response carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub status_code: u16,
    pub message: String,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(e)
            | ServerFnErrorErr::Response(e)
            | ServerFnErrorErr::Deserialization(e) => Self::Network(e),
            ServerFnErrorErr::Args(e) => Self::BadRequest {
                field: None,
                message: format!("The request could not be read: {e}"),
            },
            ServerFnErrorErr::MissingArg(name) => Self::BadRequest {
                message: format!("{name} is required."),
                field: Some(name),
            },
            ServerFnErrorErr::UnsupportedRequestMethod(e) => Self::BadRequest {
                field: None,
                message: e,
            },
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Headers that go with the status (`Retry-After` for 429).
    pub fn headers(&self) -> Vec<(http::HeaderName, http::HeaderValue)> {
        match self {
            Self::TooManyRequests { retry_after_secs } => vec![(
                http::header::RETRY_AFTER,
                http::HeaderValue::from(*retry_after_secs),
            )],
            _ => Vec::new(),
        }
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        response.headers_mut().extend(self.headers());
        response
    }
}

/// Gives a server function's error its HTTP status and headers (server
/// functions answer 500 otherwise), and passes the result on. A plain HTML
/// form post (no JavaScript) is left alone: it is answered with a redirect
/// back to the form, carrying the error in the URL.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    let form_post = leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if let Err(error) = &result
        && !form_post
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(error.status());
        for (name, value) in error.headers() {
            response.insert_header(name, value);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_request_names_the_field_and_maps_to_400() {
        let err = AppError::bad_request("email", "Enter a valid email address.");
        let body = err.body();
        assert_eq!(body.status_code, 400);
        assert_eq!(body.error, "Bad Request");
        assert_eq!(body.field.as_deref(), Some("email"));
        assert_eq!(body.message, "Enter a valid email address.");
    }

    #[test]
    fn internal_errors_never_carry_detail_to_the_client() {
        let body = AppError::Internal.body();
        assert_eq!(body.status_code, 500);
        assert_eq!(body.message, "Something went wrong on our side.");
    }

    #[test]
    fn error_body_uses_the_seed_field_names() {
        let json = serde_json::to_value(AppError::Forbidden.body()).unwrap();
        assert_eq!(json["statusCode"], 403);
        assert_eq!(json["error"], "Forbidden");
        assert!(json.get("field").is_none());
    }

    #[test]
    fn too_many_requests_says_when_to_come_back() {
        let err = AppError::TooManyRequests {
            retry_after_secs: 12,
        };
        assert_eq!(err.status(), 429);
        assert_eq!(
            err.to_string(),
            "Too many attempts. Try again in 12 seconds."
        );
    }

    #[test]
    fn errors_survive_the_server_function_round_trip() {
        let err = AppError::Conflict("Sold out.".into());
        let bytes = err.ser();
        assert_eq!(AppError::de(bytes), err);
    }
}
