//! An identity provider's key set (`AUTH_JWKS_URL`, SPEC 5.1): fetched at start-up, kept for
//! its `Cache-Control: max-age` (5 minutes without one), and fetched again, at most once per
//! 30 s, when a token names a key id it does not hold, so keys rotate without a restart. A
//! fetch that fails later keeps the keys already held.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::RwLock;
use tokio::time::Instant;

/// How long keys are kept when the response says nothing.
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// The least time between two fetches for an unknown key id.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// A key of the set, with the algorithms it verifies.
#[derive(Clone)]
pub struct SetKey {
    /// The key.
    pub key: DecodingKey,
    /// Its algorithms: the JWK's `alg` if given, else those of its type.
    pub algorithms: Vec<Algorithm>,
}

/// What was fetched last.
struct Held {
    keys: HashMap<Option<String>, SetKey>,
    fresh_until: Instant,
    fetched_at: Instant,
}

/// The key set of one URL.
pub struct Jwks {
    url: String,
    client: reqwest::Client,
    held: RwLock<Option<Held>>,
}

impl Jwks {
    /// The set at `url`, not fetched yet ([`Jwks::fetch_now`] does it at start-up).
    pub fn new(url: String) -> Self {
        Self {
            url,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            held: RwLock::new(None),
        }
    }

    /// Fetches the set now; the error is one line naming the variable.
    pub async fn fetch_now(&self) -> Result<(), String> {
        let (keys, max_age) = self
            .download()
            .await
            .map_err(|error| format!("AUTH_JWKS_URL: cannot fetch {}: {error}", self.url))?;
        let now = Instant::now();
        *self.held.write().await = Some(Held {
            keys,
            fresh_until: now + max_age,
            fetched_at: now,
        });
        Ok(())
    }

    /// The key a token's header names (`kid`; a set of one key also serves tokens without
    /// one), fetching the set again when it is stale or the id is unknown.
    pub async fn key(&self, kid: Option<&str>) -> Option<SetKey> {
        let now = Instant::now();
        let (found, stale, may_refetch) = {
            let held = self.held.read().await;
            match held.as_ref() {
                Some(held) => (
                    lookup(&held.keys, kid),
                    now >= held.fresh_until,
                    now.duration_since(held.fetched_at) >= REFETCH_INTERVAL,
                ),
                None => (None, true, true),
            }
        };
        if found.is_some() && !stale {
            return found;
        }
        if stale || may_refetch {
            self.refresh().await;
            let held = self.held.read().await;
            return held.as_ref().and_then(|held| lookup(&held.keys, kid));
        }
        found
    }

    /// Fetches again, keeping the old keys (and trying again after the refetch interval)
    /// if that fails.
    async fn refresh(&self) {
        let mut held = self.held.write().await;
        let now = Instant::now();
        if let Some(current) = held.as_ref()
            && now.duration_since(current.fetched_at) < REFETCH_INTERVAL
            && now < current.fresh_until
        {
            // Another request refreshed it while this one waited.
            return;
        }
        match self.download().await {
            Ok((keys, max_age)) => {
                *held = Some(Held {
                    keys,
                    fresh_until: now + max_age,
                    fetched_at: now,
                });
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, "fetching the JWKS failed; keeping the keys held");
                if let Some(current) = held.as_mut() {
                    current.fetched_at = now;
                    current.fresh_until = now + REFETCH_INTERVAL;
                }
            }
        }
    }

    /// One GET of the set: its usable keys and how long to keep them.
    async fn download(&self) -> Result<(HashMap<Option<String>, SetKey>, Duration), String> {
        let response = self
            .client
            .get(&self.url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| error.without_url().to_string())?;
        let max_age = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(max_age)
            .unwrap_or(DEFAULT_MAX_AGE);
        let set: JwkSet = response
            .json()
            .await
            .map_err(|error| format!("not a JWKS document: {}", error.without_url()))?;
        let keys: HashMap<Option<String>, SetKey> = set
            .keys
            .iter()
            .filter_map(|jwk| Some((jwk.common.key_id.clone(), usable(jwk)?)))
            .collect();
        if keys.is_empty() {
            return Err("the set holds no RSA, EC P-256 or Ed25519 signing key".into());
        }
        Ok((keys, max_age))
    }
}

/// The key for `kid`, or the only key for a token without one.
fn lookup(keys: &HashMap<Option<String>, SetKey>, kid: Option<&str>) -> Option<SetKey> {
    match kid {
        Some(kid) => keys.get(&Some(kid.to_owned())).cloned(),
        None if keys.len() == 1 => keys.values().next().cloned(),
        None => None,
    }
}

/// A JWK's key and algorithms, if it is an asymmetric signing key this service verifies
/// (symmetric keys in a public set are ignored: they would allow forgery).
fn usable(jwk: &Jwk) -> Option<SetKey> {
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![Algorithm::RS256, Algorithm::PS256],
        AlgorithmParameters::EllipticCurve(params) if params.curve == EllipticCurve::P256 => {
            vec![Algorithm::ES256]
        }
        AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
            vec![Algorithm::EdDSA]
        }
        _ => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        Some(declared) => {
            let declared = Algorithm::try_from(declared).ok()?;
            by_type.contains(&declared).then(|| vec![declared])?
        }
        None => by_type,
    };
    Some(SetKey {
        key: DecodingKey::from_jwk(jwk).ok()?,
        algorithms,
    })
}

/// The `max-age` of a `Cache-Control` header (`no-store`/`no-cache`: none).
fn max_age(header: &str) -> Option<Duration> {
    header.split(',').find_map(|directive| {
        let directive = directive.trim().to_ascii_lowercase();
        match directive.split_once('=') {
            Some(("max-age", seconds)) => seconds
                .trim_matches('"')
                .parse()
                .ok()
                .map(Duration::from_secs),
            _ if directive == "no-store" || directive == "no-cache" => Some(Duration::ZERO),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(
            max_age("public, max-age=600"),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            max_age("max-age=\"60\", must-revalidate"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
    }
}
