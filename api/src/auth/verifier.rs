//! Checking a bearer token: signature, lifetime, issuer and audience, then the claims that
//! make it a principal.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};
use service::Principal;

use super::jwks::Jwks;
use super::settings::AuthSettings;

/// Who a valid token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The role, and the customer for the `customer` role.
    pub principal: Principal,
    /// The token's `sub`, naming the principal in logs and rate limits.
    pub subject: Option<String>,
    /// When the token expires (`exp`, seconds since the epoch).
    pub expires_at: u64,
}

/// Why a token was refused; never sent to the client (SPEC 5.3), only logged at debug.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Signature, algorithm, lifetime, issuer or audience.
    #[error("token rejected: {0}")]
    Rejected(#[from] jsonwebtoken::errors::Error),
    /// The claims do not name a principal.
    #[error("token claims: {0}")]
    Claims(&'static str),
}

/// Where the keys come from.
enum Keys {
    /// One key from the settings, with the algorithms it verifies.
    Fixed(DecodingKey),
    /// An identity provider's key set, each key with its own algorithms.
    Set(Jwks),
}

/// The configured key and the rules every token must meet.
pub struct Verifier {
    keys: Keys,
    validation: Validation,
    namespace: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithms", &self.validation.algorithms)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// The verifier for the configured key, or a one-line error naming the variable. `None`
    /// when no key is configured (access control off).
    pub fn from_settings(settings: &AuthSettings) -> Result<Option<Self>, String> {
        let (key, algorithms) = if let Some(secret) = &settings.auth_jwt_secret {
            let key = DecodingKey::from_secret(secret.0.as_bytes())
                .map_err(|error| format!("AUTH_JWT_SECRET: {error}"))?;
            (Keys::Fixed(key), vec![Algorithm::HS256])
        } else if let Some(path) = &settings.auth_jwt_public_key_file {
            let pem = std::fs::read(path).map_err(|error| {
                format!(
                    "AUTH_JWT_PUBLIC_KEY_FILE: cannot read {}: {error}",
                    path.display()
                )
            })?;
            let (key, algorithms) = public_key(&pem).ok_or_else(|| {
                format!(
                    "AUTH_JWT_PUBLIC_KEY_FILE: {} holds no RSA, EC P-256 or Ed25519 public key \
                     in PEM form",
                    path.display()
                )
            })?;
            (Keys::Fixed(key), algorithms)
        } else if let Some(url) = &settings.auth_jwks_url {
            (Keys::Set(Jwks::new(url.clone())), vec![Algorithm::RS256])
        } else {
            return Ok(None);
        };
        // Only the algorithms of the configured key: `none` and algorithm confusion (an HS256
        // token signed with a public key's bytes) are refused by construction.
        let mut validation = Validation::new(algorithms[0]);
        validation.algorithms = algorithms;
        validation.leeway = settings.auth_jwt_leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        match &settings.auth_jwt_audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &settings.auth_jwt_issuer {
            validation.set_issuer(&[issuer]);
        }
        Ok(Some(Self {
            keys: key,
            validation,
            namespace: settings.auth_claims_namespace.clone(),
        }))
    }

    /// Fetches what must be there before the first request: the key set, for
    /// `AUTH_JWKS_URL` (a set that cannot be fetched stops start-up).
    pub async fn prepare(&self) -> Result<(), String> {
        match &self.keys {
            Keys::Set(set) => set.fetch_now().await,
            Keys::Fixed(_) => Ok(()),
        }
    }

    /// The algorithms tokens may be signed with, for the start-up log.
    pub fn algorithms(&self) -> String {
        if matches!(self.keys, Keys::Set(_)) {
            return "the keys of AUTH_JWKS_URL".into();
        }
        self.validation
            .algorithms
            .iter()
            .map(|algorithm| format!("{algorithm:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Checks a token and reads its principal.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenError> {
        let claims = match &self.keys {
            Keys::Fixed(key) => decode::<Map<String, Value>>(token, key, &self.validation)?.claims,
            Keys::Set(set) => {
                let header = decode_header(token)?;
                let found = set
                    .key(header.kid.as_deref())
                    .await
                    .ok_or(TokenError::Claims("no key of the set has the token's kid"))?;
                let mut validation = self.validation.clone();
                validation.algorithms = found.algorithms;
                decode::<Map<String, Value>>(token, &found.key, &validation)?.claims
            }
        };
        let scope = match &self.namespace {
            Some(namespace) => claims
                .get(namespace)
                .and_then(Value::as_object)
                .ok_or(TokenError::Claims("no object at the claims namespace"))?,
            None => &claims,
        };
        let principal = match scope.get("role").and_then(Value::as_str) {
            Some("admin") => Principal::Admin,
            Some("reader") => Principal::Reader,
            Some("customer") => Principal::Customer(
                scope
                    .get("customer_id")
                    .and_then(Value::as_i64)
                    .and_then(|id| i32::try_from(id).ok())
                    .ok_or(TokenError::Claims(
                        "customer role without an integer customer_id",
                    ))?,
            ),
            Some(_) => return Err(TokenError::Claims("unknown role")),
            None => return Err(TokenError::Claims("no role")),
        };
        Ok(Identity {
            principal,
            subject: claims.get("sub").and_then(Value::as_str).map(str::to_owned),
            expires_at: claims
                .get("exp")
                .and_then(Value::as_u64)
                .unwrap_or_default(),
        })
    }
}

/// A PEM public key and the algorithms it verifies: RSA (RS256, PS256), EC P-256 (ES256) or
/// Ed25519 (EdDSA).
fn public_key(pem: &[u8]) -> Option<(DecodingKey, Vec<Algorithm>)> {
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Some((key, vec![Algorithm::RS256, Algorithm::PS256]));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(pem) {
        return Some((key, vec![Algorithm::ES256]));
    }
    DecodingKey::from_ed_pem(pem)
        .ok()
        .map(|key| (key, vec![Algorithm::EdDSA]))
}
