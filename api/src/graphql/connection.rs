//! Relay cursor connections for any node type: page arguments, `orderBy` lists, `pageInfo`
//! and the [`connection!`] macro that declares a connection and its edge. Each entity
//! declares its own connection and says where its `totalCount` comes from.

use async_graphql::{Context, Result, SimpleObject};
use service::{Cursor, PageQuery, PageRequest, Sort, SortField};

use super::error::bad_input;
use super::ids::{NodeType, decode_cursor, order_tag};

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
    ) -> Result<PageQuery<F, S>>
    where
        F: From<GraphqlFilter>,
        S: SortField,
        GraphqlOrder: Copy,
        Sort<S>: From<GraphqlOrder>,
    {
        let order = sorts(order_by.as_deref());
        let page = self.to_request(ctx, kind, &order_tag(&order))?;
        Ok(PageQuery {
            filter: filter.map(F::from),
            order,
            page,
        })
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

/// Declares a connection and its edge type for one node type: `$node` is the GraphQL object
/// (`From<$model>`), `$cursor` gives a row's cursor under an effective order, and `$count`
/// has `async fn count(&self, ctx: &Context<'_>) -> Result<u64>`, run only when a client
/// selects `totalCount`.
macro_rules! connection {
    (
        $connection:ident, $edge:ident, $node:ident, $model:ty, $sort:ty, $kind:expr,
        $cursor:path, $count:ty, $connection_doc:literal, $edge_doc:literal
    ) => {
        #[doc = $edge_doc]
        #[derive(Clone, async_graphql::SimpleObject)]
        pub struct $edge {
            /// Pass to `after` or `before` to page from this item.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        #[doc = $connection_doc]
        pub struct $connection {
            edges: Vec<$edge>,
            page_info: $crate::graphql::connection::PageInfo,
            count_of: $count,
        }

        impl $connection {
            /// Builds the connection from a service page sorted by `order`.
            pub fn new(
                page: service::Page<$model>,
                count_of: $count,
                order: &[service::Sort<$sort>],
            ) -> Self {
                use $crate::graphql::ids::{encode_cursor, order_tag};
                let order = service::effective_order(order);
                let tag = order_tag(&order);
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|item| $edge {
                        cursor: encode_cursor($kind, &tag, $cursor(&order, &item)),
                        node: $node::from(item),
                    })
                    .collect();
                let page_info = $crate::graphql::connection::PageInfo {
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
        #[async_graphql::Object]
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
            async fn page_info(&self) -> &$crate::graphql::connection::PageInfo {
                &self.page_info
            }

            /// How many items the whole list has (all pages); counted only when asked for.
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> async_graphql::Result<i64> {
                let count = self.count_of.count(ctx).await?;
                Ok(i64::try_from(count).unwrap_or(i64::MAX))
            }
        }
    };
}

pub(crate) use connection;

/// The service's sort for an `orderBy` list (`None`: the default, by primary key).
pub fn sorts<O: Copy, S>(order_by: Option<&[O]>) -> Vec<Sort<S>>
where
    Sort<S>: From<O>,
{
    order_by
        .unwrap_or_default()
        .iter()
        .map(|order| Sort::from(*order))
        .collect()
}
