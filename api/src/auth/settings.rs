//! The access-control settings (SPEC 5.1), read with the rest of the configuration.

use std::path::PathBuf;

use serde::Deserialize;

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

/// Every `AUTH_*` variable; with no key setting, access control is off.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthSettings {
    /// `AUTH_JWT_SECRET`: the HS256 key, at least 32 bytes.
    pub auth_jwt_secret: Option<Secret>,
    /// `AUTH_JWT_PUBLIC_KEY_FILE`: a PEM public key (RSA, EC P-256 or Ed25519).
    pub auth_jwt_public_key_file: Option<PathBuf>,
    /// `AUTH_JWKS_URL`: an identity provider's key set (JWKS).
    pub auth_jwks_url: Option<String>,
    /// `AUTH_JWT_LEEWAY_SECS`: clock skew allowed on `exp` and `nbf`.
    #[serde(default = "default_leeway")]
    pub auth_jwt_leeway_secs: u64,
    /// `AUTH_JWT_ISSUER`: the `iss` tokens must carry, if set.
    pub auth_jwt_issuer: Option<String>,
    /// `AUTH_JWT_AUDIENCE`: the `aud` tokens must carry, if set.
    pub auth_jwt_audience: Option<String>,
    /// `AUTH_CLAIMS_NAMESPACE`: the claim holding `role` and `customer_id`, if not the top
    /// level.
    pub auth_claims_namespace: Option<String>,
    /// `AUTH_ANONYMOUS_ROLE`: the role of requests without a token (`reader` or `admin`);
    /// unset, they get 401.
    pub auth_anonymous_role: Option<String>,
}

fn default_leeway() -> u64 {
    30
}

/// The shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash's size).
pub const MIN_SECRET_BYTES: usize = 32;

impl AuthSettings {
    /// Whether any key is configured, i.e. access control is on.
    pub fn enabled(&self) -> bool {
        self.auth_jwt_secret.is_some()
            || self.auth_jwt_public_key_file.is_some()
            || self.auth_jwks_url.is_some()
    }

    /// Checks the settings that need no I/O; the message names the variable.
    pub fn validate(&self) -> Result<(), String> {
        let keys = [
            self.auth_jwt_secret.is_some(),
            self.auth_jwt_public_key_file.is_some(),
            self.auth_jwks_url.is_some(),
        ];
        if keys.iter().filter(|set| **set).count() > 1 {
            return Err(
                "AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE and AUTH_JWKS_URL: set only \
                        one of them"
                    .into(),
            );
        }
        if let Some(secret) = &self.auth_jwt_secret
            && secret.0.len() < MIN_SECRET_BYTES
        {
            return Err(format!(
                "AUTH_JWT_SECRET: must be at least {MIN_SECRET_BYTES} bytes (it has {})",
                secret.0.len()
            ));
        }
        if let Some(url) = &self.auth_jwks_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(format!("AUTH_JWKS_URL: {url:?} is not an http(s) URL"));
        }
        match self.auth_anonymous_role.as_deref() {
            None | Some("admin" | "reader") => Ok(()),
            Some(other) => Err(format!(
                "AUTH_ANONYMOUS_ROLE: {other:?} is not a role requests without a token can have \
                 (admin or reader)"
            )),
        }
    }
}
