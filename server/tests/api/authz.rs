//! The authorization matrix: every operation of the API document (which is
//! made from the same list as the router: `server::api::operations`) ×
//! every kind of caller, each call answered as `authz/policy.rs` says.
//!
//! The callers are anonymous, a buyer (who owns the orders, holds, bookings,
//! rooms and messages the paths name), another buyer, a seller (who owns the
//! events, services and streams), another seller, and an admin. So "own" and
//! "someone else's" are the buyer and the other buyer, the seller and the
//! other seller. The policy table is written from what the product
//! promises; it is not captured from what the server answers.

mod policy;
mod rpc_policy;
mod topics;
mod world;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};
use policy::{ACTORS, Actor, POLICY, Row, Setup};
use world::{Cast, World};

/// Where the seeds' families are mounted, and `/api`'s own second names:
/// each runs the operation of the `/api` path it names.
const FAMILIES: [(&str, &str); 2] = [("/api/v1/", "/api/"), ("/gateway/", "/api/")];
const ALIASES: [(&str, &str); 3] = [
    ("GET /api/user", "GET /api/auth/me"),
    ("GET /api/users/me", "GET /api/auth/me"),
    (
        "GET /realtime/chat/{bookingId}",
        "GET /api/chat/{bookingId}",
    ),
];

/// The row a documented `METHOD path` runs: a family's copy runs its
/// `/api` original's, an alias the operation it names.
fn original(operation: &str) -> String {
    let (method, path) = operation.split_once(' ').expect("METHOD path");
    let mut operation = operation.to_string();
    for (prefix, to) in FAMILIES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let mapped = format!("{method} {to}{rest}");
            // A family's extras (health, the parts not built yet) are rows
            // of their own.
            if POLICY.iter().any(|row| row.operation == mapped)
                || ALIASES.iter().any(|(from, _)| *from == mapped)
            {
                operation = mapped;
            }
        }
    }
    match ALIASES.iter().find(|(from, _)| *from == operation) {
        Some((_, to)) => (*to).to_string(),
        None => operation,
    }
}

/// Every documented operation, as `METHOD path`.
async fn documented(app: &TestApp) -> BTreeSet<String> {
    let doc: Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("the document");
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            if method.to_uppercase().parse::<Method>().is_ok()
                && !matches!(method.as_str(), "parameters" | "servers")
            {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}

#[test]
fn the_policy_has_one_row_per_operation_and_answers_for_every_caller() {
    let mut seen = BTreeSet::new();
    for row in POLICY {
        assert!(seen.insert(row.operation), "{} twice", row.operation);
        assert!(
            row.path.starts_with('/'),
            "{}: a concrete path",
            row.operation
        );
    }
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_the_policy_says() {
    let app = spawn_app_with(world::generous).await;
    let documented = documented(&app).await;

    // Every documented operation has a row, and every row is documented.
    let rows = rows_of(POLICY, &documented, original, "authz/policy.rs");
    let calls: Vec<(String, &Row, String)> = documented
        .iter()
        .map(|operation| {
            let row = rows[original(operation).as_str()];
            // A family copy runs its `/api` row at the family's path.
            (operation.clone(), row, family_path(operation, row))
        })
        .collect();
    let (cells, failures) = run(&app, &calls).await;
    eprintln!(
        "authorization matrix: {} operations ({} rows) × {} callers = {cells} cells",
        documented.len(),
        POLICY.len(),
        ACTORS.len()
    );
    agrees(cells, &failures);
    app.stop().await;
}

/// The table's rows by operation, checked against what is served: each
/// served operation (as `key` maps it) has a row, each row is served.
fn rows_of(
    table: &'static [Row],
    served: &BTreeSet<String>,
    key: impl Fn(&str) -> String,
    file: &str,
) -> BTreeMap<&'static str, &'static Row> {
    let rows: BTreeMap<&str, &Row> = table.iter().map(|row| (row.operation, row)).collect();
    let missing: Vec<_> = served
        .iter()
        .filter(|op| !rows.contains_key(key(op).as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "served without a row in {file}: {missing:#?}"
    );
    let stale: Vec<_> = rows.keys().filter(|op| !served.contains(**op)).collect();
    assert!(
        stale.is_empty(),
        "rows in {file} for nothing served: {stale:#?}"
    );
    rows
}

fn agrees(cells: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} of {cells} cells differ from the policy:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Calls each operation as each caller; returns the number of cells and
/// those that differ from the policy.
async fn run(app: &TestApp, calls: &[(String, &Row, String)]) -> (usize, Vec<String>) {
    let cast = Cast::new(app);
    let shared = World::new(app, &cast);
    let mut failures = Vec::new();
    let mut cells = 0;
    for (operation, row, path) in calls {
        for (actor, expected) in ACTORS.iter().zip(row.expect) {
            let answer = match row.setup {
                Setup::Shared => shared.call(row, path, *actor).await,
                Setup::Fresh => World::new(app, &cast).call(row, path, *actor).await,
                Setup::FreshCast => {
                    let cast = Cast::new(app);
                    World::new(app, &cast).call(row, path, *actor).await
                }
            };
            cells += 1;
            if answer.status != expected {
                failures.push(format!(
                    "{operation} as {actor:?}: {} (policy: {expected}) {}",
                    answer.status,
                    answer.body.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    (cells, failures)
}

/// Every server function answers every caller as `rpc_policy.rs` says;
/// one that is registered without a row fails.
#[tokio::test]
async fn every_server_function_answers_every_caller_as_the_policy_says() {
    let app = spawn_app_with(world::generous).await;
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| format!("{method} {path}"))
        .collect();
    let same = |op: &str| op.to_string();
    let rows = rows_of(
        rpc_policy::RPC_POLICY,
        &registered,
        same,
        "authz/rpc_policy.rs",
    );
    let calls: Vec<(String, &Row, String)> = rows
        .values()
        .map(|row| (row.operation.to_string(), *row, row.path.to_string()))
        .collect();
    let (cells, failures) = run(&app, &calls).await;
    eprintln!(
        "server function matrix: {} functions × {} callers = {cells} cells",
        rows.len(),
        ACTORS.len()
    );
    agrees(cells, &failures);
    app.stop().await;
}

/// The row's concrete path, moved under the family `operation` belongs to.
fn family_path(operation: &str, row: &Row) -> String {
    let (_, documented_path) = operation.split_once(' ').expect("METHOD path");
    let (_, row_path) = row.operation.split_once(' ').expect("METHOD path");
    if documented_path == row_path {
        return row.path.to_string();
    }
    // A family's copy of the row's own path.
    for (prefix, to) in FAMILIES {
        if let (Some(rest), Some(row_rest), Some(concrete)) = (
            documented_path.strip_prefix(prefix),
            row_path.strip_prefix(to),
            row.path.strip_prefix(to),
        ) && rest == row_rest
        {
            return format!("{prefix}{concrete}");
        }
    }
    // An alias (in a family or not): its own path, with the row's
    // placeholders.
    let mut path = documented_path.to_string();
    for (from, to) in row_placeholders(row_path, row.path) {
        path = path.replace(&from, &to);
    }
    path
}

/// Which placeholder of the row's concrete path stands for each of the
/// documented path's parameters.
fn row_placeholders(documented: &str, concrete: &str) -> Vec<(String, String)> {
    documented
        .split('/')
        .zip(concrete.split('/'))
        .filter(|(d, _)| d.starts_with('{'))
        .map(|(d, c)| (d.to_string(), c.to_string()))
        .collect()
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}
