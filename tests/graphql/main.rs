//! End-to-end tests of the GraphQL API, through the real router.

mod batching;
mod bulk;
mod connections;
mod errors;
mod http;
mod mutations;
mod queries;
mod schema;
mod subscriptions;
