//! Customer writes: create, create many, upsert, update, delete, each checked against the
//! principal's role first and announced once written.

use service::access::{self, Action};
use service::customer::{self as customers, Customer, CustomerPatch, NewCustomer};
use service::{BatchError, Patch, Principal, Result, Valid};

use super::Writer;
use crate::events::{Change, ChangeKind};

impl Writer {
    /// Creates a customer and announces it.
    pub async fn create_customer(
        &self,
        principal: Principal,
        new: Valid<NewCustomer>,
    ) -> Result<Customer> {
        access::authorize(principal, Action::CreateCustomer)?;
        self.run(move |db| async move {
            let customer = customers::create(&db, new).await?;
            let change = Change::customer(ChangeKind::Created, &customer);
            Ok((customer, vec![change]))
        })
        .await
    }

    /// Creates every customer or none, and announces each once all are committed.
    pub async fn create_customers(
        &self,
        principal: Principal,
        news: Vec<NewCustomer>,
    ) -> Result<Vec<Customer>, BatchError> {
        access::authorize(principal, Action::CreateCustomer).map_err(BatchError::of_whole)?;
        self.run(move |db| async move {
            let created = customers::create_many(&db, news).await?;
            let changes = created
                .iter()
                .map(|customer| Change::customer(ChangeKind::Created, customer))
                .collect();
            Ok((created, changes))
        })
        .await
    }

    /// Creates the customer or replaces the one with its email, and announces which.
    pub async fn upsert_customer(
        &self,
        principal: Principal,
        new: Valid<NewCustomer>,
    ) -> Result<Customer> {
        access::authorize(principal, Action::CreateCustomer)?;
        self.run(move |db| async move {
            let (customer, created) = customers::upsert(&db, new).await?;
            let kind = if created {
                ChangeKind::Created
            } else {
                ChangeKind::Updated
            };
            let change = Change::customer(kind, &customer);
            Ok((customer, vec![change]))
        })
        .await
    }

    /// Changes a customer and announces it.
    pub async fn update_customer(
        &self,
        principal: Principal,
        customer_id: i32,
        patch: Valid<CustomerPatch>,
    ) -> Result<Customer> {
        let sets_email = matches!(patch.email, Patch::Set(_));
        access::authorize(principal, Action::UpdateCustomer { sets_email })?;
        self.run(move |db| async move {
            let customer = customers::update(&db, principal, customer_id, patch).await?;
            let change = Change::customer(ChangeKind::Updated, &customer);
            Ok((customer, vec![change]))
        })
        .await
    }

    /// Deletes a customer, announces it, and returns the row as it was.
    pub async fn delete_customer(
        &self,
        principal: Principal,
        customer_id: i32,
    ) -> Result<Customer> {
        access::authorize(principal, Action::DeleteCustomer)?;
        self.run(move |db| async move {
            let customer = customers::delete(&db, principal, customer_id).await?;
            let change = Change::customer(ChangeKind::Deleted, &customer);
            Ok((customer, vec![change]))
        })
        .await
    }
}
