//! Minting HS256 tokens for development and scripts: `customers-todos token`.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

use super::settings::AuthSettings;

/// What `customers-todos token` was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRequest {
    /// `--role`: `admin`, `reader` or `customer`.
    pub role: String,
    /// `--customer-id`: required for the `customer` role.
    pub customer_id: Option<i32>,
    /// `--sub`: the principal's name (default: the role).
    pub subject: Option<String>,
    /// `--ttl`: how long the token lives, in seconds (default one hour).
    pub ttl_secs: u64,
}

const USAGE: &str = "usage: customers-todos token --role admin|reader|customer \
                     [--customer-id N] [--sub S] [--ttl 1h]";

impl TokenRequest {
    /// Reads the arguments after `token`; the error is a one-line usage message.
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let mut role = None;
        let mut customer_id = None;
        let mut subject = None;
        let mut ttl_secs = 3600;
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))
            };
            match flag.as_str() {
                "--role" => role = Some(value()?),
                "--customer-id" => {
                    let text = value()?;
                    customer_id = Some(
                        text.parse()
                            .map_err(|_| format!("--customer-id: {text:?} is not a number"))?,
                    );
                }
                "--sub" => subject = Some(value()?),
                "--ttl" => ttl_secs = parse_duration(&value()?)?,
                other => return Err(format!("unknown argument {other:?}; {USAGE}")),
            }
        }
        let role = role.ok_or_else(|| format!("--role is required; {USAGE}"))?;
        match (role.as_str(), customer_id) {
            ("admin" | "reader", None) | ("customer", Some(_)) => {}
            ("admin" | "reader", Some(_)) => {
                return Err("--customer-id is only for --role customer".into());
            }
            ("customer", None) => return Err("--role customer needs --customer-id".into()),
            (other, _) => {
                return Err(format!(
                    "--role: {other:?} is not admin, reader or customer"
                ));
            }
        }
        Ok(Self {
            role,
            customer_id,
            subject,
            ttl_secs,
        })
    }

    /// The signed token, with the claims where the service reads them (under
    /// `AUTH_CLAIMS_NAMESPACE` if set); needs `AUTH_JWT_SECRET`.
    pub fn mint(&self, settings: &AuthSettings, now: u64) -> Result<String, String> {
        let secret = settings
            .auth_jwt_secret
            .as_ref()
            .ok_or("AUTH_JWT_SECRET: must be set to mint tokens")?;
        let mut principal = json!({ "role": self.role });
        if let Some(customer_id) = self.customer_id {
            principal["customer_id"] = json!(customer_id);
        }
        let mut claims = json!({
            "sub": self.subject.clone().unwrap_or_else(|| self.role.clone()),
            "iat": now,
            "exp": now.saturating_add(self.ttl_secs),
        });
        match &settings.auth_claims_namespace {
            Some(namespace) => claims[namespace] = principal,
            None => {
                claims["role"] = principal["role"].clone();
                if let Some(id) = principal.get("customer_id") {
                    claims["customer_id"] = id.clone();
                }
            }
        }
        if let Some(issuer) = &settings.auth_jwt_issuer {
            claims["iss"] = json!(issuer);
        }
        if let Some(audience) = &settings.auth_jwt_audience {
            claims["aud"] = json!(audience);
        }
        let key = EncodingKey::from_secret(secret.0.as_bytes())
            .map_err(|error| format!("AUTH_JWT_SECRET: {error}"))?;
        encode(&Header::new(Algorithm::HS256), &claims, &key)
            .map_err(|error| format!("signing the token: {error}"))
    }
}

/// `90`, `90s`, `15m`, `1h` or `7d`, in seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((index, unit)) if unit.is_ascii_alphabetic() => (&text[..index], unit),
        _ => (text, 's'),
    };
    let multiplier = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => {
            return Err(format!(
                "--ttl: {text:?} is not a duration like 90s, 15m, 1h or 7d"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(multiplier))
        .filter(|secs| *secs > 0)
        .ok_or_else(|| format!("--ttl: {text:?} is not a duration like 90s, 15m, 1h or 7d"))
}

#[cfg(test)]
mod tests {
    use service::Principal;

    use super::*;
    use crate::auth::{Secret, Verifier};

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn arguments_are_read_and_checked() {
        let request = TokenRequest::from_args(&args("--role customer --customer-id 7 --ttl 15m"))
            .expect("valid");
        assert_eq!(request.customer_id, Some(7));
        assert_eq!(request.ttl_secs, 900);
        for bad in [
            "",
            "--role",
            "--role owner",
            "--role customer",
            "--role admin --customer-id 3",
            "--role admin --ttl soon",
            "--role admin --ttl 0",
            "--role admin --color",
        ] {
            assert!(TokenRequest::from_args(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_minted_token_is_accepted_by_the_service_with_the_same_settings() {
        let settings = AuthSettings {
            auth_jwt_secret: Some(Secret("0123456789abcdef0123456789abcdef".into())),
            auth_jwt_issuer: Some("https://issuer.example".into()),
            auth_jwt_audience: Some("customers-todos".into()),
            auth_claims_namespace: Some("https://customers-todos.example/claims".into()),
            auth_jwt_leeway_secs: 30,
            ..AuthSettings::default()
        };
        let verifier = Verifier::from_settings(&settings)
            .expect("valid settings")
            .expect("auth on");
        let request = TokenRequest::from_args(&args("--role customer --customer-id 7 --sub ada"))
            .expect("valid");
        let now = jsonwebtoken::get_current_timestamp();
        let identity = verifier
            .verify(&request.mint(&settings, now).expect("a token"))
            .await
            .expect("accepted");
        assert_eq!(identity.principal, Principal::Customer(7));
        assert_eq!(identity.subject.as_deref(), Some("ada"));
        assert_eq!(identity.expires_at, now + 3600);
        // Expired by the time it is checked: refused.
        let old = request.mint(&settings, now - 7200).expect("a token");
        assert!(verifier.verify(&old).await.is_err());
    }
}
