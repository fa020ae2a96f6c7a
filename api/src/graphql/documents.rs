//! A cache of parsed GraphQL documents: clients send the same few operations again and
//! again, and parsing is a measurable share of a small query's cost.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;

/// How many distinct documents are kept; when full the cache starts over, so a changing
/// set of operations cannot grow it without bound.
const CAPACITY: usize = 512;
/// Longer documents are parsed every time rather than kept.
const MAX_QUERY_BYTES: usize = 16 * 1024;

/// Parsed documents by query text. Only documents that parsed are kept; validation still
/// runs on every request (it depends on the variables).
#[derive(Debug, Default)]
pub struct DocumentCache {
    documents: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    /// The parsed document for `query`, if it was seen before.
    pub fn get(&self, query: &str) -> Option<ExecutableDocument> {
        let documents = self.documents.lock().ok()?;
        documents.get(query).cloned()
    }

    /// Remembers a document that parsed.
    pub fn insert(&self, query: &str, document: &ExecutableDocument) {
        if query.len() > MAX_QUERY_BYTES {
            return;
        }
        if let Ok(mut documents) = self.documents.lock() {
            if documents.len() >= CAPACITY {
                documents.clear();
            }
            documents.insert(query.to_owned(), document.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn document(query: &str) -> ExecutableDocument {
        parse_query(query).expect("parses")
    }

    #[test]
    fn a_parsed_document_is_found_by_its_text() {
        let cache = DocumentCache::default();
        assert!(cache.get("{ a }").is_none());
        cache.insert("{ a }", &document("{ a }"));
        assert!(cache.get("{ a }").is_some());
        assert!(cache.get("{ b }").is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = DocumentCache::default();
        let long = format!("{{ a {} }}", " ".repeat(MAX_QUERY_BYTES));
        cache.insert(&long, &document(&long));
        assert!(
            cache.get(&long).is_none(),
            "oversized documents are not kept"
        );
        for n in 0..=CAPACITY {
            let query = format!("{{ f{n} }}");
            cache.insert(&query, &document(&query));
        }
        let kept = cache.documents.lock().expect("lock").len();
        assert!(kept <= CAPACITY, "{kept} documents kept");
    }
}
