//! The static files behind the documentation pages, embedded in the binary and served under
//! `/ui-assets/`, so the pages work with no internet access.
//!
//! Third-party files come from npm tarballs that `build.rs` fetched at pinned versions and
//! verified against pinned checksums; their URLs carry the package version
//! (`/ui-assets/graphiql@3.9.0/graphiql.min.js`), so they are cached as immutable. Our own
//! start-up scripts and stylesheet (in `static/`) live under `/ui-assets/app/`, are revalidated
//! on every use and carry a content-hash `ETag`.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// URL prefix of every asset.
pub(super) const PREFIX: &str = "/ui-assets/";

/// Where an asset comes from, which decides how long browsers may cache it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// A pinned npm package: the version is in the URL, so the content never changes.
    Npm,
    /// Our own file: it changes with the code, so browsers revalidate it.
    App,
}

/// One embedded file.
#[derive(Debug)]
pub(super) struct Asset {
    /// Absolute URL path, starting with [`PREFIX`].
    pub(super) url: &'static str,
    /// The file's bytes.
    pub(super) body: &'static [u8],
    /// Where it comes from.
    pub(super) origin: Origin,
}

/// An asset from a pinned npm package that `build.rs` extracted to `$OUT_DIR/npm/<package>/`;
/// `$version_env` names the `rustc-env` variable holding the package version.
macro_rules! npm_asset {
    ($package:literal, $version_env:literal, $file:literal) => {
        Asset {
            url: concat!("/ui-assets/", $package, "@", env!($version_env), "/", $file),
            body: include_bytes!(concat!(env!("OUT_DIR"), "/npm/", $package, "/", $file)),
            origin: Origin::Npm,
        }
    };
}

/// One of our own files from `src/ui/static/`.
macro_rules! app_asset {
    ($file:literal) => {
        Asset {
            url: concat!("/ui-assets/app/", $file),
            body: include_bytes!(concat!("static/", $file)),
            origin: Origin::App,
        }
    };
}

/// Swagger UI's bundle (defines `SwaggerUIBundle`).
pub(super) static SWAGGER_UI_JS: Asset = npm_asset!(
    "swagger-ui-dist",
    "UI_SWAGGER_UI_VERSION",
    "swagger-ui-bundle.js"
);
/// Swagger UI's stylesheet.
pub(super) static SWAGGER_UI_CSS: Asset =
    npm_asset!("swagger-ui-dist", "UI_SWAGGER_UI_VERSION", "swagger-ui.css");
/// Swagger UI's favicon, used by the `/docs` page.
pub(super) static SWAGGER_UI_FAVICON: Asset = npm_asset!(
    "swagger-ui-dist",
    "UI_SWAGGER_UI_VERSION",
    "favicon-32x32.png"
);
/// ReDoc's standalone bundle (defines `Redoc`, brings its own styles).
pub(super) static REDOC_JS: Asset =
    npm_asset!("redoc", "UI_REDOC_VERSION", "bundles/redoc.standalone.js");
/// React 18 UMD build (defines `React`), needed by GraphiQL's UMD bundle.
pub(super) static REACT_JS: Asset =
    npm_asset!("react", "UI_REACT_VERSION", "umd/react.production.min.js");
/// React DOM 18 UMD build (defines `ReactDOM`).
pub(super) static REACT_DOM_JS: Asset = npm_asset!(
    "react-dom",
    "UI_REACT_DOM_VERSION",
    "umd/react-dom.production.min.js"
);
/// graphql-ws UMD build (defines `graphqlWs`), the WebSocket client for subscriptions.
pub(super) static GRAPHQL_WS_JS: Asset = npm_asset!(
    "graphql-ws",
    "UI_GRAPHQL_WS_VERSION",
    "umd/graphql-ws.min.js"
);
/// GraphiQL 3 UMD bundle (defines `GraphiQL`).
pub(super) static GRAPHIQL_JS: Asset =
    npm_asset!("graphiql", "UI_GRAPHIQL_VERSION", "graphiql.min.js");
/// GraphiQL's stylesheet.
pub(super) static GRAPHIQL_CSS: Asset =
    npm_asset!("graphiql", "UI_GRAPHIQL_VERSION", "graphiql.min.css");
/// Our layout stylesheet for the three pages.
pub(super) static APP_CSS: Asset = app_asset!("ui.css");
/// Starts Swagger UI on `/docs`.
pub(super) static SWAGGER_INIT_JS: Asset = app_asset!("swagger-init.js");
/// Starts ReDoc on `/redoc`.
pub(super) static REDOC_INIT_JS: Asset = app_asset!("redoc-init.js");
/// Starts GraphiQL on the GraphiQL page.
pub(super) static GRAPHIQL_INIT_JS: Asset = app_asset!("graphiql-init.js");

/// Every asset served under [`PREFIX`].
pub(super) static ASSETS: &[&Asset] = &[
    &SWAGGER_UI_JS,
    &SWAGGER_UI_CSS,
    &SWAGGER_UI_FAVICON,
    &REDOC_JS,
    &REACT_JS,
    &REACT_DOM_JS,
    &GRAPHQL_WS_JS,
    &GRAPHIQL_JS,
    &GRAPHIQL_CSS,
    &APP_CSS,
    &SWAGGER_INIT_JS,
    &REDOC_INIT_JS,
    &GRAPHIQL_INIT_JS,
];

impl Asset {
    /// The `Content-Type`, from the file extension.
    pub(super) fn content_type(&self) -> &'static str {
        match self.url.rsplit_once('.').map(|(_, ext)| ext) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("png") => "image/png",
            Some("svg") => "image/svg+xml",
            Some("json") => "application/json",
            _ => "application/octet-stream",
        }
    }

    /// The `Cache-Control` policy: versioned npm files never change, our own files are
    /// revalidated against their `ETag`.
    fn cache_control(&self) -> &'static str {
        match self.origin {
            Origin::Npm => "public, max-age=31536000, immutable",
            Origin::App => "no-cache",
        }
    }

    /// A strong `ETag`: the versioned URL for npm files, a content hash for our own.
    fn etag(&self) -> String {
        match self.origin {
            Origin::Npm => format!("\"{}\"", &self.url[PREFIX.len()..]),
            Origin::App => format!("\"{:016x}\"", fnv1a64(self.body)),
        }
    }
}

/// FNV-1a, 64 bit: a cheap, stable content hash for `ETag`s (not a security measure).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Finds the asset for a path below [`PREFIX`] (without the prefix).
pub(super) fn find(path: &str) -> Option<&'static Asset> {
    ASSETS
        .iter()
        .copied()
        .find(|asset| asset.url.strip_prefix(PREFIX) == Some(path))
}

/// `GET /ui-assets/{*path}`: the embedded file with its type and caching headers, `304` when
/// the browser's `If-None-Match` still matches, `404` for anything else.
pub(super) async fn serve(Path(path): Path<String>, request_headers: HeaderMap) -> Response {
    let Some(asset) = find(&path) else {
        return (
            StatusCode::NOT_FOUND,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            "asset not found\n",
        )
            .into_response();
    };

    let etag = asset.etag();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(asset.cache_control()),
    );
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }

    if etag_matches(&request_headers, &etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type()),
    );
    (headers, asset.body).into_response()
}

/// Whether `If-None-Match` lists `etag` (or `*`); weak comparison, as RFC 9110 asks for.
fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}
