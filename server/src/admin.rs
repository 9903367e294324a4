//! `marquee admin create --email …`: the only way to get an admin. There is
//! no default admin and no default password anywhere. `marquee admin audit`
//! checks the wallet ledger.

use std::io::BufRead;

use app::config::Config;
use app::kernel::db::Db;

pub async fn create(config: &Config, email: &str, password_stdin: bool) -> anyhow::Result<String> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let exists = app::accounts::store::user_by_email(db.pool(), &email.trim().to_lowercase())
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?
        .is_some();
    let password = if exists {
        None
    } else if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Some(line.trim_end_matches(['\r', '\n']).to_string())
    } else {
        let first = rpassword::prompt_password("Password for the new admin: ")?;
        let again = rpassword::prompt_password("Once more: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        Some(first)
    };
    let result = app::accounts::service::create_or_promote_admin(&db, email, password).await;
    db.close().await;
    let (id, created) = result.map_err(|e| anyhow::anyhow!(e.to_string()))?;
    Ok(if created {
        format!("created admin {email} (user {id})")
    } else {
        format!("{email} (user {id}) is now an admin")
    })
}

/// Reads the whole ledger and says whether its invariants hold: the report,
/// and whether it is clean.
pub async fn audit(config: &Config) -> anyhow::Result<(String, bool)> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    let result = app::wallet::audit::audit(&db).await;
    db.close().await;
    let audit = result?;
    let mut report = format!(
        "ledger: {} accounts, {} transactions, total {} cents",
        audit.accounts, audit.transactions, audit.total_cents
    );
    if audit.holds() {
        report.push_str(", balanced");
    } else {
        report.push_str(&format!(
            "\nBROKEN: overdrawn accounts {:?}, drifted balances {:?}, wrong reservations {:?}, unbalanced transactions {:?}",
            audit.overdrawn, audit.drifted, audit.misreserved, audit.unbalanced
        ));
    }
    Ok((report, audit.holds()))
}
