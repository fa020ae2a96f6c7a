//! End-to-end tests of the REST compatibility routes, through the real router.
