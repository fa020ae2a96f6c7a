//! The customer mutations of the `Mutation` root; every write goes through [`Writer`].

use async_graphql::{Context, Object, Result};
use service::Validate;
use service::customer::NewCustomer;

use super::Customer;
use super::input::{CreateCustomerInput, CustomerPatch};
use crate::graphql::arguments::check_batch_size;
use crate::graphql::error::{ServiceResultExt, from_batch};
use crate::graphql::viewer::viewer;
use crate::write::Writer;

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
        let new = NewCustomer::from(input).validate().gql()?;
        let customer = ctx
            .data::<Writer>()?
            .create_customer(viewer(ctx)?, new)
            .await
            .gql()?;
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
        let news = inputs.into_iter().map(NewCustomer::from).collect();
        let created = ctx
            .data::<Writer>()?
            .create_customers(viewer(ctx)?, news)
            .await
            .map_err(|error| from_batch(&error))?;
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
        let new = NewCustomer::from(input).validate().gql()?;
        let customer = ctx
            .data::<Writer>()?
            .upsert_customer(viewer(ctx)?, new)
            .await
            .gql()?;
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
        let patch = patch.into_service()?.validate().gql()?;
        let customer = ctx
            .data::<Writer>()?
            .update_customer(viewer(ctx)?, customer_id, patch)
            .await
            .gql()?;
        Ok(customer.into())
    }

    /// Deletes a customer and returns it as it was; its todos are kept, with no customer.
    async fn delete_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's number.")] customer_id: i32,
    ) -> Result<Customer> {
        let customer = ctx
            .data::<Writer>()?
            .delete_customer(viewer(ctx)?, customer_id)
            .await
            .gql()?;
        Ok(customer.into())
    }
}
