//! The service's configuration: every environment variable it reads, read once at start-up.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use migration::database_url::DatabaseSettings;

use crate::auth::{Auth, AuthSettings};
use serde::Deserialize;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything the service can be told, from the environment (and an optional `.env`).
///
/// Each field is the lower-cased name of its variable; the README's table documents them.
#[derive(Clone, Debug, Deserialize)]
pub struct Config {
    /// `HOST`: the IP address to listen on (`localhost` is accepted for 127.0.0.1).
    #[serde(default = "defaults::host")]
    pub host: String,
    /// `PORT`: the port to listen on.
    #[serde(default = "defaults::port")]
    pub port: u16,
    /// `DB_MAX_CONNECTIONS`: the size of the database pool. Without it, the customer seed's
    /// `DB_POOL_SIZE` + `DB_MAX_OVERFLOW` if set, else 10.
    pub db_max_connections: Option<u32>,
    /// `DB_POOL_SIZE`: the customer seed's pool size, honoured when `DB_MAX_CONNECTIONS` is
    /// not set.
    pub db_pool_size: Option<u32>,
    /// `DB_MAX_OVERFLOW`: the customer seed's extra connections, added to `DB_POOL_SIZE`.
    pub db_max_overflow: Option<u32>,
    /// `DB_CONNECT_TIMEOUT_SECS`: how long to wait for a pooled connection before a request
    /// is answered "service unavailable".
    #[serde(default = "defaults::db_connect_timeout_secs")]
    pub db_connect_timeout_secs: u64,
    /// `DB_STATEMENT_CACHE_CAPACITY`: prepared statements kept per PostgreSQL connection
    /// (sqlx's named-statement cache). 0 is for a transaction-mode pooler: every statement is
    /// unnamed and no session setting is sent (see README, "Running several replicas").
    #[serde(default = "defaults::db_statement_cache_capacity")]
    pub db_statement_cache_capacity: usize,
    /// `DATABASE_LISTEN_URL`: the direct, unpooled PostgreSQL connection for `LISTEN` (a
    /// transaction-mode pooler cannot hold one); default `DATABASE_URL`.
    pub database_listen_url: Option<DatabaseUrl>,
    /// `DB_ECHO`: log every SQL statement.
    #[serde(default)]
    pub db_echo: bool,
    /// `RUN_MIGRATIONS`: apply pending migrations at start-up.
    #[serde(default = "defaults::yes")]
    pub run_migrations: bool,
    /// `RATE_LIMIT_PER_MINUTE`: requests a minute per principal, with a burst of a tenth of
    /// it; 0 turns limits off.
    #[serde(default)]
    pub rate_limit_per_minute: u32,
    /// `TRUSTED_PROXIES`: comma-separated addresses whose `X-Forwarded-For` names the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins browsers may call from; `*` for any.
    #[serde(default = "defaults::cors_allowed_origins")]
    pub cors_allowed_origins: Vec<String>,
    /// `LOG_FORMAT`: `text` or `json`.
    #[serde(default)]
    pub log_format: LogFormat,
    /// `RUST_LOG`: the log filter, e.g. `info` or `api=debug,sea_orm=warn`.
    #[serde(default = "defaults::rust_log")]
    pub rust_log: String,
    /// `GRAPHQL_DEFAULT_PAGE_SIZE`: connection page size when neither `first` nor `last` is
    /// given.
    #[serde(default = "defaults::graphql_default_page_size")]
    pub graphql_default_page_size: u64,
    /// `GRAPHQL_MAX_PAGE_SIZE`: the largest `first`/`last` accepted.
    #[serde(default = "defaults::graphql_max_page_size")]
    pub graphql_max_page_size: u64,
    /// `GRAPHQL_MAX_DEPTH`: the deepest nesting of fields accepted (introspection fields
    /// count as one level, so tools can always load the schema).
    #[serde(default = "defaults::graphql_max_depth")]
    pub graphql_max_depth: usize,
    /// `GRAPHQL_MAX_COMPLEXITY`: the costliest query accepted (a connection costs its page
    /// size times its selection).
    #[serde(default = "defaults::graphql_max_complexity")]
    pub graphql_max_complexity: usize,
    /// `GRAPHQL_MAX_ALIASES`: the most aliased fields one document may have (aliases let one
    /// small request ask for the same costly field many times).
    #[serde(default = "defaults::graphql_max_aliases")]
    pub graphql_max_aliases: usize,
    /// `GRAPHQL_BATCH_DELAY_MS`: how long a DataLoader waits for more keys before it runs
    /// its batched query. Longer gathers bigger batches at the cost of latency per level.
    #[serde(default = "defaults::graphql_batch_delay_ms")]
    pub graphql_batch_delay_ms: u64,
    /// `GRAPHQL_INTROSPECTION`: answer introspection queries (switch off to hide the schema).
    #[serde(default = "defaults::yes")]
    pub graphql_introspection: bool,
    /// `MAX_BODY_BYTES`: the largest request body accepted.
    #[serde(default = "defaults::max_body_bytes")]
    pub max_body_bytes: usize,
    /// `METRICS_ENABLED`: serve `GET /metrics` (Prometheus); `false` answers it 404.
    #[serde(default = "defaults::yes")]
    pub metrics_enabled: bool,
    /// `METRICS_TOKEN`: when set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>`.
    pub metrics_token: Option<crate::auth::Secret>,
    /// `MAX_IN_FLIGHT_REQUESTS`: the most requests worked on at once; more wait.
    #[serde(default = "defaults::max_in_flight_requests")]
    pub max_in_flight_requests: usize,
    /// `MAX_QUEUED_REQUESTS`: the most requests waiting for a turn; beyond that the answer is
    /// an immediate 503.
    #[serde(default = "defaults::max_queued_requests")]
    pub max_queued_requests: usize,
    /// `REQUEST_TIMEOUT_SECS`: each request's deadline (waiting for a turn included); past
    /// it the answer is 503 and its SQL is cancelled (PostgreSQL `statement_timeout`).
    #[serde(default = "defaults::request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// `SHUTDOWN_TIMEOUT_SECS`: how long SIGTERM waits for in-flight requests, change
    /// events and traces before the process exits anyway.
    #[serde(default = "defaults::shutdown_timeout_secs")]
    pub shutdown_timeout_secs: u64,
    /// `DATABASE_URL`, or the seed's `DB_*` variables: where the data lives.
    #[serde(skip)]
    pub database: DatabaseSettings,
    /// The `AUTH_*` variables (SPEC 5.1).
    #[serde(skip)]
    pub auth: AuthSettings,
    /// The `OTEL_*` variables the service reads (SPEC 4.1: span export).
    #[serde(skip)]
    pub otel: crate::telemetry::OtelSettings,
    /// Access control as the `AUTH_*` variables set it up (keys read and checked).
    #[serde(skip, default = "Auth::off")]
    pub access: Auth,
}

/// A database URL from a variable, shown with its password hidden in `{:?}` output (the
/// configuration is logged).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&migration::database_url::redact_url(&self.0))
    }
}

mod defaults {
    /// sqlx's own default for `PgConnectOptions::statement_cache_capacity`.
    pub fn db_statement_cache_capacity() -> usize {
        100
    }
    pub fn host() -> String {
        "127.0.0.1".into()
    }
    pub fn port() -> u16 {
        8000
    }
    pub fn db_connect_timeout_secs() -> u64 {
        5
    }
    pub fn yes() -> bool {
        true
    }
    pub fn cors_allowed_origins() -> Vec<String> {
        vec!["http://localhost".into(), "http://localhost:3000".into()]
    }
    pub fn rust_log() -> String {
        "info".into()
    }
    pub fn graphql_default_page_size() -> u64 {
        100
    }
    pub fn graphql_max_page_size() -> u64 {
        1000
    }
    pub fn graphql_max_depth() -> usize {
        12
    }
    pub fn graphql_max_complexity() -> usize {
        50_000
    }
    pub fn graphql_max_aliases() -> usize {
        30
    }
    pub fn graphql_batch_delay_ms() -> u64 {
        1
    }
    pub fn max_body_bytes() -> usize {
        1024 * 1024
    }
    pub fn max_in_flight_requests() -> usize {
        512
    }
    pub fn max_queued_requests() -> usize {
        1024
    }
    pub fn request_timeout_secs() -> u64 {
        30
    }
    pub fn shutdown_timeout_secs() -> u64 {
        30
    }
}

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the process environment (call `dotenvy::dotenv()` first to honour `.env`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect::<Vec<_>>())
    }

    /// Reads the configuration from these variables; tests use it to avoid the process
    /// environment.
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .into_iter()
            .map(|(name, value)| {
                if BOOLEAN_VARIABLES.contains(&name.as_str()) {
                    (name, normalise_bool(value))
                } else {
                    (name, value)
                }
            })
            .collect();
        let mut config: Self = envy::from_iter(vars.clone()).map_err(describe)?;
        for origin in &mut config.cors_allowed_origins {
            *origin = origin.trim().to_owned();
        }
        config
            .cors_allowed_origins
            .retain(|origin| !origin.is_empty());
        config.database = envy::from_iter(vars.clone()).map_err(describe)?;
        config.auth = envy::from_iter(vars.clone()).map_err(describe)?;
        config.otel = envy::from_iter(vars).map_err(describe)?;
        config.validate()?;
        config.access = Auth::from_settings(&config.auth).map_err(ConfigError)?;
        Ok(config)
    }

    /// The defaults, as if no variable were set.
    pub fn defaults() -> Self {
        Self::from_vars(Vec::new()).expect("the defaults are valid")
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |message: &str| Err(ConfigError(message.to_owned()));
        if parse_host(&self.host).is_none() {
            return Err(ConfigError(format!(
                "HOST: {:?} is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)",
                self.host
            )));
        }
        if self.db_max_connections == Some(0) {
            return fail("DB_MAX_CONNECTIONS: must be at least 1");
        }
        if self.db_max_connections.is_none() && self.db_pool_size == Some(0) {
            return fail("DB_POOL_SIZE: must be at least 1");
        }
        if self.max_in_flight_requests == 0 {
            return fail("MAX_IN_FLIGHT_REQUESTS: must be at least 1");
        }
        if self.request_timeout_secs == 0 {
            return fail("REQUEST_TIMEOUT_SECS: must be at least 1");
        }
        if self.db_connect_timeout_secs == 0 {
            return fail("DB_CONNECT_TIMEOUT_SECS: must be at least 1");
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|token| token.0.trim().is_empty())
        {
            return fail("METRICS_TOKEN: must not be empty (unset it to allow every scrape)");
        }
        if self.graphql_default_page_size == 0 {
            return fail("GRAPHQL_DEFAULT_PAGE_SIZE: must be at least 1");
        }
        if self.graphql_max_page_size < self.graphql_default_page_size {
            return fail("GRAPHQL_MAX_PAGE_SIZE: must be at least GRAPHQL_DEFAULT_PAGE_SIZE");
        }
        if let Err(error) = tracing_subscriber::EnvFilter::try_new(&self.rust_log) {
            return Err(ConfigError(format!("RUST_LOG: {error}")));
        }
        for origin in &self.cors_allowed_origins {
            if origin != "*" && axum::http::HeaderValue::from_str(origin).is_err() {
                return Err(ConfigError(format!(
                    "CORS_ALLOWED_ORIGINS: {origin:?} is not a valid origin"
                )));
            }
        }
        self.validate_listen_url()?;
        self.auth.validate().map_err(ConfigError)?;
        self.otel.validate().map_err(ConfigError)?;
        self.trusted_proxy_addresses()?;
        self.database.url().map(drop).map_err(ConfigError)
    }

    /// `DATABASE_LISTEN_URL` is a PostgreSQL URL, and only given with a PostgreSQL database
    /// (SQLite relays events in-process, so a listen URL there is a mistake to point out).
    fn validate_listen_url(&self) -> Result<(), ConfigError> {
        let Some(DatabaseUrl(url)) = &self.database_listen_url else {
            return Ok(());
        };
        let fail = |why: &str| {
            Err(ConfigError(format!(
                "DATABASE_LISTEN_URL: {:?} {why}",
                migration::database_url::redact_url(url)
            )))
        };
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return fail("is not a postgres:// URL");
        }
        if url
            .parse::<sea_orm::sqlx::postgres::PgConnectOptions>()
            .is_err()
        {
            return fail("is not a valid PostgreSQL URL");
        }
        match self.database.url() {
            Ok(main) if !main.starts_with("postgres") => {
                fail("is only used with a PostgreSQL DATABASE_URL (SQLite needs no listener)")
            }
            _ => Ok(()),
        }
    }

    /// Whether the pool is set up for a transaction-mode pooler: no named statements and no
    /// session state (`DB_STATEMENT_CACHE_CAPACITY=0`).
    pub fn behind_pooler(&self) -> bool {
        self.db_statement_cache_capacity == 0
    }

    /// The URL of the `LISTEN` connection: `DATABASE_LISTEN_URL`, else `DATABASE_URL`.
    pub fn listen_url(&self) -> String {
        match &self.database_listen_url {
            Some(DatabaseUrl(url)) => url.clone(),
            None => self.database_url(),
        }
    }

    /// `TRUSTED_PROXIES` as addresses; the error names the variable.
    pub fn trusted_proxy_addresses(&self) -> Result<Vec<IpAddr>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|text| text.trim())
            .filter(|text| !text.is_empty())
            .map(|text| {
                text.parse().map_err(|_| {
                    ConfigError(format!("TRUSTED_PROXIES: {text:?} is not an IP address"))
                })
            })
            .collect()
    }

    /// The size of the connection pool.
    pub fn pool_size(&self) -> u32 {
        self.db_max_connections
            .unwrap_or_else(|| match self.db_pool_size {
                Some(size) => size.saturating_add(self.db_max_overflow.unwrap_or(0)),
                None => DEFAULT_POOL_SIZE,
            })
    }

    /// The socket address to listen on.
    pub fn listen_addr(&self) -> SocketAddr {
        let ip = parse_host(&self.host).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        SocketAddr::new(ip, self.port)
    }

    /// The database URL, resolved from `DATABASE_URL` or the `DB_*` variables.
    pub fn database_url(&self) -> String {
        self.database
            .url()
            .expect("validated when the configuration was read")
    }
}

/// The pool size when nothing is configured.
const DEFAULT_POOL_SIZE: u32 = 10;

/// The boolean variables, whose values [`normalise_bool`] reads leniently.
const BOOLEAN_VARIABLES: [&str; 4] = [
    "DB_ECHO",
    "RUN_MIGRATIONS",
    "GRAPHQL_INTROSPECTION",
    "METRICS_ENABLED",
];

/// Booleans as people write them in environment files: `true`/`false` in any case, `1`/`0`,
/// `yes`/`no`, `on`/`off` (the Python seed's `.env` said `True`). Anything else is left for
/// envy to refuse, naming the variable.
fn normalise_bool(value: String) -> String {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => "true".into(),
        "false" | "0" | "no" | "off" => "false".into(),
        _ => value,
    }
}

fn parse_host(host: &str) -> Option<IpAddr> {
    if host.eq_ignore_ascii_case("localhost") {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// envy names the variable for parse errors but not for unknown enum values; this adds it.
fn describe(error: envy::Error) -> ConfigError {
    let text = error.to_string();
    if text.contains("unknown variant") && !text.contains("provided by") {
        return ConfigError(format!("LOG_FORMAT: {text}"));
    }
    ConfigError(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_match_the_spec() {
        let config = Config::defaults();
        assert_eq!(config.listen_addr().to_string(), "127.0.0.1:8000");
        assert!(config.run_migrations);
        assert_eq!(
            config.cors_allowed_origins,
            ["http://localhost", "http://localhost:3000"]
        );
        assert_eq!(
            config.database_url(),
            migration::database_url::DEFAULT_DATABASE_URL
        );
    }

    #[test]
    fn debug_output_never_shows_a_password() {
        for pairs in [
            vec![(
                "DATABASE_URL",
                "postgres://app:s3cret-pw@db.internal:5432/prod?sslmode=require",
            )],
            vec![
                ("DB_DRIVER", "postgresql"),
                ("DB_USERNAME", "app"),
                ("DB_PASSWORD", "s3cret-pw"),
                ("DB_HOSTNAME", "db.internal"),
                ("DB_NAME", "prod"),
            ],
        ] {
            let config = Config::from_vars(vars(&pairs)).expect("valid");
            let shown = format!("{config:?}");
            assert!(!shown.contains("s3cret-pw"), "{shown}");
            assert!(
                shown.contains("db.internal"),
                "the rest is still shown: {shown}"
            );
        }
    }

    #[test]
    fn values_are_read_from_upper_case_variables() {
        let config = Config::from_vars(vars(&[
            ("PORT", "9001"),
            (
                "CORS_ALLOWED_ORIGINS",
                "https://a.example,https://b.example",
            ),
            ("LOG_FORMAT", "json"),
            ("DATABASE_URL", "postgres://u@h/d"),
        ]))
        .expect("valid");
        assert_eq!(config.port, 9001);
        assert_eq!(config.cors_allowed_origins.len(), 2);
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.database_url(), "postgres://u@h/d");
    }

    #[test]
    fn the_seeds_settings_are_understood() {
        let config = Config::from_vars(vars(&[
            ("DB_ECHO", "True"),
            ("RUN_MIGRATIONS", "0"),
            ("DB_POOL_SIZE", "5"),
            ("DB_MAX_OVERFLOW", "3"),
            ("CORS_ALLOWED_ORIGINS", "http://a.example, http://b.example"),
        ]))
        .expect("valid");
        assert!(config.db_echo);
        assert!(!config.run_migrations);
        assert_eq!(config.pool_size(), 8);
        assert_eq!(
            config.cors_allowed_origins,
            ["http://a.example", "http://b.example"]
        );
        assert_eq!(Config::defaults().pool_size(), 10);
        let explicit =
            Config::from_vars(vars(&[("DB_MAX_CONNECTIONS", "3"), ("DB_POOL_SIZE", "5")]))
                .expect("valid");
        assert_eq!(explicit.pool_size(), 3);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (name, value) in [
            ("PORT", "eighty"),
            ("RUN_MIGRATIONS", "maybe"),
            ("LOG_FORMAT", "xml"),
            ("DB_MAX_CONNECTIONS", "0"),
            ("RUST_LOG", "api=loud"),
            ("DB_DRIVER", "oracle"),
            ("HOST", "not-an-ip"),
            ("MAX_IN_FLIGHT_REQUESTS", "0"),
            ("REQUEST_TIMEOUT_SECS", "0"),
            ("METRICS_ENABLED", "sometimes"),
            ("METRICS_TOKEN", " "),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ] {
            let error = Config::from_vars(vars(&[(name, value)])).expect_err(name);
            assert!(error.to_string().contains(name), "{name}: {error}");
        }
    }
}
