//! Values read when `/metrics` is scraped rather than counted as they happen: the pool's
//! connections (from the pool itself), the subscriptions and change events of this
//! application (from its events module), and the process's memory and CPU time.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseConnection, DbBackend};

use crate::events::EventCounts;
use crate::state::AppState;

/// A registry holding one collector that reads `state` at encoding time.
pub(super) fn registry(state: &AppState) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Sampled {
        pool: Pool::of(state.db.connection(), state.config.pool_size()),
        events: state.events.counts(),
        process: Process::read(),
    }));
    registry
}

#[derive(Debug)]
struct Sampled {
    pool: Pool,
    events: EventCounts,
    process: Option<Process>,
}

/// The pool's connections now: open and idle, open and lent out, and the most it opens.
#[derive(Debug)]
struct Pool {
    idle: i64,
    used: i64,
    max: i64,
}

impl Pool {
    fn of(db: &DatabaseConnection, configured_max: u32) -> Self {
        let (size, idle) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        Self {
            idle,
            used: i64::from(size).saturating_sub(idle).max(0),
            max: i64::from(configured_max),
        }
    }
}

/// This process's resident memory and CPU time, from `/proc/self` (Linux).
#[derive(Debug)]
struct Process {
    resident_bytes: i64,
    cpu_seconds: f64,
}

impl Process {
    fn read() -> Option<Self> {
        let stat = procfs::process::Process::myself().ok()?.stat().ok()?;
        let ticks = procfs::ticks_per_second() as f64;
        let page_size = procfs::page_size();
        Some(Self {
            resident_bytes: i64::try_from(stat.rss.saturating_mul(page_size)).unwrap_or(i64::MAX),
            cpu_seconds: (stat.utime + stat.stime) as f64 / ticks,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: i64,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)
}

fn counter(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let counter = ConstCounter::new(value);
    counter.encode(encoder.encode_descriptor(name, help, None, counter.metric_type())?)
}

impl Collector for Sampled {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        {
            let idle = ConstGauge::new(self.pool.idle);
            let mut family = encoder.encode_descriptor(
                "db_pool_connections",
                "Open database connections, idle or used by a request",
                None,
                idle.metric_type(),
            )?;
            idle.encode(family.encode_family(&StateLabel { state: "idle" })?)?;
            ConstGauge::new(self.pool.used)
                .encode(family.encode_family(&StateLabel { state: "used" })?)?;
        }
        gauge(
            &mut encoder,
            "db_pool_max_connections",
            "The most connections the pool opens (DB_MAX_CONNECTIONS)",
            self.pool.max,
        )?;
        gauge(
            &mut encoder,
            "graphql_subscriptions_active",
            "Open GraphQL subscriptions on this process",
            i64::try_from(self.events.subscriptions).unwrap_or(i64::MAX),
        )?;
        counter(
            &mut encoder,
            "change_events_published",
            "Change events of writes this process committed",
            self.events.published,
        )?;
        counter(
            &mut encoder,
            "change_events_dropped",
            "Change events a subscriber will never get: skipped by a subscriber too slow to keep up",
            self.events.dropped,
        )?;
        let process = self.process.as_ref();
        gauge(
            &mut encoder,
            "process_resident_memory_bytes",
            "Resident memory of this process",
            process.map_or(0, |process| process.resident_bytes),
        )?;
        let cpu = ConstCounter::new(process.map_or(0.0, |process| process.cpu_seconds));
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "User and system CPU time this process has used",
            None,
            cpu.metric_type(),
        )?)
    }
}
