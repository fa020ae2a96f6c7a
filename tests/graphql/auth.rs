//! Bearer tokens (SPEC 5.1, 5.3): who gets in, with which role, and what a refusal looks
//! like on REST and on GraphQL.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tests::{Backend, TestApp, TestResponse, db_test, error_code};

/// The HS256 secret of these tests (32 bytes).
pub(crate) const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// Seconds since the epoch.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A token signed with `secret` over `claims`.
pub(crate) fn token_with(secret: &str, claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("an HS256 key"),
    )
    .expect("a token")
}

/// A valid token for `role` (and `customer_id`), an hour long.
pub(crate) fn token(role: &str, customer_id: Option<i64>) -> String {
    let mut claims = json!({ "sub": format!("test-{role}"), "role": role, "exp": now() + 3600 });
    if let Some(id) = customer_id {
        claims["customer_id"] = json!(id);
    }
    token_with(SECRET, &claims)
}

/// The app with HS256 tokens required, plus `vars`.
async fn app_with(backend: Backend, vars: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("AUTH_JWT_SECRET", SECRET)];
    all.extend_from_slice(vars);
    TestApp::spawn_with_vars(backend, &all, |_| {}).await
}

/// A request with an optional `Authorization` header and JSON body.
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let body = match body {
        Some(body) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    app.send(request.body(body).expect("request")).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

db_test!(without_a_token_the_api_answers_401_and_the_probes_and_docs_do_not(backend));
async fn without_a_token_the_api_answers_401_and_the_probes_and_docs_do_not(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let response = call(&app, "GET", "/v1/customers", None, None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert_eq!(response.json(), json!({ "detail": "Not authenticated" }));
    let response = call(&app, "GET", "/api/v1/todos", None, None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);

    for accept in ["application/json", "application/graphql-response+json"] {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, accept)
            .body(Body::from(
                json!({ "query": "{ customers { totalCount } }" }).to_string(),
            ))
            .expect("request");
        let response = app.send(request).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{accept}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
        assert_eq!(response.header("content-type"), Some(accept));
        let body = response.json();
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        assert!(body.get("data").is_none(), "{body}");
    }
    for open in ["/health", "/ready", "/docs", "/openapi.json"] {
        let response = call(&app, "GET", open, None, None).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "{open}: {}",
            response.text()
        );
    }
    // The GraphiQL page, for a browser.
    let request = Request::get("/graphql")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(request).await.status, StatusCode::OK);
}

db_test!(bad_tokens_are_401_invalid_token_and_say_nothing_about_why(
    backend
));
async fn bad_tokens_are_401_invalid_token_and_say_nothing_about_why(backend: Backend) {
    let app = app_with(
        backend,
        &[
            ("AUTH_JWT_ISSUER", "https://issuer.example"),
            ("AUTH_JWT_AUDIENCE", "customers-todos"),
        ],
    )
    .await;
    let good = json!({ "role": "admin", "exp": now() + 600, "iss": "https://issuer.example", "aud": "customers-todos" });
    let with = |change: Value| {
        let mut claims = good.clone();
        for (key, value) in change.as_object().expect("object") {
            if value.is_null() {
                claims.as_object_mut().expect("object").remove(key);
            } else {
                claims[key] = value.clone();
            }
        }
        bearer(&token_with(SECRET, &claims))
    };
    // The good one works.
    let response = call(&app, "GET", "/v1/customers", Some(&with(json!({}))), None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());

    let unsigned = {
        let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = base64_url(good.to_string().as_bytes());
        format!("Bearer {header}.{claims}.")
    };
    let bad = [
        "Bearer not-a-jwt".to_owned(),
        "Basic YWRtaW46YWRtaW4=".to_owned(),
        bearer(&token_with("another secret of thirty-two bytes", &good)),
        unsigned,
        with(json!({ "exp": now() - 3600 })),
        with(json!({ "exp": null })),
        with(json!({ "nbf": now() + 3600 })),
        with(json!({ "iss": "https://elsewhere.example" })),
        with(json!({ "aud": "someone-else" })),
        with(json!({ "role": "superuser" })),
        with(json!({ "role": null })),
        with(json!({ "role": "customer" })),
    ];
    for authorization in bad {
        let response = call(&app, "GET", "/v1/customers", Some(&authorization), None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{authorization}");
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{authorization}"
        );
        assert_eq!(response.json(), json!({ "detail": "Invalid token" }));
        let response = call(
            &app,
            "POST",
            "/graphql",
            Some(&authorization),
            Some(json!({ "query": "{ __typename }" })),
        )
        .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{authorization}");
        let body = response.json();
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
        assert!(!body.to_string().contains("signature"), "{body}");
    }
}

/// Base64url without padding, for hand-built tokens.
fn base64_url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, byte)| n | (u32::from(*byte) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

db_test!(the_token_decides_the_role_on_rest_and_graphql(backend));
async fn the_token_decides_the_role_on_rest_and_graphql(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let admin = bearer(&token("admin", None));
    let body = json!({ "first_name": "Ada", "last_name": "L", "email": "ada@example.com" });
    let response = call(&app, "POST", "/v1/customers", Some(&admin), Some(body)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let ada = response.json()["customer_id"].as_i64().expect("id");
    let body = json!({ "first_name": "Bob", "last_name": "B", "email": "bob@example.com" });
    let bob = call(&app, "POST", "/v1/customers", Some(&admin), Some(body))
        .await
        .json()["customer_id"]
        .as_i64()
        .expect("id");

    // A reader reads, and is refused every write.
    let reader = bearer(&token("reader", None));
    let response = call(&app, "GET", "/v1/customers", Some(&reader), None).await;
    assert_eq!(response.json().as_array().map(Vec::len), Some(2));
    let body = json!({ "first_name": "X", "last_name": "Y", "email": "x@example.com" });
    let response = call(&app, "POST", "/v1/customers", Some(&reader), Some(body)).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(
        response.json(),
        json!({ "detail": "Not enough permissions" })
    );
    let response = call(&app, "DELETE", "/api/v1/todos/1", Some(&reader), None).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let response = call(
        &app,
        "POST",
        "/graphql",
        Some(&reader),
        Some(json!({ "query": "mutation { deleteCustomer(customerId: 1) { customerId } }" })),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(error_code(&response.json()), Some("FORBIDDEN"));

    // A customer sees itself only; another customer is simply not there.
    let me = bearer(&token("customer", Some(ada)));
    let response = call(&app, "GET", "/v1/customers", Some(&me), None).await;
    let rows = response.json();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["customer_id"], ada);
    let response = call(
        &app,
        "GET",
        &format!("/v1/customers/{bob}"),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(
        response.json(),
        json!({ "detail": format!("Customer not found for customer_id[{bob}]") })
    );
    let response = call(
        &app,
        "POST",
        "/api/v1/todos",
        Some(&me),
        Some(json!({ "task": "mine" })),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["customer_id"], ada, "linked to itself");
    let response = call(
        &app,
        "POST",
        "/graphql",
        Some(&me),
        Some(json!({ "query": "{ customers { totalCount } todos { totalCount } }" })),
    )
    .await;
    assert_eq!(
        response.json()["data"],
        json!({ "customers": { "totalCount": 1 }, "todos": { "totalCount": 1 } })
    );
}

db_test!(claims_can_live_under_a_namespace_and_anonymous_requests_can_have_a_role(backend));
async fn claims_can_live_under_a_namespace_and_anonymous_requests_can_have_a_role(
    backend: Backend,
) {
    const NAMESPACE: &str = "https://customers-todos.example/claims";
    let app = app_with(
        backend,
        &[
            ("AUTH_CLAIMS_NAMESPACE", NAMESPACE),
            ("AUTH_ANONYMOUS_ROLE", "reader"),
        ],
    )
    .await;
    let namespaced = token_with(
        SECRET,
        &json!({ "exp": now() + 600, NAMESPACE: { "role": "admin" } }),
    );
    let body = json!({ "first_name": "Ada", "last_name": "L", "email": "ada@example.com" });
    let response = call(
        &app,
        "POST",
        "/v1/customers",
        Some(&bearer(&namespaced)),
        Some(body),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    // At the top level the role does not count once a namespace is set.
    let top_level = bearer(&token("admin", None));
    let response = call(&app, "GET", "/v1/customers", Some(&top_level), None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    // No token: the anonymous role, a reader.
    let response = call(&app, "GET", "/v1/customers", None, None).await;
    assert_eq!(response.status, StatusCode::OK);
    let body = json!({ "first_name": "Bob", "last_name": "B", "email": "bob@example.com" });
    let response = call(&app, "POST", "/v1/customers", None, Some(body)).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[test]
fn bad_auth_settings_stop_start_up_with_one_line_naming_the_variable() {
    let cases = [
        (vec![("AUTH_JWT_SECRET", "short")], "AUTH_JWT_SECRET"),
        (
            vec![
                ("AUTH_JWT_SECRET", SECRET),
                ("AUTH_JWT_PUBLIC_KEY_FILE", "/nonexistent.pem"),
            ],
            "set only one",
        ),
        (
            vec![("AUTH_JWT_PUBLIC_KEY_FILE", "/nonexistent.pem")],
            "AUTH_JWT_PUBLIC_KEY_FILE",
        ),
        (
            vec![("AUTH_JWT_PUBLIC_KEY_FILE", "/etc/hostname")],
            "AUTH_JWT_PUBLIC_KEY_FILE",
        ),
        (
            vec![
                ("AUTH_JWT_SECRET", SECRET),
                ("AUTH_ANONYMOUS_ROLE", "customer"),
            ],
            "AUTH_ANONYMOUS_ROLE",
        ),
    ];
    for (vars, expected) in cases {
        let error = api::Config::from_vars(
            vars.iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        )
        .expect_err("refused");
        let message = error.to_string();
        assert!(message.contains(expected), "{vars:?}: {message}");
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(
            !message.contains(SECRET),
            "the secret never appears: {message}"
        );
    }
}

/// A test key pair's files.
fn key_file(name: &str) -> String {
    format!("{}/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

db_test!(public_keys_of_every_supported_type_verify_their_tokens_and_only_theirs(backend));
async fn public_keys_of_every_supported_type_verify_their_tokens_and_only_theirs(backend: Backend) {
    let claims = json!({ "role": "reader", "exp": now() + 600 });
    for (name, algorithms) in [
        ("rsa", vec![Algorithm::RS256, Algorithm::PS256]),
        ("ec", vec![Algorithm::ES256]),
        ("ed25519", vec![Algorithm::EdDSA]),
    ] {
        let public = key_file(&format!("{name}.pub"));
        let private = std::fs::read(key_file(&format!("{name}.key"))).expect("the private key");
        let key = match name {
            "rsa" => EncodingKey::from_rsa_pem(&private),
            "ec" => EncodingKey::from_ec_pem(&private),
            _ => EncodingKey::from_ed_pem(&private),
        }
        .expect("a signing key");
        let app =
            TestApp::spawn_with_vars(backend, &[("AUTH_JWT_PUBLIC_KEY_FILE", &public)], |_| {})
                .await;
        for algorithm in algorithms {
            let token = encode(&Header::new(algorithm), &claims, &key).expect("a token");
            let response = call(&app, "GET", "/v1/customers", Some(&bearer(&token)), None).await;
            assert_eq!(response.status, StatusCode::OK, "{name} {algorithm:?}");
        }
        // Algorithm confusion: an HS256 token "signed" with the public key's own bytes.
        let public_bytes = std::fs::read(&public).expect("the public key");
        let confused = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&public_bytes).expect("an HS256 key"),
        )
        .expect("a token");
        let response = call(&app, "GET", "/v1/customers", Some(&bearer(&confused)), None).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{name}: HS256 with the public key"
        );
        // A token of another key pair.
        let other = if name == "ed25519" { "ec" } else { "ed25519" };
        let other_private = std::fs::read(key_file(&format!("{other}.key"))).expect("a key");
        let (other_key, other_algorithm) = if other == "ec" {
            (EncodingKey::from_ec_pem(&other_private), Algorithm::ES256)
        } else {
            (EncodingKey::from_ed_pem(&other_private), Algorithm::EdDSA)
        };
        let foreign = encode(
            &Header::new(other_algorithm),
            &claims,
            &other_key.expect("a signing key"),
        )
        .expect("a token");
        let response = call(&app, "GET", "/v1/customers", Some(&bearer(&foreign)), None).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {other}'s token"
        );
    }
}

/// A JWKS endpoint served by the test over real HTTP: the set it answers can be changed
/// (or made to fail) while the service runs, and it counts its fetches.
struct KeySetServer {
    url: String,
    set: std::sync::Arc<std::sync::Mutex<(u16, Value)>>,
    fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl KeySetServer {
    async fn start(cache_control: &'static str, set: Value) -> Self {
        use std::sync::atomic::Ordering;
        let shared = std::sync::Arc::new(std::sync::Mutex::new((200, set)));
        let fetches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (state, counter) = (shared.clone(), fetches.clone());
        let router = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let (state, counter) = (state.clone(), counter.clone());
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let (status, set) = state.lock().expect("set").clone();
                    (
                        StatusCode::from_u16(status).expect("status"),
                        [(header::CACHE_CONTROL, cache_control)],
                        axum::Json(set),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!(
            "http://{}/jwks.json",
            listener.local_addr().expect("address")
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            url,
            set: shared,
            fetches,
        }
    }

    fn answer(&self, status: u16, set: Value) {
        *self.set.lock().expect("set") = (status, set);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A signing key of the test pairs, its JWK (with `kid`) and a token signed with it.
fn jwk_and_token(name: &str, kid: &str) -> (Value, String) {
    let private = std::fs::read(key_file(&format!("{name}.key"))).expect("a key");
    let (key, algorithm) = if name == "ec" {
        (EncodingKey::from_ec_pem(&private), Algorithm::ES256)
    } else {
        (EncodingKey::from_ed_pem(&private), Algorithm::EdDSA)
    };
    let key = key.expect("a signing key");
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&key, algorithm).expect("a JWK");
    jwk.common.key_id = Some(kid.to_owned());
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.to_owned());
    let token = encode(
        &header,
        &json!({ "role": "reader", "exp": now() + 600 }),
        &key,
    )
    .expect("a token");
    (serde_json::to_value(jwk).expect("JSON"), bearer(&token))
}

db_test!(a_jwks_is_fetched_at_start_up_and_again_when_keys_rotate(
    backend
));
async fn a_jwks_is_fetched_at_start_up_and_again_when_keys_rotate(backend: Backend) {
    let (jwk_a, token_a) = jwk_and_token("ec", "key-a");
    let (jwk_b, token_b) = jwk_and_token("ed25519", "key-b");

    // Kept for ten minutes: an unknown kid right after start-up is not worth another fetch
    // (at most one per 30 s), so it is refused without one.
    let cached = KeySetServer::start("public, max-age=600", json!({ "keys": [jwk_a] })).await;
    let service =
        TestApp::spawn_with_vars(backend, &[("AUTH_JWKS_URL", &cached.url)], |_| {}).await;
    assert_eq!(cached.fetches(), 1, "fetched at start-up");
    let response = call(&service, "GET", "/v1/customers", Some(&token_a), None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let response = call(&service, "GET", "/v1/customers", Some(&token_b), None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(cached.fetches(), 1, "no fetch within 30 s of the last");

    // Not to be kept: the set is fetched again, so a rotation takes effect at once.
    let rotating = KeySetServer::start("no-store", json!({ "keys": [jwk_a] })).await;
    let service =
        TestApp::spawn_with_vars(backend, &[("AUTH_JWKS_URL", &rotating.url)], |_| {}).await;
    assert_eq!(
        call(&service, "GET", "/v1/customers", Some(&token_a), None)
            .await
            .status,
        StatusCode::OK
    );
    rotating.answer(200, json!({ "keys": [jwk_b] }));
    assert_eq!(
        call(&service, "GET", "/v1/customers", Some(&token_b), None)
            .await
            .status,
        StatusCode::OK,
        "the new key"
    );
    assert_eq!(
        call(&service, "GET", "/v1/customers", Some(&token_a), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the retired key"
    );
    // The provider fails: the keys held keep working.
    rotating.answer(500, json!({}));
    assert_eq!(
        call(&service, "GET", "/v1/customers", Some(&token_b), None)
            .await
            .status,
        StatusCode::OK,
        "keys kept when a fetch fails"
    );

    // A set that cannot be fetched at start-up stops start-up, in one line.
    rotating.answer(500, json!({}));
    let config = api::Config::from_vars(vec![("AUTH_JWKS_URL".to_owned(), rotating.url.clone())])
        .expect("valid settings");
    let error = config.access.prepare().await.expect_err("refused");
    assert!(error.starts_with("AUTH_JWKS_URL: "), "{error}");
    assert!(!error.contains('\n'), "{error}");
}

db_test!(with_access_control_off_an_authorization_header_is_not_looked_at);
async fn with_access_control_off_an_authorization_header_is_not_looked_at(app: TestApp) {
    for authorization in ["Basic YWRtaW46YWRtaW4=", "Bearer not-a-jwt"] {
        let response = call(&app, "GET", "/v1/customers", Some(authorization), None).await;
        assert_eq!(response.status, StatusCode::OK, "{authorization}");
    }
}
