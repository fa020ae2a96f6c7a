//! Request parsing that answers like FastAPI: every malformed body, path or query gets a
//! 422 listing each problem, never a 500 and never axum's plain-text rejections.

mod fields;
mod integer;
mod json_body;
mod list_params;
mod path_id;

pub use fields::{BodyReader, both};
pub use json_body::JsonObject;
pub use list_params::LimitOffset;
pub use path_id::PathId;
