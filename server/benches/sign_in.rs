//! Sign-in latency, end to end over loopback HTTP against the real server
//! (release build, SQLite in a temp dir): sequential sign-ins, then the same
//! with 8 clients at once. Prints p50/p90/p99. Argon2id (19 MiB, t=2)
//! dominates by design.
//!
//!     cargo bench -p server --bench sign_in [-- ROUNDS]
mod support;

use std::time::{Duration, Instant};

use app::config::Config;
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn report(label: &str, mut samples: Vec<Duration>, wall: Duration) {
    samples.sort();
    println!(
        "{label}: n={} p50={:.1} ms p90={:.1} ms p99={:.1} ms max={:.1} ms throughput={:.1}/s",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e3,
        percentile(&samples, 0.90).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        samples.len() as f64 / wall.as_secs_f64(),
    );
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = support::config(
        dir.path(),
        Config::default_database_url(dir.path()),
        app::config::TicketingLimits::default(),
    );
    let app = server::startup::Application::build(config)
        .await
        .expect("the app starts");
    let base = format!("http://{}", app.address());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let credentials =
        json!({ "username": "bench@example.com", "password": "correct horse battery" });
    let created = client
        .post(format!("{base}/api/auth/register"))
        .json(&credentials)
        .send()
        .await
        .expect("register");
    assert_eq!(created.status(), 201);

    let login_url = format!("{base}/api/auth/login");
    let sign_in = move |client: reqwest::Client| {
        let (url, body) = (login_url.clone(), credentials.clone());
        async move {
            let start = Instant::now();
            let response = client.post(url).json(&body).send().await.expect("login");
            assert_eq!(response.status(), 200);
            response.bytes().await.expect("a body");
            start.elapsed()
        }
    };

    // Warm up the pool and the allocator.
    for _ in 0..5 {
        sign_in(client.clone()).await;
    }

    let wall = Instant::now();
    let mut sequential = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        sequential.push(sign_in(client.clone()).await);
    }
    report("sign-in, 1 client ", sequential, wall.elapsed());

    let wall = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, sign_in) = (client.clone(), sign_in.clone());
        let per_client = rounds / 8;
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                samples.push(sign_in(client.clone()).await);
            }
            samples
        }));
    }
    let mut concurrent = Vec::new();
    for task in tasks {
        concurrent.extend(task.await.expect("a client task"));
    }
    report("sign-in, 8 clients", concurrent, wall.elapsed());
}
