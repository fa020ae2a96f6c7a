//! `graphql_operation_duration_seconds`: timed around the pipeline's execution of one
//! operation (not by a schema extension, which would put every field on async-graphql's slow
//! path), with the operation's name as a label whose values are bounded.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use prometheus_client::encoding::EncodeLabelSet;

use super::METRICS;

/// How many distinct operation names get a label value of their own; later ones share
/// [`OTHER`], so a client sending random names cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 500;

/// The label value of every operation name beyond the first [`MAX_OPERATION_NAMES`].
const OTHER: &str = "other";

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
pub(super) struct OperationLabels {
    graphql_operation_type: &'static str,
    /// The operation's name; `""` for an anonymous operation.
    graphql_operation_name: Arc<str>,
}

impl OperationLabels {
    /// An anonymous query.
    pub(super) fn anonymous_query() -> Self {
        Self {
            graphql_operation_type: "query",
            graphql_operation_name: label(""),
        }
    }
}

/// The operation names seen so far, each kept once and shared by every label set that uses
/// it (a request does not copy its name).
static NAMES: LazyLock<RwLock<HashSet<Arc<str>>>> = LazyLock::new(|| {
    let mut names = HashSet::new();
    names.insert(Arc::from(""));
    names.insert(Arc::from(OTHER));
    RwLock::new(names)
});

/// The label value for `name`: itself while fewer than [`MAX_OPERATION_NAMES`] are known,
/// else [`OTHER`].
fn label(name: &str) -> Arc<str> {
    if let Some(known) = NAMES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(name)
    {
        return Arc::clone(known);
    }
    let mut names = NAMES.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = names.get(name) {
        return Arc::clone(known);
    }
    // The two built-in values do not count against the limit.
    if names.len() >= MAX_OPERATION_NAMES + 2 {
        return Arc::clone(names.get(OTHER).expect("inserted at start"));
    }
    let name: Arc<str> = Arc::from(name);
    names.insert(Arc::clone(&name));
    name
}

/// The lower-case name of an operation type, as metrics and spans write it.
pub fn type_label(ty: OperationType) -> &'static str {
    match ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// Started before an operation's checks, told which operation it is once the document is
/// known, and recorded when its response is complete. A request whose document never
/// yielded an operation (it did not parse, or named none) is not recorded.
#[derive(Debug)]
pub struct OperationTimer {
    started: Instant,
    labels: Option<OperationLabels>,
}

impl OperationTimer {
    /// Starts timing now.
    pub fn start() -> Self {
        Self {
            started: Instant::now(),
            labels: None,
        }
    }

    /// The operation being timed: its type and name (`None` when anonymous).
    pub fn identify(&mut self, ty: OperationType, name: Option<&str>) {
        self.labels = Some(OperationLabels {
            graphql_operation_type: type_label(ty),
            graphql_operation_name: label(name.unwrap_or_default()),
        });
    }

    /// Records the time since [`OperationTimer::start`], if the operation was identified.
    pub fn finish(self) {
        if let Some(labels) = &self.labels {
            METRICS
                .operation_duration
                .get_or_create(labels)
                .observe(self.started.elapsed().as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_beyond_the_limit_share_one_label() {
        // Other tests in this process may have added names; fill up to the limit.
        let mut added = Vec::new();
        for index in 0..=MAX_OPERATION_NAMES {
            let name = format!("LimitTest{index}");
            added.push((name.clone(), label(&name)));
        }
        let (first_name, first_label) = &added[0];
        assert_eq!(&**first_label, first_name.as_str(), "early names are kept");
        let (_, last_label) = added.last().expect("added");
        assert_eq!(&**last_label, OTHER, "the 501st distinct name is `other`");
        assert_eq!(
            &*label(first_name),
            first_name.as_str(),
            "a known name stays"
        );
        assert_eq!(&*label(""), "", "anonymous operations are \"\"");
        let names = NAMES.read().expect("lock");
        assert!(names.len() <= MAX_OPERATION_NAMES + 2);
    }
}
