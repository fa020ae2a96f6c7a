//! Shared fixtures for the end-to-end tests: a fresh database per test on SQLite or
//! PostgreSQL, the real router in-process, and small request helpers.
//!
//! Every database test is written once with [`db_test!`] and runs as two tests: `…::sqlite`
//! always, and `…::postgres` (ignored unless asked for with `--ignored`, and then needing
//! `TEST_DATABASE_URL`, e.g. `postgres://postgres@127.0.0.1:5432/test`). With
//! `TEST_POOLER_URL` also set, the PostgreSQL tests go through that pooler, as a replica
//! behind PgBouncer would (see [`pooler_url`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use futures::StreamExt;
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tower::ServiceExt;

pub use serde_json;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh database on the server named by `TEST_DATABASE_URL`.
    Postgres,
}

/// A database that exists for one test and is removed after it.
pub struct TestDatabase {
    /// The URL the service connects to.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(
        #[expect(dead_code, reason = "held so the folder lives as long as the test")]
        tempfile::TempDir,
    ),
    Postgres {
        admin_url: String,
        name: String,
    },
}

/// The server and maintenance database for PostgreSQL tests.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL must name a PostgreSQL database to run the PostgreSQL tests, \
         e.g. postgres://postgres@127.0.0.1:5432/test",
    )
}

/// Every copy of a migrated template is named with this prefix and the migrations'
/// fingerprint; templates of other migrations are dropped when a new one is built.
const TEMPLATE_PREFIX: &str = "ct_template_";

/// The template every PostgreSQL test database is copied from, built at most once per
/// test process (and reused by later runs while the migrations stay the same).
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// The name of the migrated template on the server, building it first if it is missing:
/// under an advisory lock, so concurrent test processes build it once, and under a scratch
/// name renamed when complete, so a run that dies halfway leaves no half-migrated template.
async fn migrated_template(admin_url: &str) -> String {
    let name = format!("{TEMPLATE_PREFIX}{}", env!("MIGRATIONS_FINGERPRINT"));
    // The lock belongs to a session: a pool of one connection keeps every statement on it.
    let mut options = sea_orm::ConnectOptions::new(admin_url);
    options.max_connections(1).sqlx_logging(false);
    let admin = Database::connect(options)
        .await
        .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {admin_url}: {error}"));
    admin
        .execute_unprepared("SELECT pg_advisory_lock(727274)")
        .await
        .expect("advisory lock");
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.clone().into()],
        ))
        .await
        .expect("pg_database")
        .is_some();
    if !exists {
        let scratch = format!("{name}_build_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {scratch}"))
            .await
            .expect("CREATE DATABASE for the template");
        let db = Database::connect(replace_database_name(admin_url, &scratch))
            .await
            .expect("connect to the template");
        api::database::migrate(&db)
            .await
            .expect("migrate the template");
        db.close().await.expect("close the template's connections");
        admin
            .execute_unprepared(&format!("ALTER DATABASE {scratch} RENAME TO {name}"))
            .await
            .expect("rename the template");
        let stale = admin
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT datname FROM pg_database WHERE datname LIKE $1 AND datname <> $2",
                [format!("{TEMPLATE_PREFIX}%").into(), name.clone().into()],
            ))
            .await
            .expect("pg_database");
        for row in stale {
            if let Ok(old) = row.try_get::<String>("", "datname") {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"))
                    .await;
            }
        }
    }
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(727274)")
        .await
        .expect("advisory unlock");
    admin.close().await.ok();
    name
}

impl TestDatabase {
    /// Creates a database on `backend` with the schema of every migration: on PostgreSQL a
    /// copy of the migrated template (`CREATE DATABASE … TEMPLATE`), much faster than
    /// migrating each one; on SQLite an empty file, migrated by the caller.
    pub async fn create_migrated(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::create(backend).await,
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let template = TEMPLATE.get_or_init(|| migrated_template(&admin_url)).await;
                Self::create_postgres(admin_url, Some(template)).await
            }
        }
    }

    /// Creates an empty database on `backend`.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Self {
                    url,
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
            Backend::Postgres => Self::create_postgres(postgres_admin_url(), None).await,
        }
    }

    /// A new PostgreSQL database, empty or a copy of `template`.
    async fn create_postgres(admin_url: String, template: Option<&str>) -> Self {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {admin_url}: {error}"));
        let statement = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        // A copy fails while another session is connected to the template (a concurrent
        // run's copy, briefly): retry a few times.
        let mut attempt = 0;
        while let Err(error) = admin.execute_unprepared(&statement).await {
            attempt += 1;
            assert!(
                attempt < 50
                    && error
                        .to_string()
                        .contains("is being accessed by other users"),
                "{statement}: {error}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        admin.close().await.ok();
        let url = replace_database_name(&admin_url, &name);
        Self {
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

/// With `TEST_POOLER_URL` set (tests/scripts/with-pgbouncer.sh sets it), a PostgreSQL test
/// app reaches its database through that transaction-mode pooler: the URL of `database` on
/// the pooler's server.
pub fn pooler_url(backend: Backend, database: &TestDatabase) -> Option<String> {
    let pooler = std::env::var("TEST_POOLER_URL").ok()?;
    let Cleanup::Postgres { name, .. } = &database.cleanup else {
        return None;
    };
    (backend == Backend::Postgres).then(|| replace_database_name(&pooler, name))
}

fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, database) = (admin_url.clone(), name.clone());
            // Drop runs outside async; a short-lived runtime on its own thread does the work.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url)
                        .await
                        .map_err(std::io::Error::other)?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                        ))
                        .await
                        .map_err(std::io::Error::other)?;
                    admin.close().await.map_err(std::io::Error::other)
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("warning: test database {name} was not dropped");
            }
        }
    }
}

/// The service, in-process, over its own fresh database.
pub struct TestApp {
    /// The full router, as `main` serves it.
    pub router: Router,
    /// The state behind the router (schema, events), for tests that go below HTTP.
    pub state: api::state::AppState,
    /// The app's own database handle, for arranging and checking rows (through the pooler
    /// when there is one, each statement pinned as the app's are).
    pub db: api::db::Db,
    /// Which database this is.
    pub backend: Backend,
    statements: Arc<AtomicUsize>,
    /// Declared before the database so that it stops first.
    _relay: api::events::EventRelay,
    _database: TestDatabase,
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The body as JSON (panics with the text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

impl TestApp {
    /// Starts the app on a fresh, migrated database, with default settings. Change events
    /// are relayed as the binary relays them: through PostgreSQL `NOTIFY` on PostgreSQL,
    /// in-process on SQLite.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with settings changed by `configure`.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut api::Config)) -> Self {
        Self::spawn_with_vars(backend, &[], configure).await
    }

    /// Like [`TestApp::spawn_with`], reading these environment variables first (as the
    /// binary would), e.g. the `AUTH_*` settings.
    pub async fn spawn_with_vars(
        backend: Backend,
        vars: &[(&str, &str)],
        configure: impl FnOnce(&mut api::Config),
    ) -> Self {
        let database = TestDatabase::create_migrated(backend).await;
        let mut all = match pooler_url(backend, &database) {
            // As README's "Running several replicas" says: queries through the pooler with
            // unnamed statements, LISTEN on a direct connection.
            Some(pooled) => vec![
                ("DATABASE_URL".to_owned(), pooled),
                ("DB_STATEMENT_CACHE_CAPACITY".to_owned(), "0".to_owned()),
                ("DATABASE_LISTEN_URL".to_owned(), database.url.clone()),
            ],
            None => vec![("DATABASE_URL".to_owned(), database.url.clone())],
        };
        all.extend(
            vars.iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        let mut config = api::Config::from_vars(all).expect("valid test configuration");
        configure(&mut config);
        config
            .access
            .prepare()
            .await
            .expect("access control set up (the JWKS fetched)");
        let mut db = api::database::connect(&config).await.expect("connect");
        // A no-op on a copy of the template (every migration is recorded as applied).
        api::database::migrate(&db).await.expect("migrate");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let print_sql = std::env::var_os("TEST_PRINT_SQL").is_some();
        db.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::SeqCst);
            if print_sql {
                eprintln!("SQL: {}", info.statement);
            }
        });
        let pooled = api::db::Db::new(db.clone(), config.behind_pooler());
        let (events, relay) = api::events::start(&pooled, &config.listen_url())
            .await
            .expect("event relay");
        let state = api::state_with_events(db.clone(), config, events);
        let router = api::app(state.clone());
        Self {
            router,
            state,
            db: pooled,
            backend,
            statements,
            _relay: relay,
            _database: database,
        }
    }

    /// The URL of the app's database, for tests that open a connection of their own (to
    /// hold a lock, say).
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    /// How many SQL statements the app has run so far.
    pub fn statement_count(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A request with no body.
    pub async fn call(&self, method: Method, path: &str) -> TestResponse {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.call(Method::GET, path).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> TestResponse {
        self.call(Method::DELETE, path).await
    }

    /// A request with a raw body and content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        self.send(builder.body(body.into()).expect("request")).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.send_raw(
            Method::POST,
            path,
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> TestResponse {
        self.send_raw(
            Method::PUT,
            path,
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    /// Runs a GraphQL operation over `POST /graphql` and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .post(
                "/graphql",
                &json!({ "query": query, "variables": variables }),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()
    }

    /// Runs a GraphQL operation that must succeed and returns its `data`.
    pub async fn graphql_data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Starts a GraphQL subscription in-process and polls it in the background, as the
    /// WebSocket handler does; each response's `data` arrives on the receiver.
    pub fn subscribe(&self, query: &'static str) -> mpsc::UnboundedReceiver<Value> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let schema = self.state.schema.clone();
        tokio::spawn(async move {
            let mut stream = schema.execute_stream(query);
            while let Some(response) = stream.next().await {
                let data = response.data.into_json().expect("json");
                if sender.send(data).is_err() {
                    break;
                }
            }
        });
        receiver
    }

    /// Waits until at least `customers` subscriptions to customer changes and `todos` to
    /// todo changes are registered (so every later write reaches them): a readiness probe,
    /// bounded at 10 s, instead of a fixed sleep.
    pub async fn until_subscribed(&self, customers: usize, todos: usize) {
        let events = &self.state.events;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while events.customer_subscribers() < customers || events.todo_subscribers() < todos {
            assert!(
                tokio::time::Instant::now() < deadline,
                "subscriptions not registered within 10 s: {} of {customers} customer, {} of \
                 {todos} todo",
                events.customer_subscribers(),
                events.todo_subscribers(),
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Creates a customer through the REST route and returns its JSON.
    pub async fn create_customer(&self, first: &str, last: &str, email: &str) -> Value {
        let response = self
            .post(
                "/v1/customers",
                &json!({ "first_name": first, "last_name": last, "email": email }),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json()
    }

    /// Creates a todo through the REST route and returns its JSON.
    pub async fn create_todo(&self, task: &str, customer_id: Option<i64>) -> Value {
        let response = self
            .post(
                "/api/v1/todos",
                &json!({ "task": task, "customer_id": customer_id }),
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()
    }
}

/// The `extensions.code` of the first GraphQL error in a response body.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// Runs an ordinary `async fn name(app: TestApp)` on both databases, as the tests
/// `name::sqlite` and `name::postgres` (ignored unless asked for):
///
/// ```text
/// db_test!(creates_a_customer);
/// async fn creates_a_customer(app: TestApp) { /* ... */ }
/// ```
///
/// The body is a plain function, so rustfmt formats it and editors see it whole. A test that
/// starts the app its own way (other settings) takes only the backend, and no app (and no
/// database) is made for it first:
///
/// ```text
/// db_test!(needs_a_token(backend));
/// async fn needs_a_token(backend: Backend) { /* TestApp::spawn_with_vars(backend, …) */ }
/// ```
#[macro_export]
macro_rules! db_test {
    ($name:ident(backend)) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    };
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::TestApp::spawn($crate::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "PostgreSQL: run with --ignored and TEST_DATABASE_URL set"]
            async fn postgres() {
                super::$name($crate::TestApp::spawn($crate::Backend::Postgres).await).await
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::replace_database_name;

    #[test]
    fn database_name_is_replaced_keeping_server_and_options() {
        assert_eq!(
            replace_database_name("postgres://u@h:5432/test", "t_1"),
            "postgres://u@h:5432/t_1"
        );
        assert_eq!(
            replace_database_name("postgres://u@h/test?sslmode=disable", "t_1"),
            "postgres://u@h/t_1?sslmode=disable"
        );
    }
}
