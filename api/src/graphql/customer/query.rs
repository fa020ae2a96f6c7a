//! The customer look-ups of the `Query` root.

use std::sync::Arc;

use crate::db::Db;
use async_graphql::{Context, Object, Result};
use service::customer as customers;

use super::Customer;
use super::list::{CustomerConnection, CustomerCount, CustomerFilter, CustomerOrderBy};
use crate::graphql::connection::PageArgs;
use crate::graphql::error::ServiceResultExt;
use crate::graphql::ids::NodeType;
use crate::graphql::viewer::viewer;

/// Customer look-ups.
#[derive(Default)]
pub struct CustomerQuery;

/// Customer look-ups.
#[Object]
impl CustomerQuery {
    /// The customer with this number, or null if there is none.
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's number (`customerId`).")] customer_id: i32,
    ) -> Result<Option<Customer>> {
        // A direct read: a root field has nothing to batch with, and the loader's wait for
        // more keys would only add latency.
        let db = ctx.data::<Db>()?;
        Ok(customers::find(db, viewer(ctx)?, customer_id)
            .await
            .gql()?
            .map(Customer::from))
    }

    /// The customer with this email (compared as stored: domain lower-cased), or null.
    async fn customer_by_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The email address to look for.")] email: String,
    ) -> Result<Option<Customer>> {
        let db = ctx.data::<Db>()?;
        Ok(customers::find_by_email(db, viewer(ctx)?, &email)
            .await
            .gql()?
            .map(Customer::from))
    }

    /// Customers, a page at a time, in `customerId` order unless `orderBy` says otherwise.
    #[graphql(complexity = "crate::graphql::connection_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per Relay and list option"
    )]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many customers from the start (after `after`).")]
        first: Option<i32>,
        #[graphql(desc = "Return only customers after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many customers from the end (before `before`).")]
        last: Option<i32>,
        #[graphql(desc = "Return only customers before this cursor.")] before: Option<String>,
        #[graphql(desc = "Return only customers that match.")] filter: Option<CustomerFilter>,
        #[graphql(desc = "Sort by these fields, most significant first; `customerId` \
                          breaks ties. Cursors are only valid under the order they came from.")]
        order_by: Option<Vec<CustomerOrderBy>>,
    ) -> Result<CustomerConnection> {
        let query: customers::CustomerPageQuery = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_query(ctx, NodeType::Customer, filter, order_by)?;
        let db = ctx.data::<Db>()?;
        let page = customers::page(db, viewer(ctx)?, &query).await.gql()?;
        Ok(CustomerConnection::new(
            page,
            CustomerCount(query.filter.map(Arc::new)),
            &query.order,
        ))
    }
}
