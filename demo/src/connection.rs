//! Which pod the desk talks to: the values of the settings form, where their defaults come
//! from (the page's query), and how they become a validated [`Config`]. Pure Rust, so the
//! rules are tested natively.

use yew_symphony::{Config, ConfigError};

/// The pod the demo uses when the page names none: the local emulator of `./x demo`.
pub const DEFAULT_POD_URL: &str = "http://127.0.0.1:9090";

/// The partner id the demo sends when the page names none.
pub const DEFAULT_PARTNER_ID: &str = "deal-desk-demo";

/// What the settings form edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The pod's URL, e.g. `https://acme.symphony.com`.
    pub pod_url: String,
    /// The partner id Symphony gave the app; empty means none is sent.
    pub partner_id: String,
}

impl Connection {
    /// The defaults, overridden by the page's `?pod=` and `?partnerId=` parameters.
    /// `query` answers the value of one query parameter.
    pub fn from_query(query: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| query(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            pod_url: non_empty("pod").unwrap_or_else(|| DEFAULT_POD_URL.to_owned()),
            partner_id: non_empty("partnerId").unwrap_or_else(|| DEFAULT_PARTNER_ID.to_owned()),
        }
    }

    /// The SDK configuration for a page served from `page_origin`. Surrounding blanks and a
    /// trailing `/` on the pod URL are forgiven; everything else is the library's to judge.
    pub fn to_config(&self, page_origin: &str) -> Result<Config, ConfigError> {
        let pod_url = self.pod_url.trim();
        let pod_url = pod_url.strip_suffix('/').unwrap_or(pod_url);
        let builder = Config::builder(pod_url, page_origin);
        let partner_id = self.partner_id.trim();
        let builder = if partner_id.is_empty() {
            builder
        } else {
            builder.partner_id(partner_id)
        };
        builder.build()
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
            };
            let error = connection.to_config(ORIGIN).expect_err(pod_url);
            assert!(!error.to_string().is_empty());
        }
        let insecure = Connection {
            pod_url: "http://pod.example.com".into(),
            partner_id: String::new(),
        };
        assert!(matches!(
            insecure.to_config(ORIGIN),
            Err(ConfigError::PodUrlInsecure { .. })
        ));
        let no_origin = Connection::from_query(query(&[])).to_config("");
        assert!(matches!(no_origin, Err(ConfigError::HostOriginInvalid { .. })));
    }
}
