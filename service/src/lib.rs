//! Customers and todos: every create, read, update and delete, and every business rule.
//!
//! Functions take `&impl ConnectionTrait`, so they run on the pool or inside a transaction.
//! Nothing here knows about HTTP or GraphQL: callers map [`Error`] to their own protocol.

pub mod customer;
pub mod error;
pub mod filter;
pub mod keyset;
pub mod paging;
pub mod patch;
pub mod todo;
mod validate;

pub use error::{BatchError, Error, Field, Invalid, Resource, Result, Violation};
pub use keyset::{Cursor, Sort, SortValue};
pub use paging::{ListParams, ListQuery, Page, PageRequest};
pub use patch::Patch;
