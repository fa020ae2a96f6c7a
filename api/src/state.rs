//! What every handler shares: cheap clones of the pool, the GraphQL schema and the settings.

use std::sync::Arc;

use crate::db::Db;
use axum::extract::FromRef;

use crate::admission::Admission;
use crate::config::Config;
use crate::events::Events;
use crate::graphql::{ApiSchema, DocumentCache, Schemas};
use crate::shutdown::Shutdown;
use crate::write::Writer;

/// The application state handed to every route.
#[derive(Clone)]
pub struct AppState {
    /// The database (cloning shares the pool).
    pub db: Db,
    /// The GraphQL schema, with the pool and limits inside, validating every document in
    /// full.
    pub schema: ApiSchema,
    /// The same schema, in async-graphql's fast validation mode: for documents that have
    /// passed full validation once.
    pub known_schema: ApiSchema,
    /// Where writes announce themselves to subscribers.
    pub events: Events,
    /// Every write goes through it, from REST and GraphQL alike.
    pub writer: Writer,
    /// Parsed GraphQL documents, shared by every request.
    pub documents: Arc<DocumentCache>,
    /// The settings read at start-up.
    pub config: Arc<Config>,
    /// The bounds on requests in flight and waiting (SPEC 4.2), shared by every request.
    pub admission: Admission,
    /// The graceful stop, as WebSocket connections hear of it.
    pub shutdown: Shutdown,
}

impl AppState {
    /// Both forms of the schema, for the GraphQL request pipeline.
    pub fn schemas(&self) -> Schemas<ApiSchema> {
        Schemas {
            full: self.schema.clone(),
            known: self.known_schema.clone(),
        }
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for ApiSchema {
    fn from_ref(state: &AppState) -> Self {
        state.schema.clone()
    }
}

impl FromRef<AppState> for Writer {
    fn from_ref(state: &AppState) -> Self {
        state.writer.clone()
    }
}
