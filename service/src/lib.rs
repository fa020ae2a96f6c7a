//! Customers and todos: every create, read, update and delete, and every business rule.
//!
//! Functions take `&impl ConnectionTrait`, so they run on the pool or inside a transaction.
//! Writes take [`Valid`] input, made by [`Validate::validate`]. Nothing here knows about
//! HTTP or GraphQL: callers map [`Error`] to their own protocol.

pub mod access;
mod clock;
pub mod customer;
pub mod error;
pub mod filter;
mod keyset;
pub mod paging;
pub mod patch;
mod rules;
mod table;
pub mod todo;
pub mod valid;

pub use access::Principal;
pub use error::{BatchError, Error, Field, Invalid, Resource, Result, Violation};
pub use paging::{
    Cursor, ListParams, Page, PageQuery, PageRequest, Sort, SortField, SortValue, ValueKind,
    effective_order,
};
pub use patch::Patch;
pub use valid::{Valid, Validate};
