//! SDK configuration, validated once at construction.

use std::sync::Arc;
use std::time::Duration;

use crate::time::duration_text;
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

/// How the session reaches the pod. Chosen once, with the config.
///
/// Both run the same state machine: every decision (what to hide, when a logout is over,
/// what other tabs hear, the inactivity logout) is the session's; the transport only
/// carries its calls and answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transport {
    /// This library's own frames and messages (the protocol of Symphony's public Open SDK
    /// sample, plus this library's assumptions where Symphony publishes nothing, such as
    /// the logout; see the README). Needs no script from the pod.
    #[default]
    BuiltIn,
    /// Symphony's own `sdk.js`, loaded from the pod (`{pod}/embed/sdk.js`): its documented
    /// `window.symphony` API does the work, so the logout is Symphony's own. The page's
    /// policy must allow the pod in `script-src`.
    SdkJs,
}

/// The built-in protocol is compiled in (the `built-in` feature, on by default; always in
/// this crate's tests). Off, [`Config::transport`] is the constant [`Transport::SdkJs`], so
/// that the protocol's code is unreachable and left out of the app.
pub(crate) const BUILT_IN: bool = cfg!(any(test, feature = "built-in"));

/// Refuses a transport this build leaves out (`built_in`: [`BUILT_IN`], a parameter so that
/// both builds are tested).
fn built(transport: Transport, built_in: bool) -> Result<(), ConfigError> {
    if transport == Transport::BuiltIn && !built_in {
        Err(ConfigError::BuiltInNotBuilt)
    } else {
        Ok(())
    }
}

/// Why a [`Config`] was refused. Each message says what to change.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The config asks for the built-in protocol, which this build leaves out (its
    /// `built-in` feature is off).
    #[error("the built-in protocol is not in this build: turn on the `built-in` feature of yew-symphony (or symphony-dom), or use Transport::SdkJs")]
    BuiltInNotBuilt,
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
    #[error("{name} of {} is out of range: it must be between 1 ms and {}", duration_text(.value), duration_text(.max))]
    TimeoutOutOfRange {
        /// Which timeout.
        name: &'static str,
        /// What was given.
        value: Duration,
        /// The largest accepted value.
        max: Duration,
    },
    /// The frame logout action's name is empty or holds whitespace or control characters.
    #[error("logout action {name:?} must be a non-empty name without whitespace that no other action uses, such as logout; or call without_frame_logout()")]
    LogoutActionInvalid {
        /// What was given.
        name: String,
    },
    /// The HTTP logout method is not an HTTP method a browser may send.
    #[error("logout method {method:?} is not an HTTP method fetch may send (a token such as POST or DELETE; not CONNECT, TRACE or TRACK); or call without_http_logout()")]
    LogoutMethodInvalid {
        /// What was given.
        method: String,
    },
    /// A frame path is not an absolute path on the pod without query or fragment.
    #[error("frame path {path:?} must be an absolute path on the pod without query or fragment, such as /apps/client2/default")]
    FramePathInvalid {
        /// What was given.
        path: String,
    },
    /// Both logout steps are switched off: nothing could end the pod session.
    #[error("both logout steps are off (without_frame_logout and without_http_logout): keep at least one, or logout() could never end the pod session")]
    NoLogoutStep,
    /// The frame logout timeout is not shorter than the overall logout timeout.
    #[error("frame logout timeout ({}) must be shorter than the logout timeout ({}), so that the HTTP fallback has time to run", duration_text(.frame), duration_text(.total))]
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
/// assert_eq!(config.logout_url(), Some("https://acme.symphony.com/logout"));
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
    interaction_timeout: Duration,
    collaboration_path: String,
    logout_action: Option<String>,
    /// The HTTP step: method and full URL.
    http_logout: Option<(String, String)>,
    idle: Option<IdlePolicy>,
    transport: Transport,
    /// `{pod}/embed/sdk.js`.
    sdk_url: String,
    sdk_load_timeout: Duration,
}

impl Config {
    /// Default overall logout timeout (Symphony's contract leaves it open; 10 s bounds a hung pod).
    pub const DEFAULT_LOGOUT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default time the main frame has to answer a logout before the HTTP fallback is used.
    pub const DEFAULT_FRAME_LOGOUT_TIMEOUT: Duration = Duration::from_secs(3);
    /// Default time any other request (render, open stream, ...) may wait for the pod.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default path of the pod's logout endpoint used by the HTTP step (this library's
    /// assumption: Symphony publishes no HTTP logout endpoint).
    pub const DEFAULT_LOGOUT_PATH: &'static str = "/logout";
    /// Default method of the HTTP step (this library's assumption).
    pub const DEFAULT_LOGOUT_METHOD: &'static str = "POST";
    /// Default name of the `sdk-action` that asks the main frame to log out (this
    /// library's assumption: Symphony's public protocol has no logout action).
    pub const DEFAULT_LOGOUT_ACTION: &'static str = "logout";
    /// Default time a loaded main frame may stay without `clientReady` before the session
    /// reports that user interaction may be required (Symphony says a render takes about
    /// 4 s; the signal is this library's heuristic).
    pub const DEFAULT_INTERACTION_TIMEOUT: Duration = Duration::from_secs(8);
    /// Largest accepted timeout.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);
    /// Default time `sdk.js` may take to load and define `window.symphony`
    /// ([`Transport::SdkJs`]).
    pub const DEFAULT_SDK_LOAD_TIMEOUT: Duration = Duration::from_secs(15);
    /// The path of Symphony's SDK script on the pod, as Symphony documents it.
    pub const SDK_PATH: &'static str = "/embed/sdk.js";

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
            interaction_timeout: Self::DEFAULT_INTERACTION_TIMEOUT,
            collaboration_path: crate::urls::COLLABORATION_PATH.to_owned(),
            logout_action: Some(Self::DEFAULT_LOGOUT_ACTION.to_owned()),
            logout_method: Some(Self::DEFAULT_LOGOUT_METHOD.to_owned()),
            logout_path: Self::DEFAULT_LOGOUT_PATH.to_owned(),
            idle: None,
            // Without the built-in protocol, sdk.js is the one transport there is.
            transport: if BUILT_IN {
                Transport::BuiltIn
            } else {
                Transport::SdkJs
            },
            sdk_load_timeout: Self::DEFAULT_SDK_LOAD_TIMEOUT,
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

    /// How long the other actions may wait for the pod, and how long a render's main frame
    /// may take to load (once loaded, a render waits for the user without a timeout).
    pub fn request_timeout(&self) -> Duration {
        self.0.request_timeout
    }

    /// How long a loaded main frame may stay without `clientReady` before the session
    /// reports that user interaction may be required
    /// ([`Session::interaction_required`](crate::Session::interaction_required)).
    pub fn interaction_timeout(&self) -> Duration {
        self.0.interaction_timeout
    }

    /// The path of the Collaboration-mode main frame (`/apps/client2/default` by default).
    pub fn collaboration_path(&self) -> &str {
        &self.0.collaboration_path
    }

    /// The name of the `sdk-action` that asks the main frame to log out; `None` when the
    /// frame step is off ([`ConfigBuilder::without_frame_logout`]).
    pub fn logout_action(&self) -> Option<&str> {
        self.0.logout_action.as_deref()
    }

    /// The HTTP step's method (`POST` by default); `None` when the HTTP step is off
    /// ([`ConfigBuilder::without_http_logout`]).
    pub fn logout_method(&self) -> Option<&str> {
        self.0.http_logout.as_ref().map(|(method, _)| method.as_str())
    }

    /// The full URL of the HTTP step; `None` when it is off.
    pub fn logout_url(&self) -> Option<&str> {
        self.0.http_logout.as_ref().map(|(_, url)| url.as_str())
    }

    /// The inactivity logout policy, when on.
    pub fn idle(&self) -> Option<IdlePolicy> {
        self.0.idle
    }

    /// How the session reaches the pod.
    pub fn transport(&self) -> Transport {
        if BUILT_IN {
            self.0.transport
        } else {
            Transport::SdkJs
        }
    }

    /// The URL of the pod's `sdk.js` (`{pod}/embed/sdk.js`), for [`Transport::SdkJs`].
    pub fn sdk_url(&self) -> &str {
        &self.0.sdk_url
    }

    /// How long `sdk.js` may take to load and define `window.symphony`.
    pub fn sdk_load_timeout(&self) -> Duration {
        self.0.sdk_load_timeout
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
    interaction_timeout: Duration,
    collaboration_path: String,
    logout_action: Option<String>,
    logout_method: Option<String>,
    logout_path: String,
    idle: Option<IdlePolicy>,
    transport: Transport,
    sdk_load_timeout: Duration,
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

    /// Sets how long actions may wait for the pod, and how long a render's main frame may
    /// take to load (default 30 s). Once the main frame has loaded, a render waits for
    /// `clientReady` (the user signed in, accepted the EULA, ...) without a timeout, as
    /// Symphony's `render` does; a logout or a new render answers it.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how long a loaded main frame may stay without `clientReady` before the session
    /// reports that user interaction may be required (default 8 s). Symphony's SDK has a
    /// callback for this (`onUserInteractionRequired`) whose wire form is not public; over
    /// the built-in protocol this is this library's heuristic: a chat that takes longer
    /// than this to be ready is most likely waiting for the user (sign-in, EULA, terms).
    /// Show the chat then, if you kept it hidden.
    pub fn interaction_timeout(mut self, timeout: Duration) -> Self {
        self.interaction_timeout = timeout;
        self
    }

    /// Sets the path of the pod's logout endpoint for the HTTP step (default `/logout`,
    /// this library's assumption).
    pub fn logout_path(mut self, path: impl Into<String>) -> Self {
        self.logout_path = path.into();
        self
    }

    /// Sets the path of the Collaboration-mode main frame (default `/apps/client2/default`,
    /// the path Symphony's public Open SDK sample uses; Symphony's documentation names
    /// `/client-bff/index.html` only for its "direct iframe" mode, which takes no SDK
    /// messages). A path on the pod, without query or fragment.
    pub fn collaboration_path(mut self, path: impl Into<String>) -> Self {
        self.collaboration_path = path.into();
        self
    }

    /// Sets the HTTP step's method (default `POST`, this library's assumption). The
    /// request carries the pod's cookies (`credentials: "include"`) and no body.
    pub fn logout_method(mut self, method: impl Into<String>) -> Self {
        self.logout_method = Some(method.into());
        self
    }

    /// Switches the HTTP step off: the logout only asks the main frame. A logout that
    /// cannot ask the frame (not ready, gone, silent) or that the frame refuses then ends
    /// with an error, and the session counts as possibly alive
    /// ([`Session::server_session_may_be_alive`](crate::Session::server_session_may_be_alive)).
    pub fn without_http_logout(mut self) -> Self {
        self.logout_method = None;
        self
    }

    /// Sets the name of the `sdk-action` that asks the main frame to log out (default
    /// `logout`, this library's assumption: Symphony's public protocol has none).
    ///
    /// ```
    /// use symphony_session::{Config, ConfigError};
    ///
    /// let config = Config::builder("https://acme.symphony.com", "https://app.example.com")
    ///     .logout_action("sign-out")
    ///     .logout_method("DELETE")
    ///     .logout_path("/session")
    ///     .build()?;
    /// assert_eq!(config.logout_action(), Some("sign-out"));
    /// assert_eq!(config.logout_method(), Some("DELETE"));
    /// assert_eq!(config.logout_url(), Some("https://acme.symphony.com/session"));
    ///
    /// let neither = Config::builder("https://acme.symphony.com", "https://app.example.com")
    ///     .without_frame_logout()
    ///     .without_http_logout()
    ///     .build();
    /// assert_eq!(neither.unwrap_err(), ConfigError::NoLogoutStep);
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn logout_action(mut self, name: impl Into<String>) -> Self {
        self.logout_action = Some(name.into());
        self
    }

    /// Switches the frame step off: every logout goes over HTTP.
    pub fn without_frame_logout(mut self) -> Self {
        self.logout_action = None;
        self
    }

    /// Turns on inactivity logout with this policy (default off).
    pub fn idle(mut self, policy: IdlePolicy) -> Self {
        self.idle = Some(policy);
        self
    }

    /// Sets how the session reaches the pod (default [`Transport::BuiltIn`]; without the
    /// `built-in` feature, [`Transport::SdkJs`], and `BuiltIn` is refused by
    /// [`build`](Self::build) with [`ConfigError::BuiltInNotBuilt`]). With
    /// [`Transport::SdkJs`] the frame and HTTP logout steps are not used: the logout is
    /// `window.symphony.logout()`.
    ///
    /// ```
    /// use symphony_session::{Config, Transport};
    ///
    /// let config = Config::builder("https://acme.symphony.com", "https://app.example.com")
    ///     .partner_id("acme")
    ///     .transport(Transport::SdkJs)
    ///     .build()?;
    /// assert_eq!(config.transport(), Transport::SdkJs);
    /// assert_eq!(config.sdk_url(), "https://acme.symphony.com/embed/sdk.js");
    /// # Ok::<(), symphony_session::ConfigError>(())
    /// ```
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Sets how long `sdk.js` may take to load and define `window.symphony` (default 15 s;
    /// [`Transport::SdkJs`] only).
    pub fn sdk_load_timeout(mut self, timeout: Duration) -> Self {
        self.sdk_load_timeout = timeout;
        self
    }

    /// Validates everything and returns the config.
    pub fn build(self) -> Result<Config, ConfigError> {
        built(self.transport, BUILT_IN)?;
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
        check_timeout("interaction timeout", self.interaction_timeout)?;
        check_timeout("sdk.js load timeout", self.sdk_load_timeout)?;
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
        let taken = ["set-stream", "set-settings", "send-message", "start-room"];
        let logout_action = match self.logout_action {
            Some(name)
                if name.is_empty()
                    || name.chars().any(|c| c.is_whitespace() || c.is_control())
                    || taken.contains(&name.as_str()) =>
            {
                return Err(ConfigError::LogoutActionInvalid { name })
            }
            other => other,
        };
        check_frame_path(&pod, &self.collaboration_path)?;
        let sdk_url = weburl::join(&pod.href, Config::SDK_PATH)
            .map_err(|reason| ConfigError::PodUrlInvalid {
                url: self.pod_url.clone(),
                reason,
            })?
            .href;
        let url = logout_url(&pod, &self.logout_path)?;
        let http_logout = match self.logout_method {
            Some(method) if !is_sendable_method(&method) => {
                return Err(ConfigError::LogoutMethodInvalid { method })
            }
            Some(method) => Some((method, url)),
            None => None,
        };
        if logout_action.is_none() && http_logout.is_none() {
            return Err(ConfigError::NoLogoutStep);
        }
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
            interaction_timeout: self.interaction_timeout,
            collaboration_path: self.collaboration_path,
            logout_action,
            http_logout,
            idle: self.idle,
            transport: self.transport,
            sdk_url,
            sdk_load_timeout: self.sdk_load_timeout,
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

/// An HTTP method token (RFC 9110) that `fetch` does not forbid.
fn is_sendable_method(method: &str) -> bool {
    let token = !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    token
        && !["CONNECT", "TRACE", "TRACK"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method))
}

/// A frame path: absolute on the pod, no query or fragment (the query is the library's).
fn check_frame_path(pod: &WebUrl, path: &str) -> Result<(), ConfigError> {
    let invalid = || ConfigError::FramePathInvalid {
        path: path.to_owned(),
    };
    if !path.starts_with('/') || path.starts_with("//") || path.contains(['\\', '?', '#']) {
        return Err(invalid());
    }
    match weburl::join(&pod.href, path) {
        Ok(url) if url.origin == pod.origin => Ok(()),
        _ => Err(invalid()),
    }
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

/// Inactivity logout, when the app turns it on ([`ConfigBuilder::idle`]).
///
/// While frames are rendered, the user counts as active when any source reports activity:
/// the host page, any of the chats, or any of the app's other tabs. After `timeout` without
/// activity the session logs out (an ordinary logout, [`LogoutReason::Idle`](crate::LogoutReason::Idle)); `warning`
/// before that, the application is told, so that it can offer to stay signed in.
///
/// ```
/// use std::time::Duration;
/// use symphony_session::{Config, IdlePolicy};
///
/// let policy = IdlePolicy::new(Duration::from_secs(15 * 60)).with_warning_lead(Duration::from_secs(90));
/// let config = Config::builder("https://acme.symphony.com", "https://app.example.com")
///     .idle(policy)
///     .build()?;
/// assert_eq!(config.idle().map(|p| p.warning_lead()), Some(Duration::from_secs(90)));
///
/// // A warning longer than the timeout is the whole timeout.
/// let short = IdlePolicy::new(Duration::from_secs(4));
/// assert_eq!(short.warning_lead(), Duration::from_secs(4));
/// # Ok::<(), symphony_session::ConfigError>(())
/// ```
///
/// [`ConfigBuilder::idle`]: crate::ConfigBuilder::idle
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdlePolicy {
    timeout: Duration,
    warning: Duration,
    check_interval: Duration,
}

impl IdlePolicy {
    /// Default warning lead time.
    pub const DEFAULT_WARNING: Duration = Duration::from_secs(60);
    /// Default longest time between two checks of the clock (see
    /// [`IdlePolicy::check_interval`]).
    pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(10);
    /// Largest accepted timeout and check interval.
    pub const MAX: Duration = Duration::from_secs(24 * 60 * 60);

    /// Logs out after `timeout` without activity, warning [`IdlePolicy::DEFAULT_WARNING`]
    /// before (or from the start, when the timeout is shorter).
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            warning: Self::DEFAULT_WARNING,
            check_interval: Self::DEFAULT_CHECK_INTERVAL,
        }
    }

    /// Sets how long before the logout the warning starts (zero: no warning). Never more
    /// than the timeout: a longer lead is the whole timeout.
    pub fn with_warning_lead(mut self, lead: Duration) -> Self {
        self.warning = lead;
        self
    }

    /// Sets the longest time between two checks of the clock (default 10 s): the logout
    /// comes at most this long after it is due even when the clock jumps (a computer waking
    /// from sleep may hold a long timer back).
    pub fn with_check_interval(mut self, interval: Duration) -> Self {
        self.check_interval = interval;
        self
    }

    /// The time without activity after which the session logs out.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How long before the logout the warning starts: the set lead, at most the timeout.
    pub fn warning_lead(&self) -> Duration {
        self.warning.min(self.timeout)
    }

    /// The longest time between two checks of the clock.
    pub fn check_interval(&self) -> Duration {
        self.check_interval
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        for (name, value) in [
            ("idle timeout", self.timeout),
            ("idle check interval", self.check_interval),
        ] {
            if value < Duration::from_millis(1) || value > Self::MAX {
                return Err(ConfigError::TimeoutOutOfRange {
                    name,
                    value,
                    max: Self::MAX,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(pod: &str) -> Result<Config, ConfigError> {
        Config::builder(pod, "http://127.0.0.1:8080").build()
    }

    #[test]
    fn a_build_without_the_built_in_protocol_refuses_it_and_only_it() {
        assert_eq!(
            built(Transport::BuiltIn, false),
            Err(ConfigError::BuiltInNotBuilt)
        );
        assert_eq!(built(Transport::SdkJs, false), Ok(()));
        assert_eq!(built(Transport::BuiltIn, true), Ok(()));
        assert_eq!(built(Transport::SdkJs, true), Ok(()));
        assert!(
            ConfigError::BuiltInNotBuilt
                .to_string()
                .contains("`built-in` feature"),
            "the message says what to turn on"
        );
        // This crate's tests have it: the default transport is the built-in protocol.
        assert_eq!(
            build("https://acme.symphony.com").unwrap().transport(),
            Transport::BuiltIn
        );
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
        assert_eq!(config.logout_url(), Some("https://acme.symphony.com/logout"));
        assert_eq!(config.logout_method(), Some("POST"));
        assert_eq!(config.logout_action(), Some("logout"));
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
    fn the_collaboration_path_is_configurable_and_checked() {
        let builder = || Config::builder("https://a.example", "https://b.example");
        assert_eq!(
            builder().build().unwrap().collaboration_path(),
            "/apps/client2/default"
        );
        let config = builder()
            .collaboration_path("/client-bff/index.html")
            .build()
            .unwrap();
        assert_eq!(config.collaboration_path(), "/client-bff/index.html");
        // A tab or newline is dropped by the URL parser: "/\t/evil" would leave the pod.
        for path in [
            "",
            "apps",
            "//evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/a?b=1",
            "/a#b",
            "/a\\b",
        ] {
            assert_eq!(
                builder().collaboration_path(path).build(),
                Err(ConfigError::FramePathInvalid { path: path.into() }),
                "{path:?}"
            );
        }
    }

    #[test]
    fn the_logout_steps_are_configurable_and_checked() {
        let builder = || Config::builder("https://a.example", "https://b.example");
        let config = builder().without_frame_logout().build().unwrap();
        assert_eq!(config.logout_action(), None);
        assert_eq!(config.logout_url(), Some("https://a.example/logout"));
        let config = builder().without_http_logout().logout_path("/x").build().unwrap();
        assert_eq!((config.logout_method(), config.logout_url()), (None, None));
        assert_eq!(config.logout_action(), Some("logout"));
        assert_eq!(
            builder().without_http_logout().without_frame_logout().build(),
            Err(ConfigError::NoLogoutStep)
        );
        // Switched off, then named again: on.
        let config = builder()
            .without_frame_logout()
            .logout_action("bye")
            .build()
            .unwrap();
        assert_eq!(config.logout_action(), Some("bye"));
        let config = builder()
            .without_http_logout()
            .logout_method("delete")
            .build()
            .unwrap();
        assert_eq!(config.logout_method(), Some("delete"));
        for name in [
            "",
            "log out",
            "a\u{0}",
            "\t",
            "set-stream",
            "set-settings",
            "send-message",
            "start-room",
        ] {
            assert_eq!(
                builder().logout_action(name).build(),
                Err(ConfigError::LogoutActionInvalid { name: name.into() }),
                "{name:?}"
            );
        }
        for method in [
            "", "PO ST", "GET\r\n", "CONNECT", "trace", "Track", "POST/1", "(", "é",
        ] {
            let err = builder().logout_method(method).build().unwrap_err();
            assert_eq!(
                err,
                ConfigError::LogoutMethodInvalid {
                    method: method.into()
                }
            );
            assert!(err.to_string().contains("without_http_logout"), "{err}");
        }
        for method in ["POST", "DELETE", "PUT", "X-Sign-Out!", "GET"] {
            let config = builder().logout_method(method).build().unwrap();
            assert_eq!(config.logout_method(), Some(method));
        }
        // The path is checked even when the HTTP step is off: a typo is a typo.
        assert!(matches!(
            builder().without_http_logout().logout_path("logout").build(),
            Err(ConfigError::LogoutPathInvalid { .. })
        ));
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
