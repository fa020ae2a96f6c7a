//! End-to-end tests of the GraphQL API, through the real router.

mod batching;
mod bulk;
mod connections;
mod errors;
mod filters;
mod http;
mod mutations;
mod ordering;
mod queries;
mod schema;
mod subscriptions;
