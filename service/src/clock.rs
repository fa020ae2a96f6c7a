//! The one clock every write stamps its rows with.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time at the precision both databases store (microseconds), so that the
/// value a write returns equals the value read back later, on SQLite as on PostgreSQL.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
