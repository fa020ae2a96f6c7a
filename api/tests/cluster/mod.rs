//! A private PostgreSQL cluster for fault tests: tests that stop, crash and restart
//! PostgreSQL while the service runs. The shared server on 127.0.0.1:5432 must never be
//! stopped, so each test gets a throwaway cluster of its own: a temporary data directory,
//! a port of its own on 127.0.0.1, its Unix socket inside the data directory (not
//! `/var/run/postgresql`, where the shared server's socket lives), trust authentication,
//! and `fsync = off` for speed. Dropping it stops the server and removes the directory,
//! even when the test panicked.
//!
//! The binaries come from `PRIVATE_PG_BINDIR` if set, else `pg_config --bindir` if that
//! holds the server binaries, else the highest `/usr/lib/postgresql/*/bin`. PostgreSQL
//! refuses to run as root, so when the tests run as root every binary is run as the
//! `postgres` OS user (through `setpriv`), and the temporary directory is given to that
//! user; otherwise the binaries run as the current user. The temporary directory is made
//! under `TMPDIR` (default `/tmp`), which the `postgres` user must be able to enter.
//!
//! Every command is bounded in time (pg_ctl waits at most 30 s, and any command still
//! running after 45 s is killed), and every failure panics with the command, its output and
//! the end of the server log.

#![allow(
    dead_code,
    reason = "each test file that includes this module uses only part of it"
)]

use std::collections::BTreeSet;
use std::collections::hash_map::RandomState;
use std::ffi::OsString;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use tempfile::TempDir;

/// How long `pg_ctl` may wait for the server to start or stop (its `-t`).
const PG_CTL_WAIT_SECONDS: u64 = 30;

/// How long any one command may run before it is killed: pg_ctl's own wait plus margin, so
/// a wedged command fails the test instead of hanging it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(PG_CTL_WAIT_SECONDS + 15);

/// How many ports `create` tries when the one it picked was taken before the server bound it.
const START_ATTEMPTS: usize = 5;

/// How many bytes of the server log a failure message quotes (its end).
const LOG_TAIL_BYTES: u64 = 4000;

/// Ports held by the clusters of this test process, running or stopped, so that a second
/// cluster never picks the port of one that is stopped and about to start again.
static RESERVED_PORTS: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// A PostgreSQL cluster of the test's own, running on 127.0.0.1 at [`PrivateCluster::port`],
/// that the test may stop and start at will; stopped and deleted on drop.
pub struct PrivateCluster {
    /// What the blocking work needs; cloned into `spawn_blocking` tasks.
    server: Server,
    /// The temporary directory holding the data directory and the server log; `None`
    /// once dropped.
    root: Option<TempDir>,
}

/// Where the cluster is and how to run its binaries: everything `pg_ctl` needs, cheap to
/// clone so the blocking calls can run off the async runtime.
#[derive(Clone, Debug)]
struct Server {
    /// The directory holding `initdb`, `pg_ctl` and `postgres`.
    bindir: PathBuf,
    /// The temporary directory (owned by the user the server runs as).
    root: PathBuf,
    /// The data directory, inside `root`; also the directory of the Unix socket.
    data: PathBuf,
    /// The server log (`pg_ctl -l`), inside `root`, appended to across restarts.
    log: PathBuf,
    /// The TCP port on 127.0.0.1.
    port: u16,
    /// Whether to run the binaries as the `postgres` OS user (we are root).
    as_postgres: bool,
}

/// What a finished command printed, read back from the files it wrote to.
struct Output {
    /// The command line, environment included, for failure messages.
    command: String,
    /// How it exited.
    status: ExitStatus,
    /// Its standard output, lossily decoded.
    stdout: String,
    /// Its standard error, lossily decoded.
    stderr: String,
}

impl PrivateCluster {
    /// Makes a temporary data directory, runs `initdb` (trust authentication for local and
    /// 127.0.0.1 connections, superuser `postgres`) and starts the server on a free port of
    /// 127.0.0.1, trying another port if that one was taken meanwhile. Panics, saying what
    /// failed, if any step does. The blocking work runs on tokio's blocking pool.
    pub async fn create() -> Self {
        blocking(Self::create_blocking).await
    }

    /// The blocking body of [`PrivateCluster::create`].
    fn create_blocking() -> Self {
        let bindir = find_bindir();
        let as_postgres = effective_uid() == 0;
        let root = tempfile::Builder::new()
            .prefix("private-pg-")
            .tempdir()
            .expect("create a temporary directory for the private cluster");
        if as_postgres {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(root.path(), Some(uid), Some(gid)).unwrap_or_else(|error| {
                panic!(
                    "cannot give {} to the postgres OS user: {error}",
                    root.path().display()
                )
            });
        }
        let data = root.path().join("data");
        // A Unix socket path is at most 107 bytes; PostgreSQL refuses a longer one.
        let socket = data.join(".s.PGSQL.65535");
        assert!(
            socket.as_os_str().len() < 108,
            "the socket path {} is too long for a Unix socket; set TMPDIR to a shorter directory",
            socket.display()
        );
        let mut cluster = Self {
            server: Server {
                bindir,
                root: root.path().to_owned(),
                log: root.path().join("server.log"),
                data,
                port: 0,
                as_postgres,
            },
            root: Some(root),
        };
        cluster.server.initdb();
        // From here on, a panic drops `cluster`, which stops whatever did start.
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let port = reserve_port();
            cluster.server.port = port;
            let log_before = file_len(&cluster.server.log);
            match cluster.server.try_start() {
                Ok(()) => return cluster,
                Err(failure) => {
                    release_port(port);
                    cluster.server.port = 0;
                    let log = read_from(&cluster.server.log, log_before);
                    if !(log.contains("could not bind") || log.contains("already in use")) {
                        panic!("{failure}");
                    }
                    failures.push(format!("port {port}: {}", log.trim()));
                }
            }
        }
        panic!(
            "the private cluster could not bind a port in {START_ATTEMPTS} attempts:\n{}",
            failures.join("\n")
        );
    }

    /// The TCP port the server listens on at 127.0.0.1 (the same across restarts).
    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// The URL of the `postgres` database as the `postgres` superuser (trust, no password).
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The URL of database `name` on this cluster, as the `postgres` superuser.
    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.server.port)
    }

    /// The data directory (also where the Unix socket is); gone once the cluster is dropped.
    pub fn data_dir(&self) -> &Path {
        &self.server.data
    }

    /// The end of the server log, for a test's own failure messages.
    pub fn log_tail(&self) -> String {
        self.server.log_tail()
    }

    /// Creates database `name` (lower-case letters, digits and `_`, not starting with a
    /// digit) on the running cluster and returns its URL.
    pub async fn create_database(&self, name: &str) -> String {
        assert!(
            name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "database name {name:?}: use lower-case letters, digits and _"
        );
        let mut options = ConnectOptions::new(self.url());
        options
            .max_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let admin = Database::connect(options).await.unwrap_or_else(|error| {
            panic!(
                "cannot connect to the private cluster at {}: {error}\nserver log:\n{}",
                self.url(),
                self.log_tail()
            )
        });
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|error| {
                panic!("CREATE DATABASE {name} on the private cluster: {error}")
            });
        admin.close().await.ok();
        self.database_url(name)
    }

    /// Stops the server as an operator would (`pg_ctl stop -m fast`: sessions are ended,
    /// a shutdown checkpoint is written) and waits until it is gone: a real outage, the
    /// port refuses connections. Panics if it is not running or does not stop within 30 s.
    pub async fn stop(&self) {
        let server = self.server.clone();
        blocking(move || server.stop("fast")).await;
    }

    /// Stops the server abruptly (`pg_ctl stop -m immediate`), as a crash would: no
    /// checkpoint, so the next start runs crash recovery. Panics if it is not running.
    pub async fn stop_immediate(&self) {
        let server = self.server.clone();
        blocking(move || server.stop("immediate")).await;
    }

    /// Starts the stopped server again, on the same port with the same data, and waits
    /// until it accepts connections. Panics if it does not within 30 s.
    pub async fn start(&self) {
        let server = self.server.clone();
        blocking(move || {
            server
                .try_start()
                .unwrap_or_else(|failure| panic!("{failure}"))
        })
        .await;
    }
}

impl Drop for PrivateCluster {
    /// Stops the server (immediate mode: nothing is worth keeping) if it runs, then deletes
    /// the directory. Never panics (a panic while unwinding would abort the tests) and
    /// never waits more than about a minute; problems are printed as warnings.
    fn drop(&mut self) {
        self.server.stop_for_drop();
        if self.server.port != 0 {
            release_port(self.server.port);
        }
        if let Some(root) = self.root.take() {
            let path = root.path().to_owned();
            if let Err(error) = root.close() {
                eprintln!(
                    "warning: the private cluster's directory {} was not removed: {error}",
                    path.display()
                );
            }
        }
    }
}

impl Server {
    /// A command running `program` from the bindir, as `postgres` when we are root, with a
    /// clean environment (no `PG*` variables leak in) and the temporary directory as its
    /// working directory (the `postgres` user may not be able to enter ours).
    fn command(&self, program: &str) -> Command {
        let executable = self.bindir.join(program);
        let mut command = if self.as_postgres {
            // setpriv changes user and then execs, so killing it on timeout kills the
            // program itself (runuser would stay in between as a parent).
            let mut command = Command::new("setpriv");
            command
                .args([
                    "--reuid=postgres",
                    "--regid=postgres",
                    "--init-groups",
                    "--",
                ])
                .arg(executable);
            command
        } else {
            Command::new(executable)
        };
        command
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("LC_ALL", "C.UTF-8")
            .current_dir(&self.root);
        command
    }

    /// `pg_ctl` with `args` then `-D` the data directory.
    fn pg_ctl(&self, args: &[&str]) -> Command {
        let mut command = self.command("pg_ctl");
        command.args(args).arg("-D").arg(&self.data);
        command
    }

    /// Runs `initdb` and writes the cluster's settings; panics with its output on failure.
    fn initdb(&self) {
        let mut command = self.command("initdb");
        command.arg("-D").arg(&self.data).args([
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]);
        let output = run(command).unwrap_or_else(|failure| panic!("{failure}"));
        assert!(
            output.status.success(),
            "initdb for the private cluster failed ({}): {}\n{}\n{}",
            output.status,
            output.command,
            output.stderr.trim(),
            output.stdout.trim()
        );
        // The port is not set here but on pg_ctl's command line, so that `create` can try
        // another one without editing the file.
        let socket_dir = self.data.display().to_string().replace('\'', "''");
        let settings = format!(
            "\n# Private cluster for fault tests.\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{socket_dir}'\n\
             shared_buffers = 16MB\n\
             fsync = off\n"
        );
        File::options()
            .append(true)
            .open(self.data.join("postgresql.conf"))
            .and_then(|mut file| file.write_all(settings.as_bytes()))
            .expect("append the private cluster's settings to postgresql.conf");
    }

    /// `pg_ctl start -w` on `self.port`: `Ok` once the server accepts connections, else a
    /// message with pg_ctl's output and the end of the server log.
    fn try_start(&self) -> Result<(), String> {
        let timeout = PG_CTL_WAIT_SECONDS.to_string();
        let options = format!("-p {}", self.port);
        let mut command = self.pg_ctl(&["start", "-w", "-t", &timeout, "-o", &options]);
        command.arg("-l").arg(&self.log);
        let output = run(command)?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl start of the private cluster on port {} failed ({}): {}\n{}\n{}\nserver log:\n{}",
                self.port,
                output.status,
                output.command,
                output.stderr.trim(),
                output.stdout.trim(),
                self.log_tail()
            ))
        }
    }

    /// `pg_ctl stop -w` in `mode`; panics with its output and the server log on failure.
    fn stop(&self, mode: &str) {
        let timeout = PG_CTL_WAIT_SECONDS.to_string();
        let output = run(self.pg_ctl(&["stop", "-w", "-t", &timeout, "-m", mode]))
            .unwrap_or_else(|failure| panic!("{failure}"));
        assert!(
            output.status.success(),
            "pg_ctl stop -m {mode} of the private cluster failed ({}): {}\n{}\n{}\nserver log:\n{}",
            output.status,
            output.command,
            output.stderr.trim(),
            output.stdout.trim(),
            self.log_tail()
        );
    }

    /// Stops the server, if its PID file says it runs, without panicking: `pg_ctl stop -m
    /// immediate`, and if that fails, SIGKILL to the postmaster (its children exit when it
    /// dies).
    fn stop_for_drop(&self) {
        let pid_file = self.data.join("postmaster.pid");
        if !pid_file.exists() {
            return;
        }
        let timeout = PG_CTL_WAIT_SECONDS.to_string();
        let stopped = run(self.pg_ctl(&["stop", "-w", "-t", &timeout, "-m", "immediate"]));
        match stopped {
            Ok(output) if output.status.success() => return,
            Ok(output) => eprintln!(
                "warning: pg_ctl stop -m immediate of the private cluster failed ({}): {}",
                output.status,
                output.stderr.trim()
            ),
            Err(failure) => eprintln!("warning: {failure}"),
        }
        let pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.lines().next().map(str::to_owned));
        if let Some(pid) = pid {
            eprintln!("warning: killing the private cluster's postmaster, PID {pid}");
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }

    /// The last [`LOG_TAIL_BYTES`] of the server log, or a note that there is none.
    fn log_tail(&self) -> String {
        let start = file_len(&self.log).saturating_sub(LOG_TAIL_BYTES);
        let tail = read_from(&self.log, start);
        if tail.is_empty() {
            format!("(nothing in {})", self.log.display())
        } else {
            tail
        }
    }
}

/// Runs `command` to completion with stdin from /dev/null and its output captured in
/// anonymous temporary files (not pipes: a server it started could keep a pipe open and
/// make reading it hang), killing it after [`COMMAND_TIMEOUT`]. `Err` says what failed.
fn run(mut command: Command) -> Result<Output, String> {
    let what = format!("{command:?}");
    let capture =
        || tempfile::tempfile().map_err(|error| format!("a temporary file for {what}: {error}"));
    let (mut stdout, mut stderr) = (capture()?, capture()?);
    let files = stdout
        .try_clone()
        .and_then(|out| Ok((out, stderr.try_clone()?)));
    let (stdout_copy, stderr_copy) =
        files.map_err(|error| format!("duplicate a temporary file for {what}: {error}"))?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(stdout_copy)
        .stderr(stderr_copy)
        .spawn()
        .map_err(|error| format!("cannot run {what}: {error}"))?;
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{what} did not finish within {COMMAND_TIMEOUT:?} and was killed"
                ));
            }
            Err(error) => return Err(format!("cannot wait for {what}: {error}")),
        }
    };
    let read = |file: &mut File| {
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_end(&mut bytes))
            .map(|_| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|error| format!("cannot read the output of {what}: {error}"))
    };
    Ok(Output {
        command: what.clone(),
        status,
        stdout: read(&mut stdout)?,
        stderr: read(&mut stderr)?,
    })
}

/// Runs `work` on tokio's blocking pool, so stopping or
/// starting the server never holds up the runtime's workers (which may be serving the
/// service under test); a panic in `work` is re-raised here with its own message.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => panic!("the private cluster's blocking task did not finish: {error}"),
        },
    }
}

/// The directory of the server binaries: `PRIVATE_PG_BINDIR`, else `pg_config --bindir` if
/// it holds `initdb` and `pg_ctl` (Debian's `pg_config` comes with libpq and may name a
/// version whose server is not installed), else the highest `/usr/lib/postgresql/*/bin`.
fn find_bindir() -> PathBuf {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("PRIVATE_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        assert!(
            has_server(&dir),
            "PRIVATE_PG_BINDIR={} holds no initdb and pg_ctl",
            dir.display()
        );
        return dir;
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| {
            PathBuf::from(OsString::from(
                String::from_utf8_lossy(&output.stdout).trim(),
            ))
        });
    if let Some(dir) = from_pg_config.filter(|dir| has_server(dir)) {
        return dir;
    }
    // The highest major version, comparing "9.6" < "15" < "16" numerically.
    let version = |name: &str| -> Vec<u32> {
        name.split('.')
            .map(|part| part.parse().unwrap_or(0))
            .collect()
    };
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let bin = entry.path().join("bin");
            has_server(&bin).then(|| (version(&name), bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .expect(
            "no PostgreSQL server binaries: none in PRIVATE_PG_BINDIR, pg_config --bindir or \
             /usr/lib/postgresql/*/bin (install postgresql, e.g. apt-get install postgresql)",
        )
}

/// The output of `id ARGS`, trimmed; panics if `id` fails.
fn id(args: &[&str]) -> String {
    let output = Command::new("id")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run id");
    assert!(
        output.status.success(),
        "id {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The effective user ID of this process.
fn effective_uid() -> u32 {
    id(&["-u"]).parse().expect("id -u prints a number")
}

/// The user and group IDs of the `postgres` OS user, which the cluster runs as under root.
fn postgres_ids() -> (u32, u32) {
    let number = |text: String| -> u32 {
        text.parse()
            .expect("id prints the postgres user's IDs as numbers")
    };
    (
        number(id(&["-u", "postgres"])),
        number(id(&["-g", "postgres"])),
    )
}

/// Picks a port for a new cluster that is free now and reserves it for this process.
///
/// It is taken below the kernel's ephemeral range, not by binding port 0: while a cluster
/// is stopped its port is free, and a port from the ephemeral range could meanwhile be
/// handed to any process binding port 0 or to the local end of any outgoing connection,
/// which would make the restart fail. Below that range only explicit binds take ports.
fn reserve_port() -> u16 {
    let mut reserved = RESERVED_PORTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let free = |port: u16| {
        !reserved.contains(&port) && TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
    };
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let port = if ephemeral_low > 2048 {
        let first = ephemeral_low.saturating_sub(16384).max(1024);
        let count = u64::from(ephemeral_low - first);
        let offset = RandomState::new().hash_one(std::process::id()) % count;
        (0..count.min(500))
            .map(|step| first + u16::try_from((offset + step * 97) % count).unwrap_or(0))
            .find(|&port| free(port))
    } else {
        None
    };
    // Otherwise (odd port range, or nothing free below it) let the kernel choose one.
    let port = port.unwrap_or_else(|| {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .expect("bind a free port on 127.0.0.1")
            .port()
    });
    reserved.insert(port);
    port
}

/// Gives back a port taken by [`reserve_port`].
fn release_port(port: u16) {
    RESERVED_PORTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&port);
}

/// The length of the file at `path`, 0 if it does not exist.
fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |metadata| metadata.len())
}

/// The file at `path` from byte `start` on, lossily decoded; empty if unreadable.
fn read_from(path: &Path, start: u64) -> String {
    let mut bytes = Vec::new();
    let read = File::open(path)
        .and_then(|mut file| {
            file.seek(SeekFrom::Start(start))?;
            file.read_to_end(&mut bytes)
        })
        .is_ok();
    if read {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        String::new()
    }
}
