//! The seeds' clients against Marquee: every call each seed's README or
//! guide shows, as written (paths, bodies, headers), with the answers it
//! documents; the API document against the server; CORS.

mod cross_origin;
mod document;
mod seed_000;
mod seed_001;
mod seed_002;
mod seed_003;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::helpers::{TestApp, send_json, unique_email};

/// A seed's client: the base URL it is given on Marquee, and the calls it
/// makes, read into the API's own types after checking their status.
pub struct Client<'a> {
    pub app: &'a TestApp,
    base: &'static str,
}

impl<'a> Client<'a> {
    pub fn new(app: &'a TestApp, base: &'static str) -> Self {
        Self { app, base }
    }

    /// A call as it is answered: status and JSON body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        send_json(self.app, method, &url, token, body).await
    }

    /// A call answered with `status`, its body read as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        status: u16,
    ) -> T {
        let (got, answer) = self.raw(method, path, token, body).await;
        assert_eq!(got, status, "{path}: {answer}");
        serde_json::from_value(answer.clone())
            .unwrap_or_else(|e| panic!("{path}: not the documented shape: {e}: {answer}"))
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        status: u16,
    ) -> T {
        self.call(Method::GET, path, token, None, status).await
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
        status: u16,
    ) -> T {
        self.call(Method::POST, path, token, Some(body), status)
            .await
    }

    pub async fn put<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
        status: u16,
    ) -> T {
        self.call(Method::PUT, path, token, Some(body), status)
            .await
    }

    /// The status of a call whose body does not matter.
    pub async fn status(&self, method: Method, path: &str, token: Option<&str>) -> u16 {
        self.raw(method, path, token, None).await.0
    }

    /// Signs up with `body` (its `password` is the one every test uses)
    /// and answers the token and the email used.
    pub async fn sign_up(&self, mut body: Value, email_field: &str) -> (String, String) {
        let email = unique_email();
        body[email_field] = Value::String(email.clone());
        body["password"] = Value::String(PASSWORD.into());
        let tokens: server::api::auth::TokenResponse =
            self.post("/auth/register", None, body, 201).await;
        assert_eq!(tokens.user.username, email);
        (tokens.access_token, email)
    }
}

pub const PASSWORD: &str = "correct horse battery";
