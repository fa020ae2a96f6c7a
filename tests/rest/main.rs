//! End-to-end tests of the REST compatibility routes, through the real router.

mod concurrency;
mod customers;
mod docs;
mod headers;
mod support;
mod todos;
mod transcript;
mod validation;
