//! SDK configuration, validated once at construction.

use std::sync::Arc;
use std::time::Duration;

use crate::idle::{shown, IdlePolicy};
use crate::weburl::{self, WebUrl};

/// How the pod renders chats. Chosen once, when the SDK is set up, and fixed for its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// One chat per frame: the main frame, plus one child frame per extra container.
    #[default]
    Focus,
    /// The whole Symphony client ("full" mode) in the main frame only.
    Collaboration,
}

/// Why a [`Config`] was refused. Each message says what to change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The pod URL could not be parsed.
    #[error(
        "pod URL {url:?} is not a valid URL ({reason}); expected something like https://acme.symphony.com"
    )]
    PodUrlInvalid {
        /// What was given.
        url: String,
        /// The parser's reason.
        reason: String,
    },
    /// The pod is reached over plain http on a host that is not loopback.
    #[error(
        "pod URL {url:?} must use https (plain http is only accepted for 127.0.0.1, localhost and [::1])"
    )]
    PodUrlInsecure {
        /// What was given.
        url: String,
    },
    /// The pod URL carries a path, query, fragment or credentials.
    #[error("pod URL {url:?} must be an origin only (scheme, host, optional port): remove the {part}")]
    PodUrlNotOrigin {
        /// What was given.
        url: String,
        /// The offending part: "path", "query", "fragment" or "credentials".
        part: &'static str,
    },
    /// The host origin (sent as `sdkOrigin`) is not an http(s) origin.
    #[error("host origin {origin:?} is not an http(s) origin such as https://app.example.com; pass window.location.origin")]
    HostOriginInvalid {
        /// What was given.
        origin: String,
    },
    /// The partner id is empty or contains whitespace.
    #[error("partner id {partner_id:?} must be non-empty and contain no whitespace; ask Symphony for your partner id or leave it unset")]
    PartnerIdInvalid {
        /// What was given.
        partner_id: String,
    },
    /// The logout path does not start with `/` or would leave the pod origin.
    #[error("logout path {path:?} must be an absolute path on the pod, such as /logout")]
    LogoutPathInvalid {
        /// What was given.
        path: String,
    },
    /// A timeout is zero or out of range.
    #[error("{name} of {} is out of range: it must be between 1 ms and {}", shown(.value), shown(.max))]
    TimeoutOutOfRange {
        /// Which timeout.
        name: &'static str,
        /// What was given.
        value: Duration,
        /// The largest accepted value.
        max: Duration,
    },
    /// The frame logout timeout is not shorter than the overall logout timeout.
    #[error("frame logout timeout ({}) must be shorter than the logout timeout ({}), so that the HTTP fallback has time to run", shown(.frame), shown(.total))]
    FrameTimeoutTooLong {
        /// The frame logout timeout.
        frame: Duration,
        /// The overall logout timeout.
        total: Duration,
    },
}

/// A validated SDK configuration.
///
/// Build one with [`Config::builder`]:
///
/// ```
/// use std::time::Duration;
/// use symphony_session::{Config, Mode};
///
/// let config = Config::builder("https://acme.symphony.com", "https://app.example.com")
///     .partner_id("acme")
///     .mode(Mode::Focus)
///     .logout_timeout(Duration::from_secs(5))
///     .build()
///     .expect("valid config");
/// assert_eq!(config.pod_origin(), "https://acme.symphony.com");
/// assert_eq!(config.logout_url(), "https://acme.symphony.com/logout");
/// ```
#[derive(Clone)]
pub struct Config(Arc<ConfigFields>);

/// What a [`Config`] holds, shared by its clones: a session, its driver and every
/// component's props compare and copy the config often, and a pointer is cheaper to copy
/// than these strings (in time and in the browser build's code).
#[derive(Clone, Debug, PartialEq, Eq)]
struct ConfigFields {
    pod: WebUrl,
    child_frame_prefix: String,
    pod_origin: String,
    host_origin: String,
    partner_id: Option<String>,
    mode: Mode,
    logout_timeout: Duration,
    frame_logout_timeout: Duration,
    request_timeout: Duration,
    logout_url: String,
    idle: Option<IdlePolicy>,
}

impl Config {
    /// Default overall logout timeout (Symphony's contract leaves it open; 10 s bounds a hung pod).
    pub const DEFAULT_LOGOUT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default time the main frame has to answer a logout before the HTTP fallback is used.
    pub const DEFAULT_FRAME_LOGOUT_TIMEOUT: Duration = Duration::from_secs(3);
    /// Default time any other request (render, open stream, ...) may wait for the pod.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default path of the pod's logout endpoint used by the HTTP fallback.
    pub const DEFAULT_LOGOUT_PATH: &'static str = "/logout";
    /// Largest accepted timeout.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);

    /// Starts a builder for a pod (`https://acme.symphony.com`) and the host page's origin
    /// (`window.location.origin`, sent to the pod as `sdkOrigin`).
    pub fn builder(pod_url: impl Into<String>, host_origin: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder {
            pod_url: pod_url.into(),
            host_origin: host_origin.into(),
            partner_id: None,
            mode: Mode::Focus,
            logout_timeout: Self::DEFAULT_LOGOUT_TIMEOUT,
            frame_logout_timeout: None,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            logout_path: Self::DEFAULT_LOGOUT_PATH.to_owned(),
            idle: None,
        }
    }

    /// The pod origin, as the browser reports it in `MessageEvent.origin` (no trailing slash).
    pub fn pod_origin(&self) -> &str {
        &self.0.pod_origin
    }

    /// The pod's URL, serialized (`https://acme.symphony.com/`).
    pub fn pod_url(&self) -> &str {
        &self.0.pod.href
    }

    pub(crate) fn child_frame_prefix(&self) -> &str {
        &self.0.child_frame_prefix
    }

    /// The host page's origin, sent as `sdkOrigin`.
    pub fn host_origin(&self) -> &str {
        &self.0.host_origin
    }

    /// The partner id, if one was given.
    pub fn partner_id(&self) -> Option<&str> {
        self.0.partner_id.as_deref()
    }

    /// Focus or Collaboration.
    pub fn mode(&self) -> Mode {
        self.0.mode
    }

    /// How long a logout may take in all before it is answered with a timeout error.
    pub fn logout_timeout(&self) -> Duration {
        self.0.logout_timeout
    }

    /// How long the main frame has to answer a logout before the HTTP fallback is used.
    pub fn frame_logout_timeout(&self) -> Duration {
        self.0.frame_logout_timeout
    }

    /// How long render and the other actions may wait for the pod.
    pub fn request_timeout(&self) -> Duration {
        self.0.request_timeout
    }

    /// The full URL of the HTTP logout fallback.
    pub fn logout_url(&self) -> &str {
        &self.0.logout_url
    }

    /// The inactivity logout policy, when on.
    pub fn idle(&self) -> Option<IdlePolicy> {
        self.0.idle
    }

    /// This configuration with another inactivity logout policy (`None`: off), validated
    /// like [`ConfigBuilder::idle`].
    pub fn with_idle(&self, policy: Option<IdlePolicy>) -> Result<Config, ConfigError> {
        if let Some(policy) = &policy {
            policy.validate()?;
        }
        Ok(Config(Arc::new(ConfigFields {
            idle: policy,
            ..(*self.0).clone()
        })))
    }
}

/// Builder for [`Config`]; see [`Config::builder`].
#[derive(Clone, Debug)]
#[must_use = "call .build() to get a Config"]
pub struct ConfigBuilder {
    pod_url: String,
    host_origin: String,
    partner_id: Option<String>,
    mode: Mode,
    logout_timeout: Duration,
    frame_logout_timeout: Option<Duration>,
    request_timeout: Duration,
    logout_path: String,
    idle: Option<IdlePolicy>,
}

impl ConfigBuilder {
    /// Sets the partner id Symphony gave you (required by production pods).
    pub fn partner_id(mut self, partner_id: impl Into<String>) -> Self {
        self.partner_id = Some(partner_id.into());
        self
    }

    /// Sets Focus or Collaboration mode (default Focus).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the overall logout timeout (default 10 s).
    pub fn logout_timeout(mut self, timeout: Duration) -> Self {
        self.logout_timeout = timeout;
        self
    }

    /// Sets how long the main frame has to answer a logout before the HTTP fallback is
    /// used (default: 3 s, or a third of the logout timeout if that is shorter).
    pub fn frame_logout_timeout(mut self, timeout: Duration) -> Self {
        self.frame_logout_timeout = Some(timeout);
        self
    }

    /// Sets how long render and other actions may wait for the pod (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the path of the pod's logout endpoint for the HTTP fallback (default `/logout`).
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.logout_path = path.into();
        self
    }

    /// Turns on inactivity logout with this policy (default off).
    pub fn idle(mut self, policy: IdlePolicy) -> Self {
        self.idle = Some(policy);
        self
    }

    /// Validates everything and returns the config.
    pub fn build(self) -> Result<Config, ConfigError> {
        let pod = parse_pod(&self.pod_url)?;
        let pod_origin = pod.origin.clone();
        let child_frame_prefix =
            crate::urls::child_frame_prefix(&pod.href).map_err(|reason| ConfigError::PodUrlInvalid {
                url: self.pod_url.clone(),
                reason,
            })?;
        let host_origin = parse_host_origin(&self.host_origin)?;
        if let Some(partner_id) = &self.partner_id {
            if partner_id.is_empty() || partner_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(ConfigError::PartnerIdInvalid {
                    partner_id: partner_id.clone(),
                });
            }
        }
        check_timeout("logout timeout", self.logout_timeout)?;
        check_timeout("request timeout", self.request_timeout)?;
        let frame_logout_timeout = match self.frame_logout_timeout {
            Some(frame) => {
                check_timeout("frame logout timeout", frame)?;
                if frame >= self.logout_timeout {
                    return Err(ConfigError::FrameTimeoutTooLong {
                        frame,
                        total: self.logout_timeout,
                    });
                }
                frame
            }
            None => Config::DEFAULT_FRAME_LOGOUT_TIMEOUT.min(self.logout_timeout / 3),
        };
        let logout_url = logout_url(&pod, &self.logout_path)?;
        if let Some(policy) = &self.idle {
            policy.validate()?;
        }
        Ok(Config(Arc::new(ConfigFields {
            pod,
            child_frame_prefix,
            pod_origin,
            host_origin,
            partner_id: self.partner_id,
            mode: self.mode,
            logout_timeout: self.logout_timeout,
            frame_logout_timeout,
            request_timeout: self.request_timeout,
            logout_url,
            idle: self.idle,
        })))
    }
}

impl PartialEq for Config {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for Config {}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Config").field(&self.0).finish()
    }
}

fn check_timeout(name: &'static str, value: Duration) -> Result<(), ConfigError> {
    if value < Duration::from_millis(1) || value > Config::MAX_TIMEOUT {
        return Err(ConfigError::TimeoutOutOfRange {
            name,
            value,
            max: Config::MAX_TIMEOUT,
        });
    }
    Ok(())
}

fn parse_pod(raw: &str) -> Result<WebUrl, ConfigError> {
    let url = weburl::parse(raw.trim()).map_err(|reason| ConfigError::PodUrlInvalid {
        url: raw.to_owned(),
        reason,
    })?;
    match url.scheme.as_str() {
        "https" => {}
        "http" if url.is_loopback() => {}
        "http" => return Err(ConfigError::PodUrlInsecure { url: raw.to_owned() }),
        other => {
            return Err(ConfigError::PodUrlInvalid {
                url: raw.to_owned(),
                reason: format!("scheme {other:?} is not https"),
            })
        }
    }
    if url.host.is_none() {
        return Err(ConfigError::PodUrlInvalid {
            url: raw.to_owned(),
            reason: "it has no host".to_owned(),
        });
    }
    let not_origin = |part| ConfigError::PodUrlNotOrigin {
        url: raw.to_owned(),
        part,
    };
    if url.credentials {
        return Err(not_origin("credentials"));
    }
    if url.path != "/" {
        return Err(not_origin("path"));
    }
    if url.query {
        return Err(not_origin("query"));
    }
    if url.fragment {
        return Err(not_origin("fragment"));
    }
    Ok(url)
}

fn parse_host_origin(raw: &str) -> Result<String, ConfigError> {
    let invalid = || ConfigError::HostOriginInvalid {
        origin: raw.to_owned(),
    };
    let url = weburl::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme.as_str(), "http" | "https")
        || url.host.is_none()
        || url.path != "/"
        || url.query
        || url.fragment
        || url.credentials
    {
        return Err(invalid());
    }
    Ok(url.origin)
}

fn logout_url(pod: &WebUrl, path: &str) -> Result<String, ConfigError> {
    let invalid = || ConfigError::LogoutPathInvalid {
        path: path.to_owned(),
    };
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return Err(invalid());
    }
    let url = weburl::join(&pod.href, path).map_err(|_| invalid())?;
    if url.origin != pod.origin || url.fragment {
        return Err(invalid());
    }
    Ok(url.href)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(pod: &str) -> Result<Config, ConfigError> {
        Config::builder(pod, "http://127.0.0.1:8080").build()
    }

    #[test]
    fn configs_are_equal_by_value_not_by_sharing() {
        let config = build("https://acme.symphony.com").unwrap();
        assert_eq!(config, config.clone());
        assert_eq!(
            config,
            build("https://acme.symphony.com").unwrap(),
            "built twice, same values"
        );
        assert_ne!(config, build("https://other.symphony.com").unwrap());
        let later = Config::builder("https://acme.symphony.com", "http://127.0.0.1:8080")
            .logout_timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        assert_ne!(config, later);
        let idle = config
            .with_idle(Some(IdlePolicy::new(Duration::from_secs(60))))
            .unwrap();
        assert_ne!(config, idle);
        assert_eq!(idle.with_idle(None).unwrap(), config);
        let shown = format!("{config:?}");
        assert!(
            shown.starts_with("Config(") && shown.contains("https://acme.symphony.com"),
            "{shown}"
        );
    }

    #[test]
    fn defaults() {
        let config = build("https://acme.symphony.com").unwrap();
        assert_eq!(config.mode(), Mode::Focus);
        assert_eq!(config.logout_timeout(), Duration::from_secs(10));
        assert_eq!(config.frame_logout_timeout(), Duration::from_secs(3));
        assert_eq!(config.request_timeout(), Duration::from_secs(30));
        assert_eq!(config.logout_url(), "https://acme.symphony.com/logout");
        assert_eq!(config.host_origin(), "http://127.0.0.1:8080");
        assert_eq!(config.partner_id(), None);
    }

    #[test]
    fn short_logout_timeout_shortens_frame_timeout() {
        let config = Config::builder("https://a.example", "https://b.example")
            .logout_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        assert_eq!(config.frame_logout_timeout(), Duration::from_millis(100));
    }

    #[test]
    fn refuses_a_bad_host_origin_and_partner_id() {
        // The URL cases, for both parsers, are in tests/url_conformance.rs.
        let err = Config::builder("https://a.example", "null").build().unwrap_err();
        assert!(matches!(err, ConfigError::HostOriginInvalid { .. }));
        assert!(err.to_string().contains("window.location.origin"));
        let err = Config::builder("https://a.example", "https://b.example")
            .partner_id("a b")
            .build();
        assert!(matches!(err, Err(ConfigError::PartnerIdInvalid { .. })));
    }

    #[test]
    fn refuses_bad_timeouts() {
        let err = Config::builder("https://a.example", "https://b.example")
            .logout_timeout(Duration::ZERO)
            .build();
        assert!(matches!(err, Err(ConfigError::TimeoutOutOfRange { .. })));
        let err = Config::builder("https://a.example", "https://b.example")
            .request_timeout(Duration::from_secs(601))
            .build();
        assert!(matches!(err, Err(ConfigError::TimeoutOutOfRange { .. })));
        let err = Config::builder("https://a.example", "https://b.example")
            .logout_timeout(Duration::from_secs(1))
            .frame_logout_timeout(Duration::from_secs(1))
            .build();
        assert!(matches!(err, Err(ConfigError::FrameTimeoutTooLong { .. })));
    }

    #[test]
    fn timeouts_at_the_bounds_are_accepted() {
        for timeout in [Duration::from_millis(1), Config::MAX_TIMEOUT] {
            let config = Config::builder("https://a.example", "https://b.example")
                .request_timeout(timeout)
                .build()
                .unwrap_or_else(|e| panic!("{timeout:?}: {e}"));
            assert_eq!(config.request_timeout(), timeout);
        }
    }
}
