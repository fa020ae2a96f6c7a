//! Browser UIs for the API that work offline: Swagger UI at `/docs`, ReDoc at `/redoc` and the
//! GraphiQL page (served by the `/graphql` handler to browsers), plus the files they load under
//! `/ui-assets/`.
//!
//! Every script and stylesheet is embedded in the binary: third-party ones are fetched by
//! `build.rs` from the npm registry at pinned versions and checksums, our own start-up scripts
//! live in `static/`. Each page sends a `Content-Security-Policy` that keeps all loads on the
//! service's own origin.

mod assets;
mod pages;

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;

/// Routes for the documentation UIs: `GET /docs` (Swagger UI), `GET /redoc` (ReDoc) and
/// `GET /ui-assets/{*path}` (the files the pages load, including those of the GraphiQL page).
///
/// Generic over the state so it can be merged into the application router whatever its state;
/// none of these handlers needs state. Both pages read the OpenAPI document from
/// `/openapi.json`, which the application serves.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/docs", get(pages::docs))
        .route("/redoc", get(pages::redoc))
        .route("/ui-assets/{*path}", get(assets::serve))
}

/// The GraphiQL page (HTML, `200`), with its `Content-Security-Policy`, for the `/graphql`
/// `GET` handler to return when a browser asks for `text/html`.
///
/// The page talks to `/graphql` over HTTP and to `/graphql/ws` (on the page's host, `ws:` or
/// `wss:` to match the page) for subscriptions; its files are served by [`router`], which must
/// therefore be mounted too.
pub fn graphiql_page() -> Response {
    pages::graphiql()
}

/// Like [`graphiql_page`], but the CSP's `connect-src` also names the subscription socket's
/// origin (`ws://<host> wss://<host>`, from the request's `Host` header), for browsers that do
/// not yet let `'self'` match WebSocket URLs (Safari before 15.5/16). Falls back to
/// [`graphiql_page`]'s CSP when `Host` is missing or not a plain `host[:port]`.
pub fn graphiql_page_for(headers: &HeaderMap) -> Response {
    pages::graphiql_for_host(
        headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok()),
    )
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::{HeaderValue, Request, StatusCode};
    use tower::ServiceExt as _;

    use super::*;

    /// Sends `GET uri` (with optional extra headers) to the UI router.
    async fn get(uri: &str, headers: &[(header::HeaderName, &str)]) -> Response {
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        router::<()>()
            .oneshot(request.body(Body::empty()).expect("valid request"))
            .await
            .expect("the router is infallible")
    }

    fn header<'a>(response: &'a Response, name: &header::HeaderName) -> &'a str {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("missing {name} header"))
            .to_str()
            .expect("ASCII header")
    }

    async fn body(response: Response) -> Vec<u8> {
        to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec()
    }

    /// The values of every `src="…"` and `href="…"` attribute in `html`.
    fn referenced_urls(html: &str) -> Vec<String> {
        let mut urls = Vec::new();
        for attribute in [" src=\"", " href=\""] {
            let mut rest = html;
            while let Some(start) = rest.find(attribute) {
                rest = &rest[start + attribute.len()..];
                let end = rest.find('"').expect("closing quote");
                urls.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
        urls
    }

    /// Checks a page response: HTML, CSP on our origin only, no inline or external script,
    /// and every file it references served with a fitting type.
    async fn check_page(response: Response, expected_scripts: usize) {
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, &header::CONTENT_TYPE).starts_with("text/html"));
        let csp = header(&response, &header::CONTENT_SECURITY_POLICY).to_owned();
        assert!(
            csp.starts_with("default-src 'self'; script-src 'self';"),
            "{csp}"
        );
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .expect("script-src");
        assert_eq!(
            script_src, "script-src 'self'",
            "no inline or eval'd script"
        );
        assert!(!csp.contains("http:") && !csp.contains("https:") && !csp.contains('*'));
        assert_eq!(
            header(&response, &header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );

        let html = String::from_utf8(body(response).await).expect("UTF-8 page");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        assert_eq!(html.matches("<script").count(), expected_scripts);
        assert_eq!(
            html.matches("<script src=\"/ui-assets/").count(),
            expected_scripts,
            "every script is one of our files, none inline"
        );

        let urls = referenced_urls(&html);
        assert!(urls.len() > expected_scripts);
        for url in urls {
            if url == "data:," {
                continue; // the empty favicon, which stops a `/favicon.ico` request
            }
            assert!(url.starts_with("/ui-assets/"), "{url}");
            let response = get(&url, &[]).await;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let content_type = header(&response, &header::CONTENT_TYPE).to_owned();
            let expected = if url.ends_with(".js") {
                "text/javascript; charset=utf-8"
            } else if url.ends_with(".css") {
                "text/css; charset=utf-8"
            } else if url.ends_with(".png") {
                "image/png"
            } else {
                panic!("unexpected asset type: {url}")
            };
            assert_eq!(content_type, expected, "{url}");
            assert_eq!(
                header(&response, &header::X_CONTENT_TYPE_OPTIONS),
                "nosniff"
            );
            assert!(
                header(&response, &header::CACHE_CONTROL).contains("max-age")
                    || url.starts_with("/ui-assets/app/")
            );
            assert!(!body(response).await.is_empty(), "{url}");
        }
    }

    #[tokio::test]
    async fn docs_page_and_its_assets() {
        let response = get("/docs", &[]).await;
        assert!(
            header(&response, &header::CONTENT_SECURITY_POLICY).contains("img-src 'self' data:")
        );
        check_page(response, 2).await;
    }

    #[tokio::test]
    async fn redoc_page_and_its_assets() {
        let response = get("/redoc", &[]).await;
        let csp = header(&response, &header::CONTENT_SECURITY_POLICY).to_owned();
        assert!(csp.contains("worker-src 'self' blob:"), "{csp}");
        // Blocks the CDN logo ReDoc 2 always requests.
        assert!(csp.contains("img-src 'self' data:"), "{csp}");
        check_page(response, 2).await;
    }

    #[tokio::test]
    async fn graphiql_page_and_its_assets() {
        let response = graphiql_page();
        assert!(header(&response, &header::CONTENT_SECURITY_POLICY).contains("connect-src 'self'"));
        check_page(response, 5).await;
        let html = String::from_utf8(body(graphiql_page()).await).expect("UTF-8");
        assert!(html.contains(r#"data-endpoint="/graphql""#));
        assert!(html.contains(r#"data-subscriptions-path="/graphql/ws""#));
    }

    #[tokio::test]
    async fn graphiql_page_for_names_the_websocket_origin() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("localhost:3000"));
        let response = graphiql_page_for(&headers);
        assert!(
            header(&response, &header::CONTENT_SECURITY_POLICY)
                .ends_with("; connect-src 'self' ws://localhost:3000 wss://localhost:3000")
        );
        check_page(response, 5).await;

        for host in ["evil; script-src *", ""] {
            headers.insert(
                header::HOST,
                HeaderValue::from_str(host).expect("header value"),
            );
            let response = graphiql_page_for(&headers);
            assert_eq!(
                header(&response, &header::CONTENT_SECURITY_POLICY),
                header(&graphiql_page(), &header::CONTENT_SECURITY_POLICY),
                "{host}"
            );
        }
        let response = graphiql_page_for(&HeaderMap::new());
        assert!(
            header(&response, &header::CONTENT_SECURITY_POLICY).ends_with("connect-src 'self'")
        );
    }

    #[tokio::test]
    async fn vendored_asset_urls_carry_their_version_and_are_immutable() {
        let response = get(assets::GRAPHIQL_JS.url, &[]).await;
        assert!(
            assets::GRAPHIQL_JS
                .url
                .starts_with("/ui-assets/graphiql@3.")
        );
        assert!(header(&response, &header::CACHE_CONTROL).contains("immutable"));
        assert!(assets::REDOC_JS.url.starts_with("/ui-assets/redoc@2."));
        assert!(
            assets::SWAGGER_UI_JS
                .url
                .starts_with("/ui-assets/swagger-ui-dist@5.")
        );
        assert!(assets::REACT_JS.url.starts_with("/ui-assets/react@18."));
        assert!(
            assets::REACT_DOM_JS
                .url
                .starts_with("/ui-assets/react-dom@18.")
        );
    }

    #[tokio::test]
    async fn every_asset_is_served_and_revalidates_with_its_etag() {
        for (index, asset) in assets::ASSETS.iter().enumerate() {
            assert!(
                assets::ASSETS[..index]
                    .iter()
                    .all(|other| other.url != asset.url),
                "duplicate {}",
                asset.url
            );
            let response = get(asset.url, &[]).await;
            assert_eq!(response.status(), StatusCode::OK, "{}", asset.url);
            let etag = header(&response, &header::ETAG).to_owned();
            let cached = get(asset.url, &[(header::IF_NONE_MATCH, &etag)]).await;
            assert_eq!(cached.status(), StatusCode::NOT_MODIFIED, "{}", asset.url);
            assert!(body(cached).await.is_empty());
        }
    }

    #[tokio::test]
    async fn unknown_assets_are_404() {
        for uri in [
            "/ui-assets/nope.js",
            "/ui-assets/graphiql@0.0.1/graphiql.min.js",
            "/ui-assets/app/",
            "/ui-assets/app/../ui.css",
        ] {
            let response = get(uri, &[]).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{uri}");
            assert_eq!(
                header(&response, &header::X_CONTENT_TYPE_OPTIONS),
                "nosniff"
            );
        }
    }

    #[test]
    fn start_up_scripts_use_the_bundles_globals() {
        let init = std::str::from_utf8(assets::GRAPHIQL_INIT_JS.body).expect("UTF-8");
        assert!(init.contains("GraphiQL.createFetcher") && init.contains("graphqlWs.createClient"));
        let init = std::str::from_utf8(assets::REDOC_INIT_JS.body).expect("UTF-8");
        assert!(init.contains("Redoc.init"));
        let init = std::str::from_utf8(assets::SWAGGER_INIT_JS.body).expect("UTF-8");
        assert!(init.contains("SwaggerUIBundle(") && init.contains("validatorUrl: null"));
    }
}
