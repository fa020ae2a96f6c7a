//! Who a GraphQL request runs as.

use async_graphql::{Context, ErrorExtensions, Result};
use service::Principal;

use super::error::Code;

/// The principal of the request, as the service's rules need it. The HTTP and WebSocket
/// handlers put it in the request's data; while access control is off the schema's own
/// data holds `Admin` for every request (SPEC 5: no key settings, every request is admin).
pub(crate) fn viewer(ctx: &Context<'_>) -> Result<Principal> {
    ctx.data_opt::<Principal>().copied().ok_or_else(|| {
        let code = Code::Unauthenticated.as_str();
        async_graphql::Error::new("Authentication required")
            .extend_with(move |_, extensions| extensions.set("code", code))
    })
}
