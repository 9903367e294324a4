//! The `marquee` executable itself: help, bad configuration, start and
//! graceful stop.

use std::process::{Command, Stdio};

use tokio::io::{AsyncBufReadExt, BufReader};

fn marquee() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_marquee"));
    // Start from a clean slate: no inherited settings, no .env.
    for var in [
        "DATABASE_URL",
        "MARQUEE_JWT_SECRET",
        "MARQUEE_ENV",
        "MARQUEE_DATA_DIR",
        "LEPTOS_SITE_ADDR",
        "LEPTOS_SITE_ROOT",
    ] {
        command.env_remove(var);
    }
    command
}

#[test]
fn help_lists_every_setting_by_its_environment_variable() {
    let output = marquee().arg("--help").output().unwrap();

    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for var in [
        "DATABASE_URL",
        "LEPTOS_SITE_ADDR",
        "LEPTOS_SITE_ROOT",
        "MARQUEE_JWT_SECRET",
        "MARQUEE_ENV",
        "MARQUEE_DATA_DIR",
        "MARQUEE_LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(help.contains(var), "--help mentions {var}:\n{help}");
    }
}

#[test]
fn help_never_prints_a_secret_from_the_environment() {
    let output = marquee()
        .arg("--help")
        .env(
            "DATABASE_URL",
            "postgres://marquee:hunter2-db@127.0.0.1/marquee",
        )
        .env(
            "MARQUEE_JWT_SECRET",
            "hunter2-jwt-0123456789abcdef0123456789",
        )
        .env("MARQUEE_ICE_CREDENTIAL", "hunter2-turn")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(!help.contains("hunter2"), "--help shows a secret:\n{help}");
}

#[test]
fn an_unsupported_database_url_fails_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = marquee()
        .current_dir(dir.path())
        .env("DATABASE_URL", "mysql://localhost/marquee")
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "marquee: DATABASE_URL must start with sqlite: or postgres:"
    );
}

#[test]
fn production_without_a_jwt_secret_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = marquee()
        .current_dir(dir.path())
        .env("MARQUEE_ENV", "production")
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("MARQUEE_JWT_SECRET is required when MARQUEE_ENV=production"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unreachable_postgres_fails_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let output = marquee()
        .current_dir(dir.path())
        // Port 9 (discard) on loopback: nothing listens there.
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:9/none")
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("marquee: cannot connect to the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn the_binary_serves_from_an_empty_directory_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_marquee"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("MARQUEE_JWT_SECRET")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    // The log line that announces the bound address tells us it is ready;
    // the rest of the output keeps being read so the pipe never fills.
    let stdout = child.stdout.take().unwrap();
    let (found, address) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        let mut found = Some(found);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                if let Some(tx) = found.take() {
                    let _ = tx.send(addr);
                }
            }
        }
    });
    let address = address.await.expect("the server announces its address");

    let health = reqwest::get(format!("http://{address}/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(dir.path().join("data/marquee.db").exists());
    assert!(dir.path().join("data/jwt-secret").exists());

    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "a graceful stop exits 0, got {status}");
}

#[test]
fn admin_create_makes_an_admin_from_stdin_and_promotes_an_existing_account() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str, stdin: &str| {
        let mut child = marquee()
            .current_dir(dir.path())
            .args(["admin", "create", "--email", email, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };

    let created = run("Root@Example.com", "a long admin password\n");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created admin"));

    let again = run("root@example.com", "");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("is now an admin"));

    let short = run("other@example.com", "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8 characters"));
}

#[test]
fn admin_audit_reports_a_balanced_ledger_and_fails_on_a_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    let clean = marquee()
        .current_dir(dir.path())
        .args(["admin", "audit"])
        .output()
        .unwrap();
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let stdout = String::from_utf8_lossy(&clean.stdout);
    assert!(stdout.contains("total 0 cents, balanced"), "{stdout}");

    // Money out of thin air: a cached balance no entry explains.
    let url = format!("sqlite:{}", dir.path().join("data/marquee.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let db = app::kernel::db::Db::connect(&url).await.unwrap();
        sqlx::query("UPDATE wallet_accounts SET balance_cents = 500 WHERE kind = 'fees'")
            .execute(db.pool())
            .await
            .unwrap();
        db.close().await;
    });
    let broken = marquee()
        .current_dir(dir.path())
        .args(["admin", "audit"])
        .output()
        .unwrap();
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("BROKEN") && stderr.contains("total 500 cents"),
        "{stderr}"
    );
}
