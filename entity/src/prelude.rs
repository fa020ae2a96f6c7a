//! Short names for the entities, for `use entity::prelude::*`.

pub use crate::customer::Entity as Customer;
pub use crate::todo::{Entity as Todo, TodoStatus};
