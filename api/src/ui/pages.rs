//! The three HTML pages (Swagger UI, ReDoc, GraphiQL) and the security headers they are sent
//! with.
//!
//! Each page only references files under `/ui-assets/` and starts its UI from one of our own
//! scripts, so its `Content-Security-Policy` can keep every load on the service's own origin
//! and allow no inline or evaluated script.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::assets::{
    APP_CSS, GRAPHIQL_CSS, GRAPHIQL_INIT_JS, GRAPHIQL_JS, GRAPHQL_WS_JS, REACT_DOM_JS, REACT_JS,
    REDOC_INIT_JS, REDOC_JS, SWAGGER_INIT_JS, SWAGGER_UI_CSS, SWAGGER_UI_FAVICON, SWAGGER_UI_JS,
};

/// Where the pages load the OpenAPI document from.
const OPENAPI_URL: &str = "/openapi.json";
/// The GraphQL endpoint (queries and mutations over HTTP).
const GRAPHQL_URL: &str = "/graphql";
/// Path of the GraphQL WebSocket endpoint (subscriptions), on the page's own host.
const GRAPHQL_WS_PATH: &str = "/graphql/ws";

/// Builds a page's CSP: the directives every page shares (everything from our own origin only,
/// scripts only from our files, no plugins, no `<base>` tricks, no framing by other sites)
/// followed by the page's own additions.
macro_rules! csp {
    ($($directive:literal),+ $(,)?) => {
        concat!(
            "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; ",
            "form-action 'self'; frame-ancestors 'none'"
            $(, "; ", $directive)+
        )
    };
}

/// CSP for `/docs`. Swagger UI's stylesheet uses `data:` SVG icons; "Try it out" requests go to
/// our own origin. Styles need nothing beyond `default-src 'self'`: Swagger UI only sets styles
/// through the DOM (checked in Chromium with Try it out, with no violation).
pub(super) const DOCS_CSP: &str = csp!("img-src 'self' data:", "connect-src 'self'");

/// CSP for `/redoc`. ReDoc injects its styles with styled-components (`'unsafe-inline'`
/// styles) and runs its search index in a worker created from a `blob:` URL. `img-src` also
/// blocks the logo ReDoc 2 always tries to load from its CDN (it hides the image on error).
pub(super) const REDOC_CSP: &str = csp!(
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
);

/// CSP for the GraphiQL page. Its stylesheet embeds fonts and icons as `data:` URLs; its
/// dialogs (Radix UI) inject a `<style>` element, hence `'unsafe-inline'` styles.
/// `connect-src 'self'` covers the HTTP endpoint and, in browsers implementing CSP Level 3
/// (current Chrome, Firefox and Safari), the same-origin `ws:`/`wss:` subscription socket;
/// [`graphiql_for_host`] also names the socket's origin explicitly for older browsers.
/// `connect-src` must stay the last directive (see [`graphiql_for_host`]).
pub(super) const GRAPHIQL_CSP: &str = csp!(
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
);

/// The Swagger UI page.
static DOCS_HTML: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customers &amp; Todos API · Swagger UI</title>
<link rel="icon" type="image/png" href="{favicon}">
<link rel="stylesheet" href="{swagger_css}">
<link rel="stylesheet" href="{app_css}">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{swagger_js}"></script>
<script src="{init_js}"></script>
</body>
</html>
"#,
        favicon = SWAGGER_UI_FAVICON.url,
        swagger_css = SWAGGER_UI_CSS.url,
        app_css = APP_CSS.url,
        openapi = OPENAPI_URL,
        swagger_js = SWAGGER_UI_JS.url,
        init_js = SWAGGER_INIT_JS.url,
    )
});

/// The ReDoc page.
static REDOC_HTML: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customers &amp; Todos API · ReDoc</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{app_css}">
</head>
<body>
<div id="redoc" data-openapi-url="{openapi}"></div>
<script src="{redoc_js}"></script>
<script src="{init_js}"></script>
</body>
</html>
"#,
        app_css = APP_CSS.url,
        openapi = OPENAPI_URL,
        redoc_js = REDOC_JS.url,
        init_js = REDOC_INIT_JS.url,
    )
});

/// The GraphiQL page.
static GRAPHIQL_HTML: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customers &amp; Todos API · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{graphiql_css}">
<link rel="stylesheet" href="{app_css}">
</head>
<body class="graphiql">
<div id="graphiql" data-endpoint="{endpoint}" data-subscriptions-path="{ws_path}">Loading GraphiQL…</div>
<script src="{react_js}"></script>
<script src="{react_dom_js}"></script>
<script src="{graphql_ws_js}"></script>
<script src="{graphiql_js}"></script>
<script src="{init_js}"></script>
</body>
</html>
"#,
        graphiql_css = GRAPHIQL_CSS.url,
        app_css = APP_CSS.url,
        endpoint = GRAPHQL_URL,
        ws_path = GRAPHQL_WS_PATH,
        react_js = REACT_JS.url,
        react_dom_js = REACT_DOM_JS.url,
        graphql_ws_js = GRAPHQL_WS_JS.url,
        graphiql_js = GRAPHIQL_JS.url,
        init_js = GRAPHIQL_INIT_JS.url,
    )
});

/// An HTML response with the page's CSP and headers that keep the page from being sniffed,
/// cached stale or leaking its URL as a referrer.
fn page(html: &'static str, csp: &'static str) -> Response {
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /docs`: Swagger UI for `/openapi.json`.
pub(super) async fn docs() -> Response {
    page(DOCS_HTML.as_str(), DOCS_CSP)
}

/// `GET /redoc`: ReDoc for `/openapi.json`.
pub(super) async fn redoc() -> Response {
    page(REDOC_HTML.as_str(), REDOC_CSP)
}

/// The GraphiQL page (see [`super::graphiql_page`]).
pub(super) fn graphiql() -> Response {
    page(GRAPHIQL_HTML.as_str(), GRAPHIQL_CSP)
}

/// The GraphiQL page whose CSP also lists `ws://<host>` and `wss://<host>` for the `Host`
/// request header (see [`super::graphiql_page_for`]); without a usable `Host`, the same as
/// [`graphiql`].
pub(super) fn graphiql_for_host(host: Option<&str>) -> Response {
    let Some(host) = host.filter(|host| is_plain_host(host)) else {
        return graphiql();
    };
    let csp = format!("{GRAPHIQL_CSP} ws://{host} wss://{host}");
    let mut response = graphiql();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// Whether `host` is a bare `name[:port]`, `IPv4[:port]` or `[IPv6][:port]`, safe to put into
/// a CSP source expression (no spaces, `;`, `,`, `*`, paths or schemes).
fn is_plain_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') || name.ends_with(']') => (name, Some(port)),
        _ => (host, None),
    };
    let name_ok = if let Some(ipv6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        !ipv6.is_empty()
            && ipv6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !name.is_empty()
            && name.len() <= 253
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    name_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_hosts_are_accepted_and_anything_else_rejected() {
        for host in [
            "localhost",
            "localhost:8080",
            "api.example.com",
            "127.0.0.1:3000",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(is_plain_host(host), "{host}");
        }
        for host in [
            "",
            ":80",
            "a b",
            "evil;script-src *",
            "x,y",
            "*",
            "h:",
            "h:123456",
            "h/p",
            "::1",
            "[]",
            "host:80:90",
        ] {
            assert!(!is_plain_host(host), "{host}");
        }
    }

    #[test]
    fn connect_src_is_the_last_graphiql_directive() {
        assert!(GRAPHIQL_CSP.ends_with("; connect-src 'self'"));
    }
}
