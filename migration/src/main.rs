//! The migration CLI: `cargo run -p migration -- up|down|status|fresh|refresh|reset`.
//!
//! It finds the database exactly as the service does (`DATABASE_URL`, else the `DB_*`
//! variables, else the default SQLite file), reading an optional `.env` first.

use migration::database_url::DatabaseSettings;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectOptions, Database};

#[tokio::main]
async fn main() {
    dotenvy::dotenv().ok();
    let url = match DatabaseSettings::from_env().and_then(|settings| settings.url()) {
        Ok(url) => url,
        Err(message) => {
            eprintln!("migration: {message}");
            std::process::exit(2);
        }
    };
    cli::run_cli_with_custom_connection(migration::Migrator, async move || {
        Database::connect(ConnectOptions::new(url)).await
    })
    .await;
}
