//! The real binary, started as an operator would: it serves HTTP on its port, answers REST
//! and GraphQL, refuses bad configuration with a one-line message, and stops cleanly on
//! SIGTERM.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_customers-todos");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new(BINARY)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = reqwest::get(format!("{}/health", server.base)).await
            && response.status().is_success()
        {
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "the binary did not answer /health within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn serves_rest_and_graphql_over_http_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("binary.db").display()
    );
    let mut server = start(&url).await;
    let client = reqwest::Client::new();

    let created = client
        .post(format!("{}/v1/customers", server.base))
        .json(&serde_json::json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(created.status(), 201);
    assert!(created.headers().contains_key("x-request-id"));

    let graphql: serde_json::Value = client
        .post(format!("{}/graphql", server.base))
        .json(&serde_json::json!({ "query": "{ customers { totalCount nodes { email } } }" }))
        .send()
        .await
        .expect("POST /graphql")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        graphql,
        serde_json::json!({ "data": { "customers": { "totalCount": 1, "nodes": [{ "email": "ada@example.com" }] } } })
    );
    let ready = client
        .get(format!("{}/ready", server.base))
        .send()
        .await
        .expect("ready");
    assert_eq!(ready.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "no exit within 15 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "exit status after SIGTERM: {exit}");
}

#[test]
fn a_bad_setting_stops_start_up_with_a_message_naming_it() {
    for (name, value) in [
        ("PORT", "eighty"),
        ("RUN_MIGRATIONS", "perhaps"),
        ("LOG_FORMAT", "xml"),
    ] {
        let output = Command::new(BINARY)
            .env_clear()
            .env(name, value)
            .env("DATABASE_URL", "sqlite::memory:")
            .output()
            .expect("run the binary");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    }
}

#[test]
fn an_unreachable_database_stops_start_up_without_a_panic() {
    let output = Command::new(BINARY)
        .env_clear()
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("DB_CONNECT_TIMEOUT_SECS", "2")
        .env("RUST_LOG", "off")
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
