//! Reading mutation arguments the same way in every entity: patch fields (absent, `null` or
//! a value) and the size of a batch.

use async_graphql::{Context, MaybeUndefined, Result};
use service::Patch;

use super::connection::PageLimits;
use super::error::bad_input;

/// Refuses a batch larger than the largest page, so one request cannot hold a transaction
/// open for an unbounded number of rows.
pub(crate) fn check_batch_size(ctx: &Context<'_>, size: usize) -> Result<()> {
    let max = ctx.data::<PageLimits>()?.max_size;
    if u64::try_from(size).unwrap_or(u64::MAX) > max {
        return Err(bad_input(
            "inputs",
            format!("inputs must have at most {max} items"),
        ));
    }
    Ok(())
}

/// A required field of a patch: absent keeps it, `null` is refused.
pub(crate) fn required<T>(field: &str, value: MaybeUndefined<T>) -> Result<Patch<T>> {
    match value {
        MaybeUndefined::Undefined => Ok(Patch::Keep),
        MaybeUndefined::Null => Err(bad_input(field, format!("{field} cannot be null"))),
        MaybeUndefined::Value(value) => Ok(Patch::Set(value)),
    }
}

/// An optional field of a patch: absent keeps it, `null` clears it.
pub(crate) fn nullable<T>(value: MaybeUndefined<T>) -> Patch<Option<T>> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Set(None),
        MaybeUndefined::Value(value) => Patch::Set(Some(value)),
    }
}
