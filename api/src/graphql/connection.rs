//! Relay cursor connections: page arguments, `pageInfo`, and the connection types.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject};
use service::customer::CustomerFilter;
use service::keyset::{SortField, effective_order};
use service::todo::TodoFilter;
use service::{Cursor, ListQuery, Page, PageRequest, Sort};

use super::customer::Customer;
use super::error::{ServiceResultExt, bad_input};
use super::ids::{NodeType, decode_cursor, encode_cursor, order_tag};
use super::loader::{Loaders, TodoCountKey};
use super::order::sorts;
use super::todo::Todo;

/// Page-size limits from the configuration, kept in the schema's data.
#[derive(Clone, Copy, Debug)]
pub struct PageLimits {
    /// Used when neither `first` nor `last` is given.
    pub default_size: u64,
    /// The largest `first`/`last` accepted.
    pub max_size: u64,
}

/// The four Relay arguments as a client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    /// `first`.
    pub first: Option<i32>,
    /// `after`.
    pub after: Option<String>,
    /// `last`.
    pub last: Option<i32>,
    /// `before`.
    pub before: Option<String>,
}

impl PageArgs {
    /// Checks the arguments against the limits and decodes the cursors; every mistake is a
    /// `BAD_USER_INPUT` naming the argument.
    /// Cursors must have been issued by a connection of `kind` under the order `tag`.
    pub fn to_request(&self, ctx: &Context<'_>, kind: NodeType, tag: &str) -> Result<PageRequest> {
        let limits = ctx.data::<PageLimits>()?;
        let size = |name: &str, value: Option<i32>| -> Result<Option<u64>> {
            match value {
                None => Ok(None),
                Some(value) => {
                    let value = u64::try_from(value)
                        .map_err(|_| bad_input(name, format!("{name} must not be negative")))?;
                    if value > limits.max_size {
                        return Err(bad_input(
                            name,
                            format!("{name} must be at most {}", limits.max_size),
                        ));
                    }
                    Ok(Some(value))
                }
            }
        };
        let cursor = |name: &str, value: &Option<String>| -> Result<Option<Cursor>> {
            value
                .as_deref()
                .map(|text| {
                    decode_cursor(kind, tag, text).ok_or_else(|| {
                        bad_input(
                            name,
                            format!("{name} is not a cursor of this connection and orderBy"),
                        )
                    })
                })
                .transpose()
        };
        let mut request = PageRequest {
            first: size("first", self.first)?,
            after: cursor("after", &self.after)?,
            last: size("last", self.last)?,
            before: cursor("before", &self.before)?,
        };
        if request.first.is_none() && request.last.is_none() {
            request.first = Some(limits.default_size);
        }
        Ok(request)
    }
}

impl PageArgs {
    /// The whole connection request: the page arguments checked and decoded against the
    /// order, plus the filter and order in the service's terms.
    pub fn into_query<F, S, GraphqlFilter, GraphqlOrder>(
        self,
        ctx: &Context<'_>,
        kind: NodeType,
        filter: Option<GraphqlFilter>,
        order_by: Option<Vec<GraphqlOrder>>,
    ) -> Result<ListQuery<F, S>>
    where
        F: From<GraphqlFilter>,
        S: SortField,
        GraphqlOrder: Copy,
        Sort<S>: From<GraphqlOrder>,
    {
        let order = sorts(order_by.as_deref());
        let page = self.to_request(ctx, kind, &order_tag(&order))?;
        Ok(ListQuery {
            filter: filter.map(F::from),
            order,
            page,
        })
    }
}

/// Where a connection's `totalCount` comes from, worked out only when it is selected.
#[derive(Clone, Debug)]
pub enum CountOf {
    /// The customers matching a filter (`None`: all).
    Customers(Option<Arc<CustomerFilter>>),
    /// The todos matching a filter (`None`: all).
    Todos(Option<Arc<TodoFilter>>),
    /// The todos of one customer matching a filter (batched across the customers of a
    /// page).
    TodosOfCustomer(i32, Option<Arc<TodoFilter>>),
}

impl CountOf {
    async fn count(&self, ctx: &Context<'_>) -> Result<i64> {
        let db = ctx.data::<sea_orm::DatabaseConnection>()?;
        let count = match self {
            Self::Customers(filter) => service::customer::count_matching(db, filter.as_deref())
                .await
                .gql()?,
            Self::Todos(filter) => service::todo::count_matching(db, filter.as_deref())
                .await
                .gql()?,
            Self::TodosOfCustomer(customer_id, filter) => ctx
                .data::<Loaders>()?
                .todo_counts
                .load_one(TodoCountKey {
                    customer_id: *customer_id,
                    filter: filter.clone(),
                })
                .await
                .gql()?
                .unwrap_or_default(),
        };
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// Where the page is within the whole list.
#[derive(Clone, Debug, SimpleObject)]
pub struct PageInfo {
    /// Whether more items follow the last one of this page (within `before`, if given).
    pub has_next_page: bool,
    /// Whether more items precede the first one of this page (within `after`, if given).
    pub has_previous_page: bool,
    /// The cursor of the first item, to page backwards with `before`; null on an empty page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item, to page forwards with `after`; null on an empty page.
    pub end_cursor: Option<String>,
}

/// Declares a connection and its edge type for one node type.
macro_rules! connection {
    (
        $connection:ident, $edge:ident, $node:ident, $model:ty, $sort:ty, $kind:expr,
        $cursor:path, $connection_doc:literal, $edge_doc:literal
    ) => {
        #[doc = $edge_doc]
        #[derive(Clone, SimpleObject)]
        pub struct $edge {
            /// Pass to `after` or `before` to page from this item.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        #[doc = $connection_doc]
        pub struct $connection {
            edges: Vec<$edge>,
            page_info: PageInfo,
            count_of: CountOf,
        }

        impl $connection {
            /// Builds the connection from a service page sorted by `order`.
            pub fn new(page: Page<$model>, count_of: CountOf, order: &[Sort<$sort>]) -> Self {
                let order = effective_order(order);
                let tag = order_tag(&order);
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|item| $edge {
                        cursor: encode_cursor($kind, &tag, $cursor(&order, &item)),
                        node: $node::from(item),
                    })
                    .collect();
                let page_info = PageInfo {
                    has_next_page: page.has_next_page,
                    has_previous_page: page.has_previous_page,
                    start_cursor: edges.first().map(|edge| edge.cursor.clone()),
                    end_cursor: edges.last().map(|edge| edge.cursor.clone()),
                };
                Self {
                    edges,
                    page_info,
                    count_of,
                }
            }
        }

        #[doc = $connection_doc]
        #[Object]
        impl $connection {
            /// The items of this page with their cursors.
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            /// The items of this page, without cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|edge| &edge.node).collect()
            }

            /// Where this page is within the whole list.
            async fn page_info(&self) -> &PageInfo {
                &self.page_info
            }

            /// How many items the whole list has (all pages); counted only when asked for.
            async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
                self.count_of.count(ctx).await
            }
        }
    };
}

connection!(
    CustomerConnection,
    CustomerEdge,
    Customer,
    service::customer::Customer,
    service::customer::CustomerSort,
    NodeType::Customer,
    service::customer::cursor,
    "A page of customers, with the cursors to fetch the pages around it.",
    "A customer in a page, with its cursor."
);

connection!(
    TodoConnection,
    TodoEdge,
    Todo,
    service::todo::Todo,
    service::todo::TodoSort,
    NodeType::Todo,
    service::todo::cursor,
    "A page of todos, with the cursors to fetch the pages around it.",
    "A todo in a page, with its cursor."
);
