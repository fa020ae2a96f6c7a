//! The GraphQL API: schema assembly, limits, and its HTTP and WebSocket endpoints.

mod arguments;
mod connection;
mod customer;
mod documents;
mod error;
mod filter;
mod http;
mod ids;
mod input;
mod loader;
mod node;
mod pipeline;
mod subscription;
mod todo;
mod viewer;
mod ws;

use crate::db::Db;
use async_graphql::{MergedObject, Schema, SchemaBuilder, ValidationMode};

pub use connection::PageLimits;
pub use documents::DocumentCache;
pub use error::Code;
pub use http::router;
pub use ids::{NodeType, decode_node_id, encode_node_id};
pub use input::InputSchema;
pub use loader::Loaders;
pub use pipeline::Schemas;
pub use subscription::SubscriptionRoot;

use crate::config::Config;
use crate::events::Events;
use crate::write::Writer;
use service::Principal;

/// Every query field, merged from the per-domain query types.
// Named `Query` in the schema (likewise `Mutation`, `Subscription`): the names client
// tooling assumes (Relay's compiler, Apollo's root type policies), not async-graphql's.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(customer::CustomerQuery, todo::TodoQuery, node::NodeQuery);

/// Every mutation field, merged from the per-domain mutation types.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(customer::CustomerMutation, todo::TodoMutation);

/// The executable schema.
pub type ApiSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The page size assumed for cost when a connection is asked for without `first`/`last`.
const ASSUMED_PAGE_SIZE: i32 = 100;

/// The cost of a connection field: its page size times what each item costs, so that
/// `first: 1000` of a nested selection counts for what it will really read.
pub(crate) fn connection_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).unwrap_or(ASSUMED_PAGE_SIZE).max(1);
    usize::try_from(size)
        .unwrap_or(1)
        .saturating_mul(child)
        .saturating_add(1)
}

/// The schema's types with no data attached: enough to print the SDL.
pub fn schema_builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
}

/// The SDL that `api/schema.graphql` must hold.
pub fn sdl() -> String {
    schema_builder().finish().sdl()
}

/// Builds the executable schema over the pool, with the configured limits, twice: validating
/// every document in full, and in async-graphql's fast validation mode for documents that
/// have passed once (see `graphql::pipeline`).
pub fn build_schemas(
    db: Db,
    events: Events,
    writer: Writer,
    config: &Config,
) -> Schemas<ApiSchema> {
    let build = |validation| {
        build_schema(
            db.clone(),
            events.clone(),
            writer.clone(),
            config,
            validation,
        )
    };
    Schemas {
        full: build(ValidationMode::Strict),
        known: build(ValidationMode::Fast),
    }
}

/// Builds the executable schema over the pool, with the configured limits, validating in
/// `validation` mode.
fn build_schema(
    db: Db,
    events: Events,
    writer: Writer,
    config: &Config,
    validation: ValidationMode,
) -> ApiSchema {
    let mut builder = schema_builder()
        .validation_mode(validation)
        .data(Loaders::new(
            &db,
            std::time::Duration::from_millis(config.graphql_batch_delay_ms),
        ))
        .data(db)
        .data(events)
        .data(writer)
        .data(PageLimits {
            default_size: config.graphql_default_page_size,
            max_size: config.graphql_max_page_size,
        })
        .limit_complexity(config.graphql_max_complexity);
    if !config.graphql_introspection {
        builder = builder.disable_introspection();
    }
    // With access control off every request is admin (SPEC 5); with it on, a request has a
    // principal only if the HTTP or WebSocket handler authenticated it.
    if !config.access.is_enabled() {
        builder = builder.data(Principal::Admin);
    }
    builder.finish()
}
