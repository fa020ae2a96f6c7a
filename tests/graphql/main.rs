//! End-to-end tests of the GraphQL API, through the real router.

mod access;
mod auth;
mod batching;
mod bulk;
mod coercion;
mod connections;
mod errors;
mod filters;
mod http;
mod mutations;
mod ordering;
mod queries;
mod rate_limits;
mod schema;
mod subscriptions;
mod websocket;
mod writes;
