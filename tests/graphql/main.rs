//! End-to-end tests of the GraphQL API, through the real router.
