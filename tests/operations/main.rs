//! End-to-end tests of how the service is run: migrations, probes, configuration, docs.

mod migrations;
mod probes;
