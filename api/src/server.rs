//! Assembling the router, and running it until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::admission::Admission;
use crate::auth;
use crate::config::Config;
use crate::db::Db;
use crate::envelope::{self, Envelope};
use crate::events::{EventRelay, Events, EventsError};
use crate::graphql::DocumentCache;
use crate::rate_limit::{self, RateLimits};
use crate::shutdown::Shutdown;
use crate::state::AppState;
use crate::telemetry::{NoFailureLine, RequestSpan, ResponseLine, Tracing};
use crate::write::Writer;
use crate::{database, graphql, health, metrics, rest, ui};

/// How long shutdown waits for the pool to close its connections.
const POOL_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the service could not start; `main` prints it as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sea_orm::DbErr),
    /// A migration failed.
    #[error("cannot apply migrations: {0}")]
    Migrate(#[source] sea_orm::DbErr),
    /// The change-event listener could not start (PostgreSQL `LISTEN`).
    #[error("{0}")]
    Events(#[source] EventsError),
    /// Access control could not be set up (an identity provider's key set not fetched).
    #[error("{0}")]
    Auth(String),
    /// The address is taken or not ours.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Builds the state every route shares, with change events delivered in-process only: for
/// tools and single-process tests. [`Application::build`] uses [`state_with_events`] with the
/// events of [`crate::events::start`], which cross replicas on PostgreSQL.
pub fn state(db: DatabaseConnection, config: Config) -> AppState {
    state_with_events(db, config, Events::default())
}

/// Builds the state every route shares, publishing change events to `events`.
pub fn state_with_events(db: DatabaseConnection, config: Config, events: Events) -> AppState {
    let db = Db::new(db, config.behind_pooler());
    let writer = Writer::new(db.clone(), events.clone());
    let schemas = graphql::build_schemas(db.clone(), events.clone(), writer.clone(), &config);
    let inputs = graphql::InputSchema::from_sdl(&schemas.full.sdl())
        .expect("the schema's own SDL always parses");
    let mut documents =
        DocumentCache::new(config.graphql_max_aliases, config.graphql_max_depth, inputs);
    if !config.graphql_introspection {
        documents = documents.without_introspection();
    }
    AppState {
        db,
        schema: schemas.full,
        known_schema: schemas.known,
        events,
        writer,
        documents: Arc::new(documents),
        admission: Admission::new(config.max_in_flight_requests, config.max_queued_requests),
        shutdown: Shutdown::default(),
        config: Arc::new(config),
    }
}

fn cors(config: &Config) -> CorsLayer {
    let origins = &config.cors_allowed_origins;
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    let layer = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT]);
    // Credentials cannot be combined with a wildcard origin; the seed allowed them for its
    // listed origins.
    if origins.iter().any(|origin| origin == "*") {
        layer
    } else {
        layer.allow_credentials(true)
    }
}

/// The whole HTTP application: REST, GraphQL, docs, probes, and the shared middleware.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let config = state.config.clone();
    let admission = state.admission.clone();
    // The API routes run as the request's principal; probes and documentation pages need
    // none.
    let api = Router::new()
        .merge(rest::router())
        .merge(graphql::router())
        // Run after authentication (layers added later run first), so that the limit counts
        // per token `sub`.
        .route_layer(axum::middleware::from_fn_with_state(
            RateLimits::new(
                config.rate_limit_per_minute,
                config.trusted_proxy_addresses().unwrap_or_default(),
            ),
            rate_limit::limit,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            config.access.clone(),
            auth::authenticate,
        ));
    Router::new()
        .merge(api)
        .merge(health::router())
        .merge(metrics::router(config.metrics_enabled))
        .merge(ui::router())
        .fallback(rest::not_found)
        .method_not_allowed_fallback(rest::method_not_allowed)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(cors(&config))
        .layer(axum::middleware::from_fn_with_state(
            Envelope {
                admission,
                timeout: Duration::from_secs(config.request_timeout_secs),
            },
            envelope::enclose,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(RequestSpan)
                .on_request(())
                .on_response(ResponseLine)
                .on_failure(NoFailureLine),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// A service ready to serve: database open and migrated, socket bound.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: DatabaseConnection,
    relay: EventRelay,
    shutdown: Shutdown,
    shutdown_timeout: Duration,
    tracing: Tracing,
}

impl Application {
    /// Opens the database, applies migrations when configured, starts the change-event relay
    /// (listening on PostgreSQL before the first request can write), and binds the socket
    /// (port 0 picks a free one, as the tests do).
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        metrics::init();
        match config.access.describe() {
            Some(mode) => tracing::info!(mode, "access control on"),
            None => tracing::warn!(
                "access control is off: every request is admin (set AUTH_JWT_SECRET or \
                 AUTH_JWT_PUBLIC_KEY_FILE to require bearer tokens)"
            ),
        }
        config.access.prepare().await.map_err(StartupError::Auth)?;
        let db = database::connect(&config)
            .await
            .map_err(StartupError::Connect)?;
        if config.run_migrations {
            database::migrate(&db)
                .await
                .map_err(StartupError::Migrate)?;
        }
        let addr = config.listen_addr();
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        database::check_statement_timeout(&Db::new(db.clone(), true), &config).await;
        if config.behind_pooler()
            && config.database_listen_url.is_none()
            && db.get_database_backend() == sea_orm::DbBackend::Postgres
        {
            tracing::warn!(
                "DB_STATEMENT_CACHE_CAPACITY=0 but no DATABASE_LISTEN_URL: if DATABASE_URL \
                 goes through a transaction-mode pooler, LISTEN cannot work through it and \
                 subscriptions miss events; point DATABASE_LISTEN_URL at PostgreSQL directly"
            );
        }
        let pooled = Db::new(db.clone(), config.behind_pooler());
        let (events, relay) = crate::events::start(&pooled, &config.listen_url())
            .await
            .map_err(StartupError::Events)?;
        let shutdown_timeout = Duration::from_secs(config.shutdown_timeout_secs);
        let state = state_with_events(db.clone(), config, events);
        let shutdown = state.shutdown.clone();
        let router = app(state);
        Ok(Self {
            listener,
            router,
            db,
            relay,
            shutdown,
            shutdown_timeout,
            tracing: Tracing::default(),
        })
    }

    /// The span exporter to flush when the service stops (from [`crate::telemetry::init`]).
    pub fn with_tracing(mut self, tracing: Tracing) -> Self {
        self.tracing = tracing;
        self
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then stops within `SHUTDOWN_TIMEOUT_SECS`: stops
    /// accepting, tells every WebSocket client it is going away (1001), lets in-flight
    /// requests finish, sends the change events they queued, stops the event listener,
    /// closes the pool and sends the spans still buffered. Whatever is still running at the bound is abandoned, with a warning.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        let (stop_began, began) = tokio::sync::oneshot::channel();
        let sockets = self.shutdown.clone();
        let signal = async move {
            shutdown.await;
            // Sockets close at once, while the server drains the HTTP requests.
            sockets.begin();
            let _ = stop_began.send(tokio::time::Instant::now());
        };
        let serving = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal);
        let timeout = self.shutdown_timeout;
        let mut began = std::pin::pin!(began);
        let mut serving = std::pin::pin!(serving.into_future());
        // Until the signal, serve; after it, give the drain until the deadline.
        let deadline = tokio::select! {
            served = &mut serving => {
                served?;
                tokio::time::Instant::now() + timeout
            }
            Ok(at) = &mut began => {
                let deadline = at + timeout;
                match tokio::time::timeout_at(deadline, &mut serving).await {
                    Ok(served) => served?,
                    Err(_) => tracing::warn!(
                        timeout_secs = timeout.as_secs(),
                        "in-flight requests did not finish within SHUTDOWN_TIMEOUT_SECS; \
                         abandoning them"
                    ),
                }
                deadline
            }
        };
        tracing::info!("stopped accepting; closing sockets, the event relay and the pool");
        let open = self.shutdown.open_sockets();
        if tokio::time::timeout_at(deadline, self.shutdown.sockets_closed())
            .await
            .is_err()
        {
            tracing::warn!(open, "WebSocket connections did not close in time");
        }
        if tokio::time::timeout_at(deadline, self.relay.stop())
            .await
            .is_err()
        {
            tracing::warn!("the change-event relay did not stop in time");
        }
        // Bounded: a pool whose bookkeeping lost a connection (seen with sqlx 0.9 after
        // connections were closed on release) would otherwise wait forever.
        let pool_deadline = deadline.min(tokio::time::Instant::now() + POOL_CLOSE_TIMEOUT);
        match tokio::time::timeout_at(pool_deadline, self.db.close()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "closing the database pool"),
            Err(_) => tracing::warn!("the database pool did not close in time; exiting anyway"),
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        self.tracing.shutdown(left).await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
