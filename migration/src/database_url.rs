//! Where the database is: one answer shared by the service and the migration CLI.

use serde::Deserialize;

/// The database used when nothing is configured: an SQLite file in the working folder,
/// created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://customers_todos.db?mode=rwc";

/// The environment variables that locate the database.
///
/// `DATABASE_URL` wins; without it, the customer seed's `DB_DRIVER`, `DB_USERNAME`,
/// `DB_PASSWORD`, `DB_HOSTNAME`, `DB_PORT` and `DB_NAME` build the URL, so deployments of
/// the Python service keep working; with none of them, [`DEFAULT_DATABASE_URL`].
#[derive(Clone, Default, Deserialize)]
pub struct DatabaseSettings {
    /// A full SeaORM URL (`postgres://…` or `sqlite://…`).
    pub database_url: Option<String>,
    /// `postgresql` (also `postgres`, `postgresql+psycopg2`) or `sqlite`.
    pub db_driver: Option<String>,
    /// PostgreSQL user.
    pub db_username: Option<String>,
    /// PostgreSQL password.
    pub db_password: Option<String>,
    /// PostgreSQL host.
    pub db_hostname: Option<String>,
    /// PostgreSQL port.
    pub db_port: Option<u16>,
    /// PostgreSQL database name, or the SQLite file's path.
    pub db_name: Option<String>,
}

/// What stands in for a password in logs and `{:?}` output.
const REDACTED: &str = "***";

/// `url` with the password of its user part (`scheme://user:password@host`) replaced, so
/// it can be logged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match user_info.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:{REDACTED}@{host}{path}"),
        None => url.to_owned(),
    }
}

/// Shows every setting but the passwords: configuration is logged and printed in errors.
impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("db_driver", &self.db_driver)
            .field("db_username", &self.db_username)
            .field("db_password", &self.db_password.as_ref().map(|_| REDACTED))
            .field("db_hostname", &self.db_hostname)
            .field("db_port", &self.db_port)
            .field("db_name", &self.db_name)
            .finish()
    }
}

impl DatabaseSettings {
    /// Reads the variables from the process environment; the message names a bad variable.
    pub fn from_env() -> Result<Self, String> {
        envy::from_env::<Self>().map_err(|error| error.to_string())
    }

    /// The URL to connect to; the message names the variable that is missing or wrong.
    pub fn url(&self) -> Result<String, String> {
        if let Some(url) = self
            .database_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
        {
            return Ok(url.to_owned());
        }
        let any_part = [
            &self.db_driver,
            &self.db_username,
            &self.db_password,
            &self.db_hostname,
            &self.db_name,
        ]
        .iter()
        .any(|part| part.is_some())
            || self.db_port.is_some();
        if !any_part {
            return Ok(DEFAULT_DATABASE_URL.to_owned());
        }
        let driver = self.db_driver.as_deref().unwrap_or("postgresql");
        match driver.split('+').next().unwrap_or_default() {
            "postgresql" | "postgres" => {
                let host = required(&self.db_hostname, "DB_HOSTNAME")?;
                let name = required(&self.db_name, "DB_NAME")?;
                let user = required(&self.db_username, "DB_USERNAME")?;
                let port = self.db_port.unwrap_or(5432);
                let credentials = match &self.db_password {
                    Some(password) => format!("{}:{}", encode(user), encode(password)),
                    None => encode(user),
                };
                Ok(format!(
                    "postgres://{credentials}@{host}:{port}/{}",
                    encode(name)
                ))
            }
            "sqlite" => {
                let name = required(&self.db_name, "DB_NAME")?;
                Ok(format!("sqlite://{name}?mode=rwc"))
            }
            other => Err(format!(
                "DB_DRIVER: unsupported driver {other:?} (use postgresql or sqlite)"
            )),
        }
    }
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, String> {
    value
        .as_deref()
        .filter(|value| !value.is_empty())
        .ok_or_else(|| format!("{name}: must be set when DATABASE_URL is not"))
}

/// Percent-encodes a URL user-info or path part, so passwords with `@` or `/` work.
fn encode(part: &str) -> String {
    percent_encoding::utf8_percent_encode(part, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/d?x=1"),
            "postgres://u:***@h:5432/d?x=1"
        );
        assert_eq!(redact_url("postgres://u:p@w@h/d"), "postgres://u:***@h/d");
        assert_eq!(redact_url("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(
            redact_url("sqlite://./data/app.db?mode=rwc"),
            "sqlite://./data/app.db?mode=rwc"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn database_url_wins_over_parts() {
        let settings = DatabaseSettings {
            database_url: Some("postgres://a@b/c".into()),
            db_hostname: Some("ignored".into()),
            ..Default::default()
        };
        assert_eq!(settings.url().as_deref(), Ok("postgres://a@b/c"));
    }

    #[test]
    fn nothing_set_means_the_default_sqlite_file() {
        assert_eq!(
            DatabaseSettings::default().url().as_deref(),
            Ok(DEFAULT_DATABASE_URL)
        );
    }

    #[test]
    fn seed_parts_build_a_postgres_url_with_encoded_password() {
        let settings = DatabaseSettings {
            db_driver: Some("postgresql".into()),
            db_username: Some("postgres".into()),
            db_password: Some("p@ss/word".into()),
            db_hostname: Some("localhost".into()),
            db_port: Some(5433),
            db_name: Some("customer".into()),
            ..Default::default()
        };
        assert_eq!(
            settings.url().as_deref(),
            Ok("postgres://postgres:p%40ss%2Fword@localhost:5433/customer")
        );
    }

    #[test]
    fn a_missing_part_names_its_variable() {
        let settings = DatabaseSettings {
            db_driver: Some("postgresql".into()),
            db_username: Some("postgres".into()),
            ..Default::default()
        };
        let error = settings.url().expect_err("no host");
        assert!(error.starts_with("DB_HOSTNAME"), "{error}");
    }

    #[test]
    fn an_unknown_driver_is_refused() {
        let settings = DatabaseSettings {
            db_driver: Some("mysql".into()),
            ..Default::default()
        };
        let error = settings.url().expect_err("mysql");
        assert!(error.starts_with("DB_DRIVER"), "{error}");
    }
}
