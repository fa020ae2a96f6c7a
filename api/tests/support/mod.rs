//! The real binary as an operator runs it, shared by the test files that start it.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The service binary cargo built for these tests.
pub const BINARY: &str = env!("CARGO_BIN_EXE_customers-todos");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// One running instance on a free port; killed if the test ends without stopping it.
pub struct RunningBinary {
    child: Child,
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
    /// Starts the binary on `database_url` with only `PATH` from the environment, and waits
    /// up to 30 s for `/health`.
    pub async fn start(database_url: &str) -> Self {
        let port = free_port();
        let child = Command::new(BINARY)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the binary");
        let server = Self { child, port };
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
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                break exit;
            }
            assert!(Instant::now() < deadline, "no exit within 15 s of SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(exit.success(), "exit status after SIGTERM: {exit}");
    }
}
