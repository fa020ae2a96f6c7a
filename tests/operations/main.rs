//! End-to-end tests of how the service is run: migrations, probes, configuration, docs.

mod limits;
mod metrics;
mod migrations;
mod pooler;
mod probes;
