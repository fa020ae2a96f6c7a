//! "Leave unchanged" versus "set": the two things a partial update can say about a field.

/// One field of a partial update.
///
/// For a nullable column `T` is `Option<_>`, so `Set(None)` clears it while `Keep` leaves it
/// alone: the two must not be confused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave the stored value as it is.
    #[default]
    Keep,
    /// Store this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Applies a fallible check or conversion to a value that is being set.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Patch<U>, E> {
        Ok(match self {
            Self::Keep => Patch::Keep,
            Self::Set(value) => Patch::Set(f(value)?),
        })
    }

    /// Converts a value that is being set.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Keep => Patch::Keep,
            Self::Set(value) => Patch::Set(f(value)),
        }
    }
}
