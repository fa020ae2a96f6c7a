//! Parsing requests' documents once: a cache of parsed documents (clients send the same few
//! operations again and again, and parsing is a measurable share of a small query's cost),
//! and the checks that depend on the document alone, made before validation: aliases, depth
//! (which leaves introspection out: its size is fixed by the schema, and GraphiQL's standard
//! introspection query is deeper than any sensible limit for data), and the literal values
//! written in it ([`super::input::check_document`]).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use async_graphql::Name;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Pos, Request, ServerError, Value};
use sha2::{Digest, Sha256};

use super::error::Code;
use super::input::{Analysis, InputSchema, check_document};

/// How many distinct documents are kept; when full the cache starts over, so a changing
/// set of operations cannot grow it without bound.
const CAPACITY: usize = 512;
/// Longer documents are parsed every time rather than kept.
const MAX_QUERY_BYTES: usize = 16 * 1024;

/// Parsed documents by query text. Only documents that parsed and passed the checks are
/// kept; validation still runs on every request (it depends on the variables).
#[derive(Debug)]
pub struct DocumentCache {
    documents: Mutex<HashMap<String, Prepared>>,
    /// Query texts by their SHA-256 (hex), for automatic persisted queries.
    persisted: Mutex<HashMap<String, String>>,
    max_aliases: usize,
    max_depth: usize,
    /// Whether `__schema` and `__type` may be selected.
    introspection: bool,
    inputs: InputSchema,
}

impl DocumentCache {
    /// An empty cache admitting documents with at most `max_aliases` aliased fields and
    /// fields nested at most `max_depth` deep (introspection fields not counted), whose
    /// literals fit the schema described by `inputs`.
    pub fn new(max_aliases: usize, max_depth: usize, inputs: InputSchema) -> Self {
        Self {
            documents: Mutex::default(),
            persisted: Mutex::default(),
            max_aliases,
            max_depth,
            introspection: true,
            inputs,
        }
    }

    /// The same cache refusing every document that selects `__schema` or `__type`, with
    /// `GRAPHQL_VALIDATION_FAILED` and no data, as Apollo Server does. (async-graphql's own
    /// switch answers `{"__schema": null}` instead, which breaks the field's non-null type
    /// and reads to clients as an empty success.)
    pub fn without_introspection(mut self) -> Self {
        self.introspection = false;
        self
    }

    /// The schema's input types, for coercing variables.
    pub fn inputs(&self) -> &InputSchema {
        &self.inputs
    }

    /// Apollo's automatic persisted queries: a request may send only the SHA-256 of a query
    /// the service has seen (`extensions.persistedQuery.sha256Hash`); an unknown hash is
    /// `PERSISTED_QUERY_NOT_FOUND`, and the client then sends the query with its hash, which
    /// is checked and remembered.
    fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        let Some(persisted) = request.extensions.get("persistedQuery") else {
            return Ok(());
        };
        let hash = match persisted {
            Value::Object(fields) => match fields.get("sha256Hash") {
                Some(Value::String(hash)) => hash.to_ascii_lowercase(),
                _ => {
                    return Err(coded(
                        "persistedQuery needs a sha256Hash",
                        Code::BadUserInput,
                    ));
                }
            },
            _ => {
                return Err(coded(
                    "persistedQuery must be an object",
                    Code::BadUserInput,
                ));
            }
        };
        if request.query.trim().is_empty() {
            let known = self
                .persisted
                .lock()
                .ok()
                .and_then(|map| map.get(&hash).cloned());
            return match known {
                Some(query) => {
                    request.query = query;
                    Ok(())
                }
                None => Err(coded(
                    "PersistedQueryNotFound",
                    Code::PersistedQueryNotFound,
                )),
            };
        }
        if sha256_hex(&request.query) != hash {
            return Err(coded(
                "provided sha does not match query",
                Code::BadUserInput,
            ));
        }
        if request.query.len() <= MAX_QUERY_BYTES
            && let Ok(mut persisted) = self.persisted.lock()
        {
            if persisted.len() >= CAPACITY {
                persisted.clear();
            }
            persisted.insert(hash, request.query.clone());
        }
        Ok(())
    }

    /// The request's parsed document, from the cache or by parsing and checking it. The
    /// errors carry their `extensions.code` (`GRAPHQL_PARSE_FAILED`, `QUERY_TOO_COMPLEX`,
    /// `GRAPHQL_VALIDATION_FAILED`, or a persisted query's).
    pub fn prepare(&self, request: &mut Request) -> Result<Prepared, Vec<ServerError>> {
        self.resolve_persisted(request)
            .map_err(|error| vec![error])?;
        if let Some(document) = self.get(&request.query) {
            return Ok(document);
        }
        let document = match async_graphql::parser::parse_query(&request.query) {
            Ok(document) => document,
            Err(error) => {
                let mut error = ServerError::from(error);
                let code = if error.message.contains("recursion") {
                    Code::QueryTooComplex
                } else {
                    Code::ParseFailed
                };
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", code.as_str());
                return Err(vec![error]);
            }
        };
        let aliases = count_aliases(&document);
        if aliases > self.max_aliases {
            return Err(vec![coded(
                &format!(
                    "The query has {aliases} aliased fields; at most {} are allowed.",
                    self.max_aliases
                ),
                Code::QueryTooComplex,
            )]);
        }
        let depth = depth(&document);
        if depth > self.max_depth {
            return Err(vec![coded(
                &format!(
                    "Query is nested too deep: {depth} levels of fields; at most {} are allowed.",
                    self.max_depth
                ),
                Code::QueryTooComplex,
            )]);
        }
        if !self.introspection
            && let Some(position) = introspection_field(&document)
        {
            let mut error = coded(
                "GraphQL introspection is switched off on this server \
                 (GRAPHQL_INTROSPECTION=false), but the query selects __schema or __type.",
                Code::ValidationFailed,
            );
            error.locations = vec![position];
            return Err(vec![error]);
        }
        let prepared = Prepared {
            analysis: Arc::new(check_document(&self.inputs, &document)?),
            document,
            validated: Arc::default(),
        };
        self.insert(&request.query, &prepared);
        Ok(prepared)
    }

    /// The checked document for `query`, if it was seen before.
    fn get(&self, query: &str) -> Option<Prepared> {
        let documents = self.documents.lock().ok()?;
        documents.get(query).cloned()
    }

    /// Remembers a document that parsed and passed the checks.
    fn insert(&self, query: &str, document: &Prepared) {
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

/// A document that parsed and passed the checks, with what its checks found for the checks
/// of each request.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The parsed document (the executor's own copy: a request may rewrite it).
    pub document: ExecutableDocument,
    /// What the document's checks found.
    pub analysis: Arc<Analysis>,
    /// Whether the document has passed async-graphql's full validation against this schema
    /// once; shared by every copy of the cached entry (see `super::pipeline`).
    validated: Arc<AtomicBool>,
}

impl Prepared {
    /// Whether the document has passed full validation before, as a flag to set once it
    /// has.
    pub fn validated(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.validated)
    }
}

fn coded(message: &str, code: Code) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

fn sha256_hex(text: &str) -> String {
    use std::fmt::Write;
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Aliased fields in every operation and fragment of a document.
fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, operation)| in_set(&operation.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| in_set(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

/// Where the document first selects an introspection field (`__schema` or `__type`; the
/// `__typename` meta-field is not introspection), in an operation or a fragment.
fn introspection_field(document: &ExecutableDocument) -> Option<Pos> {
    fn in_set(set: &SelectionSet) -> Option<Pos> {
        set.items
            .iter()
            .find_map(|selection| match &selection.node {
                Selection::Field(field) => match field.node.name.node.as_str() {
                    "__schema" | "__type" => Some(field.pos),
                    _ => in_set(&field.node.selection_set.node),
                },
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => None,
            })
    }
    document
        .operations
        .iter()
        .find_map(|(_, operation)| in_set(&operation.node.selection_set.node))
        .or_else(|| {
            document
                .fragments
                .values()
                .find_map(|fragment| in_set(&fragment.node.selection_set.node))
        })
}

/// How deeply fields nest in the document's operations, with fragments counted where they
/// are spread (as async-graphql's own limit counts) and introspection fields (`__schema`,
/// `__type`) counted as one level whatever they select.
fn depth(document: &ExecutableDocument) -> usize {
    fn in_set<'a>(
        set: &'a SelectionSet,
        document: &'a ExecutableDocument,
        spreading: &mut HashSet<&'a Name>,
    ) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    if field.node.name.node.starts_with("__") {
                        1
                    } else {
                        1 + in_set(&field.node.selection_set.node, document, spreading)
                    }
                }
                Selection::InlineFragment(fragment) => {
                    in_set(&fragment.node.selection_set.node, document, spreading)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    // A fragment that spreads itself is a validation error reported later;
                    // here it only must not loop.
                    match document.fragments.get(name) {
                        Some(fragment) if spreading.insert(name) => {
                            let depth =
                                in_set(&fragment.node.selection_set.node, document, spreading);
                            spreading.remove(name);
                            depth
                        }
                        _ => 0,
                    }
                }
            })
            .max()
            .unwrap_or(0)
    }
    document
        .operations
        .iter()
        .map(|(_, operation)| {
            in_set(
                &operation.node.selection_set.node,
                document,
                &mut HashSet::new(),
            )
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn document(query: &str) -> ExecutableDocument {
        parse_query(query).expect("parses")
    }

    fn prepared(query: &str) -> Prepared {
        Prepared {
            document: document(query),
            analysis: Arc::default(),
            validated: Arc::default(),
        }
    }

    fn cache(max_aliases: usize, max_depth: usize) -> DocumentCache {
        let inputs = InputSchema::from_sdl(&crate::graphql::sdl()).expect("the SDL parses");
        DocumentCache::new(max_aliases, max_depth, inputs)
    }

    #[test]
    fn a_parsed_document_is_found_by_its_text() {
        let cache = cache(30, 12);
        assert!(cache.get("{ a }").is_none());
        cache.insert("{ a }", &prepared("{ a }"));
        assert!(cache.get("{ a }").is_some());
        assert!(cache.get("{ b }").is_none());
    }

    #[test]
    fn aliases_are_counted_everywhere() {
        let query = "query { a: x b: y { c: z ... on T { d: w } ...F } } fragment F on T { e: v }";
        assert_eq!(count_aliases(&document(query)), 5);
        let cache = cache(4, 12);
        let mut request = Request::new(query);
        let error = cache
            .prepare(&mut request)
            .expect_err("too many aliases")
            .remove(0);
        assert!(
            error.message.contains("5 aliased fields"),
            "{}",
            error.message
        );
        assert!(cache.get(query).is_none(), "a refused document is not kept");
    }

    #[test]
    fn depth_counts_fields_through_fragments_but_not_into_introspection() {
        assert_eq!(depth(&document("{ a }")), 1);
        assert_eq!(depth(&document("{ a { b c { d } } e }")), 3);
        let query = "{ a { ...F ... on T { x { y } } } } fragment F on T { b { c { d } } }";
        assert_eq!(depth(&document(query)), 4);
        let introspection = "{ __schema { types { fields { type { ofType { ofType { ofType \
                             { ofType { ofType { ofType { name } } } } } } } } } } }";
        assert_eq!(depth(&document(introspection)), 1);
        assert_eq!(
            depth(&document("{ a ...F } fragment F on T { ...F b { c } }")),
            2
        );
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = cache(30, 12);
        let long = format!("{{ a {} }}", " ".repeat(MAX_QUERY_BYTES));
        cache.insert(&long, &prepared(&long));
        assert!(
            cache.get(&long).is_none(),
            "oversized documents are not kept"
        );
        for n in 0..=CAPACITY {
            let query = format!("{{ f{n} }}");
            cache.insert(&query, &prepared(&query));
        }
        let kept = cache.documents.lock().expect("lock").len();
        assert!(kept <= CAPACITY, "{kept} documents kept");
    }
}
