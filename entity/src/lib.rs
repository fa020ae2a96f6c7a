//! SeaORM entities for the two tables of the product: `customer` and `todos`.
//!
//! Only table shapes live here; validation and business rules are the `service` crate's.

pub mod customer;
pub mod prelude;
pub mod todo;
