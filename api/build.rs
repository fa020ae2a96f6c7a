//! Build script: fetches the pinned third-party browser assets (Swagger UI, ReDoc, GraphiQL and
//! their runtime dependencies) from the npm registry, verifies each tarball against its pinned
//! `sha512` integrity string and extracts only the files the `ui` module serves into `OUT_DIR`.
//!
//! Why: the documentation pages must work with no internet access, yet vendoring minified
//! third-party bundles into the repository is not allowed. Pinning the exact version *and* the
//! registry's integrity hash makes the build reproducible and tamper-evident.
//!
//! Tarballs are cached outside the repository (see [`cache_dir`]) so rebuilds and CI runs do not
//! download them again; a cached tarball is re-verified before every use.
//!
//! Environment:
//! - `WEB_ASSETS_CACHE_DIR`: download cache directory (default
//!   `$XDG_CACHE_HOME/customers-todos/npm`, else `$HOME/.cache/customers-todos/npm`).
//! - `WEB_ASSETS_NPM_REGISTRY`: registry base URL (default `https://registry.npmjs.org`), for
//!   a mirror; the pinned checksums still apply.
//! - `HTTPS_PROXY` / `https_proxy` (and `NO_PROXY`): honoured for the download.
//!
//! For each package the crate gets `UI_<NAME>_VERSION` (e.g. `UI_GRAPHIQL_VERSION`) as a
//! compile-time environment variable, and the files under `$OUT_DIR/npm/<package>/<path>`.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha512};

/// One pinned npm package and the files (paths inside the package) that the crate embeds.
struct NpmPackage {
    /// Package name on the registry.
    name: &'static str,
    /// Exact version.
    version: &'static str,
    /// The registry's `dist.integrity` value (`sha512-<base64>`).
    integrity: &'static str,
    /// Name of the `rustc-env` variable that receives the version.
    version_env: &'static str,
    /// Files to extract, relative to the package root.
    files: &'static [&'static str],
}

/// The pinned packages. To upgrade one: `npm view <name>@<version> dist.integrity`, then change
/// both `version` and `integrity` here.
const PACKAGES: &[NpmPackage] = &[
    NpmPackage {
        name: "swagger-ui-dist",
        version: "5.35.0",
        integrity: "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        version_env: "UI_SWAGGER_UI_VERSION",
        files: &[
            "swagger-ui-bundle.js",
            "swagger-ui.css",
            "favicon-32x32.png",
        ],
    },
    NpmPackage {
        name: "redoc",
        version: "2.5.4",
        integrity: "sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
        version_env: "UI_REDOC_VERSION",
        files: &["bundles/redoc.standalone.js"],
    },
    NpmPackage {
        name: "graphiql",
        version: "3.9.0",
        integrity: "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        version_env: "UI_GRAPHIQL_VERSION",
        files: &["graphiql.min.js", "graphiql.min.css"],
    },
    NpmPackage {
        name: "react",
        version: "18.3.1",
        integrity: "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        version_env: "UI_REACT_VERSION",
        files: &["umd/react.production.min.js"],
    },
    NpmPackage {
        name: "react-dom",
        version: "18.3.1",
        integrity: "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        version_env: "UI_REACT_DOM_VERSION",
        files: &["umd/react-dom.production.min.js"],
    },
    NpmPackage {
        name: "graphql-ws",
        version: "6.4.2",
        integrity: "sha512-wxhPhhOGJo8PbGDkBYVE76sZLDrS+GkyrR4bZECSLVbo0pZZNKs0HtBh2Ip/uaUuiVUxwO9ssI9R92buQfNSqQ==",
        version_env: "UI_GRAPHQL_WS_VERSION",
        files: &["umd/graphql-ws.min.js"],
    },
];

/// Default registry base URL.
const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org";

/// Upper bound on a tarball's size, so a misbehaving server cannot exhaust memory.
const MAX_TARBALL_BYTES: u64 = 64 * 1024 * 1024;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WEB_ASSETS_CACHE_DIR");
    println!("cargo:rerun-if-env-changed=WEB_ASSETS_NPM_REGISTRY");

    if let Err(message) = run() {
        eprintln!("error: fetching the web UI assets failed: {message}");
        std::process::exit(1);
    }
}

/// Fetches, verifies and extracts every package; returns a human-readable error.
fn run() -> Result<(), String> {
    let out_dir =
        PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set (not run by cargo?)")?);
    let cache = cache_dir();
    let registry = std::env::var("WEB_ASSETS_NPM_REGISTRY")
        .ok()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REGISTRY.to_owned());
    let registry = registry.trim().trim_end_matches('/');

    let mut agent = None;
    for package in PACKAGES {
        let url = tarball_url(registry, package);
        let tarball = obtain_tarball(package, &url, cache.as_deref(), &mut agent)?;
        let dest = out_dir.join("npm").join(package.name);
        extract(package, &url, &tarball, &dest)?;
        println!(
            "cargo:rustc-env={}={}",
            package.version_env, package.version
        );
    }
    Ok(())
}

/// The registry's conventional tarball URL: `<registry>/<name>/-/<basename>-<version>.tgz`.
fn tarball_url(registry: &str, package: &NpmPackage) -> String {
    format!(
        "{registry}/{}/-/{}-{}.tgz",
        package.name,
        basename(package),
        package.version
    )
}

/// The unscoped part of the package name (`@scope/x` → `x`).
fn basename(package: &NpmPackage) -> &'static str {
    package.name.rsplit('/').next().unwrap_or(package.name)
}

/// Where downloaded tarballs are kept between builds, if anywhere.
fn cache_dir() -> Option<PathBuf> {
    let non_empty = |key: &str| {
        std::env::var_os(key)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = non_empty("WEB_ASSETS_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("customers-todos").join("npm"));
    }
    if let Some(home) = non_empty("HOME") {
        return Some(home.join(".cache").join("customers-todos").join("npm"));
    }
    println!(
        "cargo:warning=no WEB_ASSETS_CACHE_DIR, XDG_CACHE_HOME or HOME: web UI assets are not cached"
    );
    None
}

/// Returns the verified tarball bytes, from the cache when it holds a good copy, else from the
/// registry (then stores it in the cache).
fn obtain_tarball(
    package: &NpmPackage,
    url: &str,
    cache: Option<&Path>,
    agent: &mut Option<ureq::Agent>,
) -> Result<Vec<u8>, String> {
    let cached =
        cache.map(|dir| dir.join(format!("{}-{}.tgz", basename(package), package.version)));

    if let Some(path) = &cached {
        match fs::read(path) {
            Ok(bytes) => match verify(package, &bytes) {
                Ok(()) => return Ok(bytes),
                Err(actual) => {
                    println!(
                        "cargo:warning=cached {} has checksum {actual}, expected {}; fetching it again",
                        path.display(),
                        package.integrity
                    );
                    // Best effort: it is overwritten below anyway.
                    let _ = fs::remove_file(path);
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => println!("cargo:warning=cannot read cached {}: {e}", path.display()),
        }
    }

    let agent = agent.get_or_insert_with(new_agent);
    // Name the proxy (host and port only: its URL may carry credentials) in errors.
    let via = agent.config().proxy().map_or_else(String::new, |proxy| {
        let uri = proxy.uri();
        let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
        format!(" via proxy {}{port}", uri.host().unwrap_or("?"))
    });
    let bytes = download(agent, url).map_err(|e| {
        format!(
            "downloading npm package {}@{} from {url}{via} failed: {e}\n\
             (set HTTPS_PROXY if a proxy is needed, WEB_ASSETS_NPM_REGISTRY for a mirror, or put \
             the tarball into the cache directory {})",
            package.name,
            package.version,
            cache.map_or_else(|| "<none>".to_owned(), |d| d.display().to_string()),
        )
    })?;
    verify(package, &bytes).map_err(|actual| {
        format!(
            "checksum mismatch for npm package {}@{} downloaded from {url}: expected {}, got {actual}",
            package.name, package.version, package.integrity
        )
    })?;

    if let Some(path) = &cached
        && let Err(e) = store(path, &bytes)
    {
        println!("cargo:warning=cannot cache {}: {e}", path.display());
    }
    Ok(bytes)
}

/// An HTTP agent that trusts the operating system's certificate store (so TLS-inspecting
/// corporate proxies with a locally installed CA work, as they do for cargo itself) and reads
/// the proxy from `HTTPS_PROXY`/`https_proxy`/`ALL_PROXY` and `NO_PROXY`.
fn new_agent() -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .proxy(ureq::Proxy::try_from_env())
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(300)))
        .user_agent(concat!("customers-todos-build/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent()
}

/// GETs `url` into memory.
fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, ureq::Error> {
    agent
        .get(url)
        .call()?
        .body_mut()
        .with_config()
        .limit(MAX_TARBALL_BYTES)
        .read_to_vec()
}

/// Checks `bytes` against the pinned SRI string; on mismatch returns the actual SRI string.
fn verify(package: &NpmPackage, bytes: &[u8]) -> Result<(), String> {
    let actual = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    );
    // An SRI value may list several hashes separated by spaces; any sha512 match is enough.
    if package
        .integrity
        .split_whitespace()
        .any(|expected| expected == actual)
    {
        Ok(())
    } else {
        Err(actual)
    }
}

/// Writes the cache file atomically (temporary file + rename), so concurrent builds never see a
/// half-written tarball.
fn store(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("cache path has no parent"))?;
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map_or_else(Default::default, |n| n.to_string_lossy()),
        std::process::id()
    ));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Extracts the package's listed files from the gzipped tarball into `dest`, keeping their
/// relative paths; fails if one is missing.
fn extract(package: &NpmPackage, url: &str, tarball: &[u8], dest: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| {
        format!(
            "unpacking npm package {}@{} ({url}) failed: {e}",
            package.name, package.version
        )
    };
    let mut found = vec![false; package.files.len()];
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    for entry in archive.entries().map_err(|e| fail(&e))? {
        let mut entry = entry.map_err(|e| fail(&e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(|e| fail(&e))?.into_owned();
        // npm tarballs keep everything under one top-level directory (usually `package/`).
        let mut components = path.components();
        components.next();
        let relative = components.as_path();
        let Some(index) = package.files.iter().position(|f| Path::new(f) == relative) else {
            continue;
        };
        // The wanted names are our own constants, but stay safe against odd archive paths.
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(fail(&format!("unexpected path {}", path.display())));
        }
        let target = dest.join(relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| fail(&e))?;
        }
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).map_err(|e| fail(&e))?;
        write_if_changed(&target, &contents).map_err(|e| fail(&e))?;
        found[index] = true;
    }
    let missing: Vec<_> = package
        .files
        .iter()
        .zip(&found)
        .filter(|(_, found)| !**found)
        .map(|(file, _)| *file)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(fail(&format!(
            "files not in the tarball: {}",
            missing.join(", ")
        )))
    }
}

/// Writes `contents` unless the file already holds exactly that, so an unchanged asset keeps
/// its modification time and does not force the crate to recompile.
fn write_if_changed(path: &Path, contents: &[u8]) -> io::Result<()> {
    match fs::read(path) {
        Ok(existing) if existing == contents => Ok(()),
        _ => fs::write(path, contents),
    }
}
