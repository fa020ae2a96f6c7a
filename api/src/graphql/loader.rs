//! DataLoaders: nested fields are read in one batched query per level, never one per row.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use async_graphql::dataloader::{DataLoader, Loader};
use service::customer::Customer;
use service::todo::{Todo, TodoFilter, TodoPageQuery};
use service::{Page, Principal};

/// The loaders every request shares; registered once in the schema's data.
pub struct Loaders {
    /// Customers by `customer_id` (`Todo.customer`, `node`).
    pub customers: DataLoader<CustomerLoader>,
    /// Todos by `id` (`node`).
    pub todos: DataLoader<TodoLoader>,
    /// One page of todos per customer (`Customer.todos`).
    pub customer_todos: DataLoader<CustomerTodosLoader>,
    /// Todo counts per customer (`Customer.todos.totalCount`).
    pub todo_counts: DataLoader<TodoCountLoader>,
}

impl Loaders {
    /// Builds every loader over the pool; each waits `delay` for more keys before it runs
    /// its query.
    pub fn new(db: &Db, delay: Duration) -> Self {
        fn loader<T: Loader<K>, K: Send + Sync + std::hash::Hash + Eq + Clone + 'static>(
            inner: T,
            delay: Duration,
        ) -> DataLoader<T> {
            // The batch runs in a task of its own; it keeps the span of the resolver that
            // started it, so its SQL shows in the operation's trace.
            DataLoader::new(inner, |batch| {
                tokio::spawn(tracing::Instrument::in_current_span(batch))
            })
            .delay(delay)
        }
        Self {
            customers: loader(CustomerLoader(db.clone()), delay),
            todos: loader(TodoLoader(db.clone()), delay),
            customer_todos: loader(CustomerTodosLoader(db.clone()), delay),
            todo_counts: loader(TodoCountLoader(db.clone()), delay),
        }
    }
}

/// Loads customers by id.
pub struct CustomerLoader(Db);

/// Groups keys by the principal they are read for: one query per principal in a batch
/// (in practice one, the request's).
fn by_viewer(keys: &[(Principal, i32)]) -> HashMap<Principal, Vec<i32>> {
    let mut groups: HashMap<Principal, Vec<i32>> = HashMap::new();
    for &(viewer, id) in keys {
        groups.entry(viewer).or_default().push(id);
    }
    groups
}

impl Loader<(Principal, i32)> for CustomerLoader {
    type Value = Customer;
    type Error = Arc<service::Error>;

    async fn load(
        &self,
        keys: &[(Principal, i32)],
    ) -> Result<HashMap<(Principal, i32), Customer>, Self::Error> {
        let mut loaded = HashMap::with_capacity(keys.len());
        for (viewer, ids) in by_viewer(keys) {
            let rows = service::customer::find_many(&self.0, viewer, &ids)
                .await
                .map_err(Arc::new)?;
            loaded.extend(rows.into_iter().map(|row| ((viewer, row.customer_id), row)));
        }
        Ok(loaded)
    }
}

/// Loads todos by id.
pub struct TodoLoader(Db);

impl Loader<(Principal, i32)> for TodoLoader {
    type Value = Todo;
    type Error = Arc<service::Error>;

    async fn load(
        &self,
        keys: &[(Principal, i32)],
    ) -> Result<HashMap<(Principal, i32), Todo>, Self::Error> {
        let mut loaded = HashMap::with_capacity(keys.len());
        for (viewer, ids) in by_viewer(keys) {
            let rows = service::todo::find_many(&self.0, viewer, &ids)
                .await
                .map_err(Arc::new)?;
            loaded.extend(rows.into_iter().map(|row| ((viewer, row.id), row)));
        }
        Ok(loaded)
    }
}

/// A customer's todo page: which customer, and which page of its todos.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CustomerTodosKey {
    /// Who is reading: only todos it may see are loaded.
    pub viewer: Principal,
    /// The customer.
    pub customer_id: i32,
    /// The filter, order and page asked for (the same for every customer of one selection,
    /// shared rather than copied).
    pub query: Arc<TodoPageQuery>,
}

/// Loads pages of todos for many customers: one query per distinct request.
pub struct CustomerTodosLoader(Db);

impl Loader<CustomerTodosKey> for CustomerTodosLoader {
    type Value = Page<Todo>;
    type Error = Arc<service::Error>;

    async fn load(
        &self,
        keys: &[CustomerTodosKey],
    ) -> Result<HashMap<CustomerTodosKey, Page<Todo>>, Self::Error> {
        let mut by_query: HashMap<(Principal, &Arc<TodoPageQuery>), Vec<i32>> = HashMap::new();
        for key in keys {
            by_query
                .entry((key.viewer, &key.query))
                .or_default()
                .push(key.customer_id);
        }
        let mut loaded = HashMap::with_capacity(keys.len());
        for ((viewer, query), customer_ids) in by_query {
            let pages = service::todo::pages_for_customers(&self.0, viewer, &customer_ids, query)
                .await
                .map_err(Arc::new)?;
            loaded.extend(pages.into_iter().map(|(customer_id, page)| {
                (
                    CustomerTodosKey {
                        viewer,
                        customer_id,
                        query: Arc::clone(query),
                    },
                    page,
                )
            }));
        }
        Ok(loaded)
    }
}

/// Whose todos to count, and which of them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TodoCountKey {
    /// Who is counting: only todos it may see count.
    pub viewer: Principal,
    /// The customer.
    pub customer_id: i32,
    /// Only todos matching this (`None`: all of the customer's todos).
    pub filter: Option<Arc<TodoFilter>>,
}

/// Counts todos for many customers: one grouped query per distinct filter.
pub struct TodoCountLoader(Db);

impl Loader<TodoCountKey> for TodoCountLoader {
    type Value = u64;
    type Error = Arc<service::Error>;

    async fn load(&self, keys: &[TodoCountKey]) -> Result<HashMap<TodoCountKey, u64>, Self::Error> {
        let mut by_filter: HashMap<(Principal, &Option<Arc<TodoFilter>>), Vec<i32>> =
            HashMap::new();
        for key in keys {
            by_filter
                .entry((key.viewer, &key.filter))
                .or_default()
                .push(key.customer_id);
        }
        let mut loaded = HashMap::with_capacity(keys.len());
        for ((viewer, filter), customer_ids) in by_filter {
            let counts = service::todo::count_for_customers(
                &self.0,
                viewer,
                &customer_ids,
                filter.as_deref(),
            )
            .await
            .map_err(Arc::new)?;
            for customer_id in customer_ids {
                let key = TodoCountKey {
                    viewer,
                    customer_id,
                    filter: filter.clone(),
                };
                loaded.insert(key, counts.get(&customer_id).copied().unwrap_or(0));
            }
        }
        Ok(loaded)
    }
}
