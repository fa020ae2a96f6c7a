//! The Relay `Node` interface: any object by its global id.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::customer::Customer;
use super::error::{ServiceResultExt, bad_input};
use super::ids::{NodeType, decode_node_id};
use super::loader::Loaders;
use super::todo::Todo;
use super::viewer::viewer;

/// An object with a globally unique id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Globally unique, opaque id."))]
pub enum Node {
    /// A customer.
    Customer(Customer),
    /// A todo.
    Todo(Todo),
}

/// Look-ups by global id.
#[derive(Default)]
pub struct NodeQuery;

fn decode(field: &str, id: &ID) -> Result<(NodeType, i32)> {
    decode_node_id(id)
        .ok_or_else(|| bad_input(field, format!("{field} is not an id this API issued")))
}

#[Object]
impl NodeQuery {
    /// The object with this global id, or null if it no longer exists.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id, as returned in an object's `id`.")] id: ID,
    ) -> Result<Option<Node>> {
        let (kind, key) = decode("id", &id)?;
        let loaders = ctx.data::<Loaders>()?;
        let viewer = viewer(ctx)?;
        Ok(match kind {
            NodeType::Customer => loaders
                .customers
                .load_one((viewer, key))
                .await
                .gql()?
                .map(|row| Node::Customer(row.into())),
            NodeType::Todo => loaders
                .todos
                .load_one((viewer, key))
                .await
                .gql()?
                .map(|row| Node::Todo(row.into())),
        })
    }

    /// The objects with these global ids, in the same order; null where one no longer
    /// exists. Read in one batch per type.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, as returned in objects' `id`.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        let keys = ids
            .iter()
            .map(|id| decode("ids", id))
            .collect::<Result<Vec<_>>>()?;
        let loaders = ctx.data::<Loaders>()?;
        let viewer = viewer(ctx)?;
        let customer_ids = keys.iter().filter(|(kind, _)| *kind == NodeType::Customer);
        let todo_ids = keys.iter().filter(|(kind, _)| *kind == NodeType::Todo);
        let (customers, todos) = futures::try_join!(
            async {
                loaders
                    .customers
                    .load_many(customer_ids.map(|(_, key)| (viewer, *key)))
                    .await
                    .gql()
            },
            async {
                loaders
                    .todos
                    .load_many(todo_ids.map(|(_, key)| (viewer, *key)))
                    .await
                    .gql()
            },
        )?;
        Ok(keys
            .into_iter()
            .map(|(kind, key)| match kind {
                NodeType::Customer => customers
                    .get(&(viewer, key))
                    .cloned()
                    .map(|row| Node::Customer(row.into())),
                NodeType::Todo => todos
                    .get(&(viewer, key))
                    .cloned()
                    .map(|row| Node::Todo(row.into())),
            })
            .collect())
    }
}
