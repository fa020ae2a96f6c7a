//! Load generator for subscriptions at scale (issue 11, item 4): many `graphql-transport-ws`
//! subscribers on one process of the service while customers are created at a steady rate.
//! Reports whether every subscriber got every event, the delivery latency (from the moment
//! the write was sent to the moment a subscriber read its event), and the service's memory
//! per idle subscriber. A benchmark: it prints figures and asserts nothing about time.
//!
//! Run by `tests/scripts/bench-subscribers.sh`, which starts the service; by hand:
//!
//! ```sh
//! BASE_URL=http://127.0.0.1:8000 SERVER_PID=1234 \
//!   cargo run --release -p tests --example subscribers
//! ```
//!
//! Bounded: `SUBSCRIBERS` (default 5000, at most 20000) connections, `WRITES_PER_SEC`
//! (default 200) for `SECONDS` (default 20, at most 300), then a fixed wait for stragglers;
//! loopback only (it refuses any other host).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What every subscriber subscribes to.
const SUBSCRIPTION: &str =
    "subscription { customerChanged { kind customerId customer { email } } }";
/// How long the generator waits for the last events after the last write.
const DRAIN: Duration = Duration::from_secs(10);
/// How many connections are opened at once.
const CONNECT_PARALLEL: usize = 64;

/// A setting from the environment, or its default.
fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|value| {
            value
                .parse()
                .unwrap_or_else(|_| panic!("{name} must be a number"))
        })
        .unwrap_or(default)
}

/// The service's resident memory now, in KiB (`VmRSS`).
fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The open-subscriptions gauge from `/metrics`.
async fn subscriptions(http: &reqwest::Client, base: &str) -> u64 {
    let Ok(response) = http.get(format!("{base}/metrics")).send().await else {
        return 0;
    };
    let text = response.text().await.unwrap_or_default();
    text.lines()
        .find(|line| line.starts_with("graphql_subscriptions_active "))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|value| value.parse::<f64>().ok())
        .map_or(0, |value| value as u64)
}

/// What one subscriber saw: how many events, and each one's latency in microseconds.
#[derive(Default)]
struct Seen {
    events: u64,
    latencies_us: Vec<u32>,
}

/// Opens one subscription and reads it until the socket closes or `until`; the latency of
/// each event is read from its email, which carries the microsecond its write was sent at
/// (counted from `epoch`).
async fn subscriber(
    ws_url: String,
    epoch: Instant,
    ready: Arc<Semaphore>,
    until: Arc<AtomicU64>,
) -> Seen {
    let mut request = ws_url.into_client_request().expect("a WebSocket URL");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    let permit = ready
        .acquire()
        .await
        .expect("the semaphore is never closed");
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    socket
        .send(Message::text(r#"{"type":"connection_init"}"#))
        .await
        .expect("connection_init sent");
    while let Some(Ok(message)) = socket.next().await {
        if message
            .to_text()
            .unwrap_or_default()
            .contains("connection_ack")
        {
            break;
        }
    }
    let subscribe = serde_json::json!({
        "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION }
    });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe sent");
    drop(permit);

    let mut seen = Seen::default();
    loop {
        // Until the generator says how long to wait for stragglers, wait in steps of 1 s.
        let now = epoch.elapsed().as_micros() as u64;
        let end = until.load(Ordering::Relaxed);
        if now >= end {
            break;
        }
        let step = Duration::from_micros((end - now).min(1_000_000));
        let message = match tokio::time::timeout(step, socket.next()).await {
            Ok(Some(Ok(message))) => message,
            Ok(_) => break,
            Err(_) => continue,
        };
        let Ok(text) = message.to_text() else {
            continue;
        };
        // `"email":"load-<sent µs>@…"`: found without parsing the whole message.
        if let Some(start) = text.find("\"email\":\"load-") {
            let digits = &text[start + 14..];
            let end = digits.find('@').unwrap_or(0);
            if let Ok(sent) = digits[..end].parse::<u64>() {
                let now = epoch.elapsed().as_micros() as u64;
                seen.events += 1;
                seen.latencies_us
                    .push(u32::try_from(now.saturating_sub(sent)).unwrap_or(u32::MAX));
            }
        }
    }
    let _ = socket.close(None).await;
    seen
}

/// The `q`-quantile of sorted `values`.
fn quantile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

#[tokio::main]
async fn main() {
    let base = std::env::var("BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8000".to_owned());
    let url = reqwest::Url::parse(&base).expect("BASE_URL is a URL");
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    assert!(loopback, "BASE_URL must be a loopback address: {base}");
    let pid = std::env::var("SERVER_PID")
        .ok()
        .and_then(|pid| pid.parse().ok());
    let count = setting("SUBSCRIBERS", 5000).min(20_000) as usize;
    let rate = setting("WRITES_PER_SEC", 200).clamp(1, 5000);
    let seconds = setting("SECONDS", 20).clamp(1, 300);
    let ws_url = format!(
        "ws{}/graphql/ws",
        base.trim_end_matches('/').trim_start_matches("http")
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");

    // Warm up, then the memory before any subscriber.
    for _ in 0..20 {
        let _ = http
            .get(format!("{base}/v1/customers?limit=1"))
            .send()
            .await;
    }
    let before = rss_kib(pid);

    let epoch = Instant::now();
    let until = Arc::new(AtomicU64::new(u64::MAX));
    let ready = Arc::new(Semaphore::new(CONNECT_PARALLEL));
    let connecting = Instant::now();
    let subscribers: Vec<_> = (0..count)
        .map(|_| {
            tokio::spawn(subscriber(
                ws_url.clone(),
                epoch,
                Arc::clone(&ready),
                Arc::clone(&until),
            ))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while (subscriptions(&http, &base).await as usize) < count {
        assert!(
            Instant::now() < deadline,
            "not every subscriber subscribed within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected_in = connecting.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kib(pid);

    // The writes: one every 1/rate s, each on its own task so a slow answer delays no other.
    let total = rate * seconds;
    let acknowledged = Arc::new(AtomicU64::new(0));
    let writing = Instant::now();
    let mut writes = Vec::with_capacity(total as usize);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for n in 0..total {
        tick.tick().await;
        let http = http.clone();
        let base = base.clone();
        let acknowledged = Arc::clone(&acknowledged);
        let sent = epoch.elapsed().as_micros();
        writes.push(tokio::spawn(async move {
            let body = serde_json::json!({
                "first_name": "Load", "last_name": format!("Writer {n}"),
                "email": format!("load-{sent}@n{n}.example.com"),
            });
            match http
                .post(format!("{base}/v1/customers"))
                .json(&body)
                .send()
                .await
            {
                Ok(response) if response.status() == reqwest::StatusCode::CREATED => {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                    "201".to_owned()
                }
                Ok(response) => response.status().as_str().to_owned(),
                Err(error) if error.is_timeout() => "timeout".to_owned(),
                Err(_) => "connection error".to_owned(),
            }
        }));
    }
    let mut answers = std::collections::BTreeMap::<String, u64>::new();
    for answer in futures::future::join_all(writes).await {
        *answers
            .entry(answer.unwrap_or_else(|_| "panic".to_owned()))
            .or_default() += 1;
    }
    let wrote_in = writing.elapsed();
    let busy = rss_kib(pid);
    until.store(
        (epoch.elapsed() + DRAIN).as_micros() as u64,
        Ordering::Relaxed,
    );

    let mut latencies = Vec::with_capacity(count * total as usize);
    let mut complete = 0usize;
    let mut received = 0u64;
    let acknowledged = acknowledged.load(Ordering::Relaxed);
    for handle in subscribers {
        let seen = handle.await.expect("a subscriber task");
        received += seen.events;
        complete += usize::from(seen.events >= acknowledged);
        latencies.extend(seen.latencies_us);
    }
    latencies.sort_unstable();

    let mib = |kib: Option<u64>| {
        kib.map_or("n/a".to_owned(), |kib| {
            format!("{:.1}", kib as f64 / 1024.0)
        })
    };
    println!(
        "subscribers            {count} (connected and subscribed in {:.1} s)",
        connected_in.as_secs_f64()
    );
    println!(
        "writes                 {acknowledged} of {total} acknowledged, {:.0}/s over {:.1} s; answers {answers:?}",
        acknowledged as f64 / wrote_in.as_secs_f64(),
        wrote_in.as_secs_f64()
    );
    println!("events expected        {}", acknowledged * count as u64);
    println!(
        "events received        {received} ({} subscribers got every event)",
        complete
    );
    println!(
        "delivery latency ms    p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  (write sent -> event read)",
        quantile(&latencies, 0.50),
        quantile(&latencies, 0.90),
        quantile(&latencies, 0.99),
        quantile(&latencies, 1.0)
    );
    println!(
        "service RSS MiB        before {}  idle subscribers {}  under writes {}",
        mib(before),
        mib(idle),
        mib(busy)
    );
    if let (Some(before), Some(idle)) = (before, idle) {
        println!(
            "memory per idle subscriber  {:.1} KiB",
            idle.saturating_sub(before) as f64 / count as f64
        );
    }
}
