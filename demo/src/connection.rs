//! Which pod the desk talks to: the values of the settings form, where their defaults come
//! from (the page's query), and how they become a validated [`Config`]. Pure Rust, so the
//! rules are tested natively.

use std::fmt;
use std::time::Duration;

use yew_symphony::{Config, ConfigError, IdlePolicy, Transport};

/// The pod the demo uses when the page names none: the local emulator of `./x demo`.
pub const DEFAULT_POD_URL: &str = "http://127.0.0.1:9090";

/// The partner id the demo sends when the page names none.
pub const DEFAULT_PARTNER_ID: &str = "deal-desk-demo";

/// How the desk talks to the pod: the library's built-in protocol, or Symphony's own
/// `sdk.js`. One `window.symphony` per page: changing it reloads the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// The built-in protocol (no script from the pod).
    #[default]
    Protocol,
    /// Symphony's own `sdk.js`, loaded from the pod.
    Sdk,
}

impl Backend {
    /// Its name in the page's query (`?backend=`) and on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Protocol => "protocol",
            Self::Sdk => "sdk",
        }
    }

    /// `sdk` or `protocol`; anything else is not a backend.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "protocol" => Some(Self::Protocol),
            "sdk" => Some(Self::Sdk),
            _ => None,
        }
    }

    fn transport(self) -> Transport {
        match self {
            Self::Protocol => Transport::BuiltIn,
            Self::Sdk => Transport::SdkJs,
        }
    }
}

/// What the settings form edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The pod's URL, e.g. `https://acme.symphony.com`.
    pub pod_url: String,
    /// The partner id Symphony gave the app; empty means none is sent.
    pub partner_id: String,
    /// Inactivity logout after this many seconds; empty means off.
    pub idle_seconds: String,
    /// The built-in protocol or Symphony's sdk.js.
    pub backend: Backend,
}

/// Why the form's values make no configuration.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectionError {
    /// The library refused them.
    Config(ConfigError),
    /// The idle timeout is not a whole number of seconds in range.
    IdleSeconds(String),
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(error) => error.fmt(f),
            Self::IdleSeconds(value) => write!(
                f,
                "idle logout {value:?} must be a whole number of seconds from 1 to {MAX_IDLE_SECONDS}, or empty for none"
            ),
        }
    }
}

impl From<ConfigError> for ConnectionError {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}

/// The longest idle timeout the form accepts (the library's bound: a day).
pub const MAX_IDLE_SECONDS: u64 = 24 * 60 * 60;

/// The desk warns halfway through short timeouts, and a minute before longer ones.
fn idle_policy(seconds: u64) -> IdlePolicy {
    let timeout = Duration::from_secs(seconds);
    IdlePolicy::new(timeout).with_warning_lead(IdlePolicy::DEFAULT_WARNING.min(timeout / 2))
}

impl Connection {
    /// The defaults, overridden by the page's `?pod=`, `?partnerId=`, `?idle=` and
    /// `?backend=sdk|protocol` parameters (an unknown backend is the default, the built-in
    /// protocol; the page shows the one in use). `query` answers the value of one query
    /// parameter.
    pub fn from_query(query: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| query(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            pod_url: non_empty("pod").unwrap_or_else(|| DEFAULT_POD_URL.to_owned()),
            partner_id: non_empty("partnerId").unwrap_or_else(|| DEFAULT_PARTNER_ID.to_owned()),
            idle_seconds: non_empty("idle").unwrap_or_default(),
            backend: non_empty("backend")
                .and_then(|b| Backend::parse(&b))
                .unwrap_or_default(),
        }
    }

    /// The page query that gives these values back (`?pod=..&partnerId=..`), for a reload.
    pub fn query_pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("pod", self.pod_url.trim()),
            ("partnerId", self.partner_id.trim()),
            ("idle", self.idle_seconds.trim()),
            ("backend", self.backend.as_str()),
        ]
    }

    /// The SDK configuration for a page served from `page_origin`. Surrounding blanks and a
    /// trailing `/` on the pod URL are forgiven; everything else is the library's to judge.
    pub fn to_config(&self, page_origin: &str) -> Result<Config, ConnectionError> {
        let pod_url = self.pod_url.trim();
        let pod_url = pod_url.strip_suffix('/').unwrap_or(pod_url);
        let builder = Config::builder(pod_url, page_origin).transport(self.backend.transport());
        let partner_id = self.partner_id.trim();
        let builder = if partner_id.is_empty() {
            builder
        } else {
            builder.partner_id(partner_id)
        };
        let idle = self.idle_seconds.trim();
        let builder = if idle.is_empty() {
            builder
        } else {
            match idle.parse::<u64>() {
                Ok(seconds) if (1..=MAX_IDLE_SECONDS).contains(&seconds) => {
                    builder.idle(idle_policy(seconds))
                }
                _ => return Err(ConnectionError::IdleSeconds(idle.to_owned())),
            }
        };
        Ok(builder.build()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8080";

    fn query(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_to_the_local_emulator() {
        let connection = Connection::from_query(query(&[]));
        assert_eq!(connection.pod_url, DEFAULT_POD_URL);
        assert_eq!(connection.partner_id, DEFAULT_PARTNER_ID);
        let config = connection.to_config(ORIGIN).expect("the defaults are valid");
        assert_eq!(config.pod_origin(), DEFAULT_POD_URL);
        assert_eq!(config.partner_id(), Some(DEFAULT_PARTNER_ID));
    }

    #[test]
    fn the_query_names_the_pod_and_partner() {
        let connection = Connection::from_query(query(&[
            ("pod", " https://acme.symphony.com "),
            ("partnerId", "acme"),
        ]));
        let config = connection.to_config(ORIGIN).expect("valid");
        assert_eq!(config.pod_origin(), "https://acme.symphony.com");
        assert_eq!(config.partner_id(), Some("acme"));
    }

    #[test]
    fn an_empty_query_value_keeps_the_default() {
        let connection = Connection::from_query(query(&[("pod", "  "), ("partnerId", "")]));
        assert_eq!(connection.pod_url, DEFAULT_POD_URL);
        assert_eq!(connection.partner_id, DEFAULT_PARTNER_ID);
    }

    #[test]
    fn a_trailing_slash_is_forgiven_and_an_empty_partner_is_none() {
        let connection = Connection {
            pod_url: "http://127.0.0.1:9091/".into(),
            partner_id: " ".into(),
            idle_seconds: String::new(),
            backend: Backend::Protocol,
        };
        let config = connection.to_config(ORIGIN).expect("valid");
        assert_eq!(config.pod_origin(), "http://127.0.0.1:9091");
        assert_eq!(config.partner_id(), None);
    }

    #[test]
    fn bad_input_is_a_typed_error_not_a_panic() {
        let cases = [
            ("not a url", "x"),
            ("http://pod.example.com", "x"),
            ("https://acme.symphony.com/client", "x"),
            ("https://acme.symphony.com", "two words"),
            ("", ""),
        ];
        for (pod_url, partner_id) in cases {
            let connection = Connection {
                pod_url: pod_url.into(),
                partner_id: partner_id.into(),
                idle_seconds: String::new(),
                backend: Backend::Protocol,
            };
            let error = connection.to_config(ORIGIN).expect_err(pod_url);
            assert!(!error.to_string().is_empty());
        }
        let insecure = Connection {
            pod_url: "http://pod.example.com".into(),
            partner_id: String::new(),
            idle_seconds: String::new(),
            backend: Backend::Protocol,
        };
        assert!(matches!(
            insecure.to_config(ORIGIN),
            Err(ConnectionError::Config(ConfigError::PodUrlInsecure { .. }))
        ));
        let no_origin = Connection::from_query(query(&[])).to_config("");
        assert!(matches!(
            no_origin,
            Err(ConnectionError::Config(ConfigError::HostOriginInvalid { .. }))
        ));
    }

    #[test]
    fn idle_from_the_query_turns_the_policy_on() {
        let off = Connection::from_query(query(&[]))
            .to_config(ORIGIN)
            .expect("valid");
        assert_eq!(off.idle(), None, "no idle parameter, no idle logout");
        let on = Connection::from_query(query(&[("idle", " 4 ")]));
        assert_eq!(on.idle_seconds, "4");
        let policy = on.to_config(ORIGIN).expect("valid").idle().expect("on");
        assert_eq!(policy.timeout(), Duration::from_secs(4));
        assert_eq!(
            policy.warning_lead(),
            Duration::from_secs(2),
            "halfway for short timeouts"
        );
        let long = Connection {
            idle_seconds: "900".into(),
            ..on.clone()
        };
        let policy = long.to_config(ORIGIN).expect("valid").idle().expect("on");
        assert_eq!(policy.warning_lead(), Duration::from_secs(60));
    }

    #[test]
    fn a_bad_idle_value_is_a_typed_error() {
        for bad in ["0", "-3", "4.5", "soon", "86401"] {
            let connection = Connection {
                idle_seconds: bad.into(),
                ..Connection::from_query(query(&[]))
            };
            let error = connection.to_config(ORIGIN).expect_err(bad);
            assert_eq!(error, ConnectionError::IdleSeconds(bad.into()));
            assert!(error.to_string().contains("whole number of seconds"), "{error}");
        }
    }

    #[test]
    fn the_query_picks_the_backend_and_a_reload_keeps_every_value() {
        let default = Connection::from_query(query(&[]));
        assert_eq!(default.backend, Backend::Protocol);
        let config = default.to_config(ORIGIN).expect("valid");
        assert_eq!(config.transport(), Transport::BuiltIn);
        let sdk = Connection::from_query(query(&[("backend", "sdk"), ("idle", "30")]));
        assert_eq!(sdk.backend, Backend::Sdk);
        let config = sdk.to_config(ORIGIN).expect("valid");
        assert_eq!(config.transport(), Transport::SdkJs);
        assert_eq!(config.sdk_url(), format!("{DEFAULT_POD_URL}/embed/sdk.js"));
        let unknown = Connection::from_query(query(&[("backend", "carrier-pigeon")]));
        assert_eq!(unknown.backend, Backend::Protocol);
        let pairs = sdk.query_pairs();
        let back = Connection::from_query(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        });
        assert_eq!(back, sdk, "a reload with these pairs gives the same values");
    }
}
