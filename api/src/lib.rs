//! The customers-and-todos service: a GraphQL API with a REST compatibility layer.
//!
//! [`server::Application`] opens the database, applies migrations and serves
//! [`server::app`]; the binaries and the end-to-end tests both go through it.

pub mod admission;
pub mod auth;
pub mod config;
pub mod database;
pub mod db;
pub mod deadline;
pub mod envelope;
pub mod events;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod rate_limit;
pub mod rest;
pub mod server;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod ui;
pub mod unavailable;
pub mod write;

pub use config::Config;
pub use server::{Application, app, state, state_with_events};
