//! Customer writes: create, create many, upsert, update, delete, each checked against the
//! principal's role first and announced after.

use service::access::{self, Action};
use service::customer::{self as customers, Customer, CustomerPatch, NewCustomer};
use service::{BatchError, Patch, Principal, Result, Valid};

use super::Writer;
use crate::events::ChangeKind;

impl Writer {
    /// Creates a customer and announces it.
    pub async fn create_customer(
        &self,
        principal: Principal,
        new: Valid<NewCustomer>,
    ) -> Result<Customer> {
        access::authorize(principal, Action::CreateCustomer)?;
        let customer = customers::create(&self.db, new).await?;
        self.customer_changed(ChangeKind::Created, &customer);
        Ok(customer)
    }

    /// Creates every customer or none, and announces each once all are committed.
    pub async fn create_customers(
        &self,
        principal: Principal,
        news: Vec<NewCustomer>,
    ) -> Result<Vec<Customer>, BatchError> {
        access::authorize(principal, Action::CreateCustomer).map_err(BatchError::of_whole)?;
        let created = customers::create_many(&self.db, news).await?;
        for customer in &created {
            self.customer_changed(ChangeKind::Created, customer);
        }
        Ok(created)
    }

    /// Creates the customer or replaces the one with its email, and announces which.
    pub async fn upsert_customer(
        &self,
        principal: Principal,
        new: Valid<NewCustomer>,
    ) -> Result<Customer> {
        access::authorize(principal, Action::CreateCustomer)?;
        let (customer, created) = customers::upsert(&self.db, new).await?;
        let kind = if created {
            ChangeKind::Created
        } else {
            ChangeKind::Updated
        };
        self.customer_changed(kind, &customer);
        Ok(customer)
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
        let customer = customers::update(&self.db, principal, customer_id, patch).await?;
        self.customer_changed(ChangeKind::Updated, &customer);
        Ok(customer)
    }

    /// Deletes a customer, announces it, and returns the row as it was.
    pub async fn delete_customer(
        &self,
        principal: Principal,
        customer_id: i32,
    ) -> Result<Customer> {
        access::authorize(principal, Action::DeleteCustomer)?;
        let customer = customers::delete(&self.db, principal, customer_id).await?;
        self.customer_changed(ChangeKind::Deleted, &customer);
        Ok(customer)
    }

    /// The event of one customer write; a deleted customer's event carries no row.
    fn customer_changed(&self, kind: ChangeKind, customer: &Customer) {
        let row = (kind != ChangeKind::Deleted).then_some(customer);
        self.events.customer(kind, customer.customer_id, row);
    }
}
