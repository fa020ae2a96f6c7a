//! Subscriptions: change events pushed to clients over WebSocket after each write commits.

use async_graphql::{Context, ErrorExtensions, Result, SimpleObject, Subscription};
use futures::Stream;

use super::customer::Customer;
use super::error::{Code, from_events};
use super::todo::Todo;
use super::viewer::viewer;
use crate::auth::Identity;
use crate::events::{ChangeKind, Events};

/// A customer was created, updated or deleted.
#[derive(Clone, SimpleObject)]
pub struct CustomerChange {
    /// What happened.
    pub kind: ChangeKind,
    /// Which customer.
    pub customer_id: i32,
    /// The customer after the change; null when it was deleted.
    pub customer: Option<Customer>,
}

/// A todo was created, updated or deleted.
#[derive(Clone, SimpleObject)]
pub struct TodoChange {
    /// What happened.
    pub kind: ChangeKind,
    /// Which todo.
    pub todo_id: i32,
    /// The todo after the change; null when it was deleted.
    pub todo: Option<Todo>,
}

/// Ends `stream` when the subscriber's token expires, with an `UNAUTHENTICATED` error as its
/// last item (SPEC 5.1); a subscriber without an expiring token keeps it open.
fn until_expiry<T: Send + 'static>(
    ctx: &Context<'_>,
    stream: impl Stream<Item = Result<T>> + Send + 'static,
) -> impl Stream<Item = Result<T>> + Send + 'static {
    use futures::StreamExt;
    let expires_at = ctx
        .data_opt::<Identity>()
        .map(|identity| identity.expires_at)
        .filter(|expires_at| *expires_at < u64::MAX);
    let remaining = expires_at.map(|expires_at| {
        let now = jsonwebtoken::get_current_timestamp();
        std::time::Duration::from_secs(expires_at.saturating_sub(now))
    });
    let deadline = remaining.map(|remaining| tokio::time::Instant::now() + remaining);
    let expired = async move {
        match deadline {
            Some(deadline) => tokio::time::sleep_until(deadline).await,
            None => std::future::pending().await,
        }
    };
    let ending = futures::stream::once(async move {
        deadline
            .filter(|deadline| tokio::time::Instant::now() >= *deadline)
            .map(|_| {
                let code = Code::Unauthenticated.as_str();
                Err(async_graphql::Error::new("The bearer token has expired")
                    .extend_with(move |_, extensions| extensions.set("code", code)))
            })
    })
    .filter_map(futures::future::ready);
    stream.take_until(expired).chain(ending)
}

/// The root of every subscription.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Changes pushed to clients as they commit.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every customer change, as it commits.
    async fn customer_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<CustomerChange>>> {
        let own = viewer(ctx)?.own_customer();
        let changes = ctx
            .data::<Events>()?
            .customer_changes()
            .await
            .map_err(|error| from_events(&error))?;
        // A customer principal hears only of its own row (SPEC 5.2).
        let changes = futures::StreamExt::filter_map(changes, move |event| {
            let change = match event {
                Ok(event) => own.is_none_or(|own| own == event.customer_id).then(|| {
                    Ok(CustomerChange {
                        kind: event.kind,
                        customer_id: event.customer_id,
                        customer: event.customer.map(Customer::from),
                    })
                }),
                Err(error) => Some(Err(from_events(&error))),
            };
            async move { change }
        });
        Ok(until_expiry(ctx, changes))
    }

    /// Every todo change as it commits; with `customerId`, only that customer's todos.
    async fn todo_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only todos of this customer (as they are after the change).")]
        customer_id: Option<i32>,
    ) -> Result<impl Stream<Item = Result<TodoChange>>> {
        let own = viewer(ctx)?.own_customer();
        let changes = ctx
            .data::<Events>()?
            .todo_changes()
            .await
            .map_err(|error| from_events(&error))?;
        // A customer principal hears only of todos linked to it (after the change; before it,
        // for a delete), whatever it asked for.
        let wanted = move |event: &crate::events::TodoEvent| {
            (customer_id.is_none() || event.customer_id == customer_id)
                && own.is_none_or(|own| event.customer_id == Some(own))
        };
        let changes = futures::StreamExt::filter_map(changes, move |event| {
            let change = match event {
                Ok(event) => wanted(&event).then(|| {
                    Ok(TodoChange {
                        kind: event.kind,
                        todo_id: event.todo_id,
                        todo: event.todo.map(Todo::from),
                    })
                }),
                Err(error) => Some(Err(from_events(&error))),
            };
            async move { change }
        });
        Ok(until_expiry(ctx, changes))
    }
}
