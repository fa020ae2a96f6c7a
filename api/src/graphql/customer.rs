//! The `Customer` type with its queries and mutations.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use service::Patch;
use service::customer::{self as customers, CustomerPatch as ServicePatch, NewCustomer};
use service::todo::TodoQuery;

use super::connection::{CountOf, CustomerConnection, PageArgs, TodoConnection};
use super::error::{ServiceResultExt, bad_input, from_batch};
use super::filter::{CustomerFilter, TodoFilter};
use super::ids::{NodeType, encode_node_id};
use super::loader::{CustomerTodosKey, Loaders};
use super::order::{CustomerOrderBy, TodoOrderBy};
use crate::events::{ChangeKind, Events};

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
    #[graphql(complexity = "super::connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
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
        let query: TodoQuery = PageArgs {
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
            CountOf::TodosOfCustomer(customer_id, filter),
            &query.order,
        ))
    }
}

/// The fields of a new customer.
#[derive(Debug, InputObject)]
pub struct CreateCustomerInput {
    /// Given name; must not be blank.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Family name; must not be blank.
    pub last_name: String,
    /// Name suffix such as "Jr.".
    pub suffix: Option<String>,
    /// A valid email address no other customer has.
    pub email: String,
    /// Phone number, free text.
    pub phone: Option<String>,
}

impl From<CreateCustomerInput> for NewCustomer {
    fn from(input: CreateCustomerInput) -> Self {
        Self {
            first_name: input.first_name,
            middle_name: input.middle_name,
            last_name: input.last_name,
            suffix: input.suffix,
            email: input.email,
            phone: input.phone,
        }
    }
}

/// Changes to a customer: an omitted field is left as it is, an explicit `null` clears an
/// optional field (and is refused for a required one).
#[derive(Debug, Default, InputObject)]
pub struct CustomerPatch {
    /// New given name; must not be blank or null.
    pub first_name: MaybeUndefined<String>,
    /// New middle name, or null to clear it.
    pub middle_name: MaybeUndefined<String>,
    /// New family name; must not be blank or null.
    pub last_name: MaybeUndefined<String>,
    /// New suffix, or null to clear it.
    pub suffix: MaybeUndefined<String>,
    /// New email; valid, not taken, not null.
    pub email: MaybeUndefined<String>,
    /// New phone, or null to clear it.
    pub phone: MaybeUndefined<String>,
}

/// Refuses a batch larger than the largest page, so one request cannot hold a transaction
/// open for an unbounded number of rows.
pub(crate) fn check_batch_size(ctx: &Context<'_>, size: usize) -> Result<()> {
    let max = ctx.data::<super::connection::PageLimits>()?.max_size;
    if u64::try_from(size).unwrap_or(u64::MAX) > max {
        return Err(bad_input(
            "inputs",
            format!("inputs must have at most {max} items"),
        ));
    }
    Ok(())
}

/// A required field of a patch: absent keeps it, `null` is refused.
pub(crate) fn required<T>(field: &str, value: MaybeUndefined<T>) -> Result<Patch<T>> {
    match value {
        MaybeUndefined::Undefined => Ok(Patch::Keep),
        MaybeUndefined::Null => Err(bad_input(field, format!("{field} cannot be null"))),
        MaybeUndefined::Value(value) => Ok(Patch::Set(value)),
    }
}

/// An optional field of a patch: absent keeps it, `null` clears it.
pub(crate) fn nullable<T>(value: MaybeUndefined<T>) -> Patch<Option<T>> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Set(None),
        MaybeUndefined::Value(value) => Patch::Set(Some(value)),
    }
}

impl CustomerPatch {
    fn into_service(self) -> Result<ServicePatch> {
        Ok(ServicePatch {
            first_name: required("firstName", self.first_name)?,
            middle_name: nullable(self.middle_name),
            last_name: required("lastName", self.last_name)?,
            suffix: nullable(self.suffix),
            email: required("email", self.email)?,
            phone: nullable(self.phone),
        })
    }
}

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
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(customers::find(db, customer_id)
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
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(customers::find_by_email(db, &email)
            .await
            .gql()?
            .map(Customer::from))
    }

    /// Customers, a page at a time, in `customerId` order unless `orderBy` says otherwise.
    #[graphql(complexity = "super::connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
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
        let query: customers::CustomerQuery = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_query(ctx, NodeType::Customer, filter, order_by)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let page = customers::page(db, &query).await.gql()?;
        Ok(CustomerConnection::new(
            page,
            CountOf::Customers(query.filter.map(Arc::new)),
            &query.order,
        ))
    }
}

/// Customer changes.
#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Creates a customer. A taken email is a `CONFLICT` on `email`.
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new customer's fields.")] input: CreateCustomerInput,
    ) -> Result<Customer> {
        let db = ctx.data::<DatabaseConnection>()?;
        let customer = customers::create(db, input.into()).await.gql()?;
        ctx.data::<Events>()?
            .customer(ChangeKind::Created, customer.customer_id, Some(&customer));
        Ok(customer.into())
    }

    /// Creates several customers, all or none, in order. The first failure rolls back
    /// everything; its error's `extensions.index` is the position of the failing input.
    async fn create_customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new customers' fields; at most the maximum page size.")] inputs: Vec<
            CreateCustomerInput,
        >,
    ) -> Result<Vec<Customer>> {
        check_batch_size(ctx, inputs.len())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let created = customers::create_many(db, inputs.into_iter().map(Into::into).collect())
            .await
            .map_err(|error| from_batch(&error))?;
        let events = ctx.data::<Events>()?;
        for customer in &created {
            events.customer(ChangeKind::Created, customer.customer_id, Some(customer));
        }
        Ok(created.into_iter().map(Customer::from).collect())
    }

    /// Creates the customer, or updates the one with the same email (compared as stored):
    /// every other field is replaced by the input's.
    async fn upsert_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's fields; `email` decides which customer.")]
        input: CreateCustomerInput,
    ) -> Result<Customer> {
        let db = ctx.data::<DatabaseConnection>()?;
        let (customer, created) = customers::upsert(db, input.into()).await.gql()?;
        let kind = if created {
            ChangeKind::Created
        } else {
            ChangeKind::Updated
        };
        ctx.data::<Events>()?
            .customer(kind, customer.customer_id, Some(&customer));
        Ok(customer.into())
    }

    /// Changes the given fields of a customer; `NOT_FOUND` if there is no such customer.
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's number.")] customer_id: i32,
        #[graphql(desc = "The fields to change; omitted fields stay as they are.")]
        patch: CustomerPatch,
    ) -> Result<Customer> {
        let db = ctx.data::<DatabaseConnection>()?;
        let customer = customers::update(db, customer_id, patch.into_service()?)
            .await
            .gql()?;
        ctx.data::<Events>()?
            .customer(ChangeKind::Updated, customer.customer_id, Some(&customer));
        Ok(customer.into())
    }

    /// Deletes a customer and returns it as it was; its todos are kept, with no customer.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's number.")] customer_id: i32,
    ) -> Result<Customer> {
        let db = ctx.data::<DatabaseConnection>()?;
        let customer = customers::delete(db, customer_id).await.gql()?;
        ctx.data::<Events>()?
            .customer(ChangeKind::Deleted, customer.customer_id, None);
        Ok(customer.into())
    }
}
