//! The real binary as an operator runs it, shared by the test files that start it.

#![allow(
    dead_code,
    reason = "each test file that includes this module uses only part of it"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

/// The service binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_customers-todos");

/// The port in the binary's JSON `listening` log line, if `line` is that line.
fn listening_port(line: &str) -> Option<u16> {
    let event: serde_json::Value = serde_json::from_str(line).ok()?;
    if event["message"] != "listening" {
        return None;
    }
    event["addr"].as_str()?.rsplit_once(':')?.1.parse().ok()
}

/// The binary's log lines so far, shared with the thread that reads them.
type Log = Arc<Mutex<Vec<String>>>;

/// Reads the binary's log until it says which port it bound (sent on the returned
/// channel), keeping every line in `log` and draining the pipe so the binary never blocks.
fn watch_log(stdout: ChildStdout, log: Log) -> mpsc::Receiver<u16> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sender = Some(sender);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(port) = listening_port(&line)
                && let Some(sender) = sender.take()
            {
                let _ = sender.send(port);
            }
            log.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
    });
    receiver
}

/// A token from the binary's own `token` command, signed with `secret` (`args`: `--role …`).
pub fn mint_token(secret: &str, args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .env_clear()
        .env("AUTH_JWT_SECRET", secret)
        .arg("token")
        .args(args)
        .output()
        .expect("run the token command");
    assert!(
        output.status.success(),
        "customers-todos token {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("a UTF-8 token")
        .trim()
        .to_owned()
}

/// One running instance on a port it bound itself (port 0, so no other process can take
/// the port between choosing and binding it); killed if the test ends without stopping it.
pub struct RunningBinary {
    child: Child,
    log: Log,
    /// The port it serves on, at 127.0.0.1.
    pub port: u16,
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RunningBinary {
    /// Starts the binary on `database_url` with only `PATH` from the environment, reads
    /// the port it bound from its log, and waits up to 30 s for `/health`.
    pub async fn start(database_url: &str) -> Self {
        Self::start_with(database_url, &[]).await
    }

    /// Like [`RunningBinary::start`], with these variables set too (they win over the
    /// defaults above, `RUST_LOG` say).
    pub async fn start_with(database_url: &str, vars: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BINARY)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("PORT", "0")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "warn,api::server=info,api::database=info")
            .envs(vars.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the binary");
        let log = Log::default();
        let ports = watch_log(
            child.stdout.take().expect("the binary's piped stdout"),
            Arc::clone(&log),
        );
        let port = tokio::task::spawn_blocking(move || ports.recv_timeout(Duration::from_secs(30)))
            .await
            .expect("the log reader")
            .unwrap_or_else(|_| {
                let lines = log.lock().unwrap_or_else(PoisonError::into_inner).join("\n");
                panic!("the binary did not log the address it listens on within 30 s; its log:\n{lines}")
            });
        let server = Self { child, log, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = reqwest::get(server.url("/health")).await
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

    /// The HTTP URL of `path` on this instance.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends SIGTERM and expects a clean exit (status 0) within 15 s.
    pub async fn stop(mut self) {
        self.terminate();
        let (exit, _) = self.exit_within(Duration::from_secs(15)).await;
        assert!(exit.success(), "exit status after SIGTERM: {exit}");
    }

    /// Sends SIGTERM, without waiting.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`; its status and how long it took.
    pub async fn exit_within(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                return (exit, started.elapsed());
            }
            assert!(
                started.elapsed() < limit,
                "no exit within {limit:?} of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The JSON log lines written so far whose `message` is `message`.
    pub fn log_lines(&self, message: &str) -> Vec<serde_json::Value> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|event| event["message"] == message)
            .collect()
    }
}
