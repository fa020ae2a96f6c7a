//! The `Customer` type, with its queries and mutations.

mod input;
mod list;
mod mutation;
mod query;

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use service::customer as customers;
use service::todo::TodoPageQuery;

use super::connection::PageArgs;
use super::error::ServiceResultExt;
use super::ids::{NodeType, encode_node_id};
use super::loader::{CustomerTodosKey, Loaders};
use super::todo::{TodoConnection, TodoCount, TodoFilter, TodoOrderBy};
use super::viewer::viewer;

pub use mutation::CustomerMutation;
pub use query::CustomerQuery;

/// A person or organisation that todos can be for.
#[derive(Clone, Debug)]
pub struct Customer {
    pub(crate) model: customers::Customer,
}

impl From<customers::Customer> for Customer {
    fn from(model: customers::Customer) -> Self {
        Self { model }
    }
}

/// A person or organisation that todos can be for.
#[Object]
impl Customer {
    /// Globally unique, opaque id (Relay `Node`); use `customerId` for the number.
    pub async fn id(&self) -> ID {
        ID(encode_node_id(NodeType::Customer, self.model.customer_id))
    }

    /// The customer's number, as the REST routes use it.
    async fn customer_id(&self) -> i32 {
        self.model.customer_id
    }

    /// Given name; never blank.
    async fn first_name(&self) -> &str {
        &self.model.first_name
    }

    /// Middle name, if any.
    async fn middle_name(&self) -> Option<&str> {
        self.model.middle_name.as_deref()
    }

    /// Family name; never blank.
    async fn last_name(&self) -> &str {
        &self.model.last_name
    }

    /// Name suffix such as "Jr.", if any.
    async fn suffix(&self) -> Option<&str> {
        self.model.suffix.as_deref()
    }

    /// Email address, unique among customers; its domain is stored lower-cased.
    async fn email(&self) -> &str {
        &self.model.email
    }

    /// Phone number as entered, if any.
    async fn phone(&self) -> Option<&str> {
        self.model.phone.as_deref()
    }

    /// When the customer was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When the customer was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    /// This customer's todos, a page at a time, in `todoId` order unless `orderBy` says
    /// otherwise. Read in one batch for all customers of a page.
    #[graphql(complexity = "crate::graphql::connection_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per Relay and list option"
    )]
    async fn todos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many todos from the start (after `after`).")]
        first: Option<i32>,
        #[graphql(desc = "Return only todos after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many todos from the end (before `before`).")]
        last: Option<i32>,
        #[graphql(desc = "Return only todos before this cursor.")] before: Option<String>,
        #[graphql(desc = "Return only todos that match.")] filter: Option<TodoFilter>,
        #[graphql(
            desc = "Sort by these fields, most significant first; the todo's number \
                          breaks ties. Cursors are only valid under the order they came from."
        )]
        order_by: Option<Vec<TodoOrderBy>>,
    ) -> Result<TodoConnection> {
        let query: TodoPageQuery = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_query(ctx, NodeType::Todo, filter, order_by)?;
        let customer_id = self.model.customer_id;
        let query = Arc::new(query);
        let page = ctx
            .data::<Loaders>()?
            .customer_todos
            .load_one(CustomerTodosKey {
                viewer: viewer(ctx)?,
                customer_id,
                query: Arc::clone(&query),
            })
            .await
            .gql()?
            .unwrap_or_else(|| service::Page {
                items: Vec::new(),
                has_previous_page: false,
                has_next_page: false,
            });
        let filter = query.filter.clone().map(Arc::new);
        Ok(TodoConnection::new(
            page,
            TodoCount::OfCustomer(customer_id, filter),
            &query.order,
        ))
    }
}
