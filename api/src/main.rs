//! Starts the service: configuration, logging, database, HTTP, and a graceful stop.

use std::process::ExitCode;

use api::auth::TokenRequest;
use api::{Application, Config, server, telemetry};

/// A request allocates many small objects (GraphQL values, JSON); mimalloc serves them
/// faster than the system allocator (measured with the project's benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; only the process environment is used then.
    dotenvy::dotenv().ok();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("token") {
        return print_token(&args[1..]);
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("customers-todos: {error}");
            return ExitCode::from(2);
        }
    };
    let tracing = telemetry::init(&config);
    let app = match Application::build(config).await {
        Ok(app) => app.with_tracing(tracing),
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("customers-todos: {error}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until_stopped(server::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("customers-todos: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `customers-todos token --role … [--customer-id N] [--sub S] [--ttl 1h]`: prints an HS256
/// token signed with `AUTH_JWT_SECRET`, for development and scripts.
fn print_token(args: &[String]) -> ExitCode {
    let minted = TokenRequest::from_args(args).and_then(|request| {
        let config = Config::from_env().map_err(|error| error.to_string())?;
        request.mint(&config.auth, jsonwebtoken::get_current_timestamp())
    });
    match minted {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("customers-todos token: {error}");
            ExitCode::from(2)
        }
    }
}
