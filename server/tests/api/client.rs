//! A typed client of the JSON API, so that tests read like the journey:
//! people who sign up, top up, order, and answers read into the API's own
//! types (`ApiReceipt`, `ApiOrder`, …) instead of untyped JSON.
//!
//! ```ignore
//! let ann = app.person(Role::Attendee).await;
//! let receipt = app.deposit(&ann, "dep-1", card(5000)).await.ok();
//! assert_eq!(receipt.balance.balance_cents, 5000);
//! ```

use std::marker::PhantomData;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use server::api::auth::ErrorBody;
use server::api::events::ApiEvent;
use server::api::orders::ApiOrder;
use server::api::users::ApiUser;
use server::api::wallet::{ApiBalance, ApiReceipt, ApiTransactionPage};

use crate::helpers::{TestApp, new_user};

/// Who signs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Attendee,
    Organizer,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Self::Attendee => "attendee",
            Self::Organizer => "organizer",
        }
    }
}

/// Someone signed up through the API: their token, id and email.
#[derive(Debug, Clone)]
pub struct Person {
    pub token: String,
    pub id: i64,
    pub email: String,
}

/// An answer: its status, and its body read as `T` when it is a success.
#[derive(Debug)]
pub struct Answer<T> {
    pub status: u16,
    pub body: Value,
    wanted: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Answer<T> {
    /// The body of a success; a failure panics with what was answered.
    #[track_caller]
    pub fn ok(self) -> T {
        assert!(
            (200..300).contains(&self.status),
            "expected a success, got {}: {}",
            self.status,
            self.body
        );
        match serde_json::from_value(self.body.clone()) {
            Ok(value) => value,
            Err(e) => panic!(
                "the answer is not what the API documents: {e}: {}",
                self.body
            ),
        }
    }

    /// The body, after checking the status.
    #[track_caller]
    pub fn expect(self, status: u16) -> T {
        assert_eq!(self.status, status, "{}", self.body);
        self.ok()
    }

    /// The error of a refusal with `status`.
    #[track_caller]
    pub fn refused(self, status: u16) -> ErrorBody {
        assert_eq!(self.status, status, "{}", self.body);
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("not an error body: {e}: {}", self.body))
    }
}

/// Card details of the test provider's good card, for `cents`.
pub fn card(cents: i64) -> Value {
    json!({ "amountCents": cents, "cardNumber": "4242 4242 4242 4242", "cardExpiry": "12/40", "cardCvc": "123" })
}

impl TestApp {
    /// A call of the JSON API: `who` signs it (Bearer), `key` is its
    /// `Idempotency-Key`.
    pub async fn call<T>(
        &self,
        method: Method,
        path: &str,
        who: Option<&Person>,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Answer<T> {
        let mut request = self.client.request(method, self.url(path));
        if let Some(who) = who {
            request = request.bearer_auth(&who.token);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        Answer {
            status,
            body: response.json().await.unwrap_or(Value::Null),
            wanted: PhantomData,
        }
    }

    /// Someone new, with an empty wallet.
    pub async fn person(&self, role: Role) -> Person {
        let (token, id) = new_user(self, role.as_str()).await;
        let mut person = Person {
            token,
            id,
            email: String::new(),
        };
        let me: ApiUser = self
            .call(Method::GET, "/api/auth/me", Some(&person), None, None)
            .await
            .ok();
        person.email = me.username;
        person
    }

    pub async fn balance(&self, who: &Person) -> ApiBalance {
        self.call(Method::GET, "/api/wallet/balance", Some(who), None, None)
            .await
            .ok()
    }

    pub async fn transactions(&self, who: &Person, query: &str) -> Answer<ApiTransactionPage> {
        let path = format!("/api/wallet/transactions{query}");
        self.call(Method::GET, &path, Some(who), None, None).await
    }

    pub async fn deposit(&self, who: &Person, key: &str, body: Value) -> Answer<ApiReceipt> {
        let path = "/api/wallet/deposit";
        self.call(Method::POST, path, Some(who), Some(key), Some(body))
            .await
    }

    pub async fn transfer(
        &self,
        who: &Person,
        key: &str,
        to: &str,
        cents: i64,
    ) -> Answer<ApiReceipt> {
        let body = json!({ "toEmail": to, "amountCents": cents, "memo": "pizza" });
        let path = "/api/wallet/transfer";
        self.call(Method::POST, path, Some(who), Some(key), Some(body))
            .await
    }

    pub async fn withdraw(&self, who: &Person, key: &str, cents: i64) -> Answer<ApiReceipt> {
        let body = json!({ "amountCents": cents, "bankAccount": "DE89 3704 0044 0532 0130 00" });
        let path = "/api/wallet/withdraw";
        self.call(Method::POST, path, Some(who), Some(key), Some(body))
            .await
    }

    /// An event starting in 30 days with these tiers: (name, price, seats).
    pub async fn event(&self, organizer: &Person, tiers: &[(&str, f64, i64)]) -> ApiEvent {
        let tiers: Vec<Value> = tiers
            .iter()
            .map(|(name, price, seats)| {
                json!({ "categoryName": name, "price": price, "totalSeats": seats })
            })
            .collect();
        let starts = app::kernel::time::iso(app::kernel::time::now_millis() + 30 * 86_400_000);
        let body = json!({
            "eventName": "Concert",
            "eventCategory": "Music",
            "eventDate": starts,
            "location": "Hall",
            "ticketCategories": tiers,
        });
        self.call(
            Method::POST,
            "/api/events",
            Some(organizer),
            None,
            Some(body),
        )
        .await
        .expect(201)
    }

    /// Seats ordered directly (a hold and a pending order at once).
    pub async fn order(&self, who: &Person, tier: i64, quantity: i64) -> Answer<ApiOrder> {
        let body = json!({ "categoryId": tier, "quantity": quantity });
        self.call(Method::POST, "/api/orders", Some(who), None, Some(body))
            .await
    }

    /// `POST /api/orders/{id}/confirm` or `/cancel`.
    pub async fn act_on_order(&self, who: &Person, order: i64, act: &str) -> Answer<ApiOrder> {
        let path = format!("/api/orders/{order}/{act}");
        self.call(Method::POST, &path, Some(who), None, None).await
    }
}
