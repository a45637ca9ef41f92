//! Configuration of an emulator instance and the origin policy it enforces.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use url::Url;

use crate::Error;

/// Everything [`crate::start`] needs to run one emulated pod.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to bind the pod listener (and the static listener) to.
    pub bind: IpAddr,
    /// Port of the pod listener; `0` picks a free port.
    pub port: u16,
    /// Origins that may call the JSON endpoints with credentials (CORS),
    /// embed the frames, and be named as `sdkOrigin`.
    pub allowed_origins: AllowedOrigins,
    /// When set, a browser the emulator has never seen is signed in as this
    /// user on its first main-frame load.
    pub auto_login: Option<String>,
    /// Optional directory served as static files on a second listener
    /// (a second origin, e.g. the demo app).
    pub serve_dir: Option<PathBuf>,
    /// Port of the static listener; `0` picks a free port. Ignored without
    /// `serve_dir`.
    pub serve_port: u16,
    /// The Content-Security-Policy the static listener sends with every file.
    pub static_csp: StaticCsp,
}

/// The Content-Security-Policy of the static listener: by default the strict policy an app
/// embedding this pod should run under, so that the demo proves the library needs nothing
/// more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticCsp {
    /// `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self';
    /// frame-src POD; connect-src 'self' POD`, where POD is this emulator's origin followed
    /// by `extra_pods` (other pods the served app may embed).
    Strict {
        /// More pod origins to allow in `frame-src` and `connect-src`.
        extra_pods: Vec<String>,
    },
    /// No policy (for fixture pages with inline scripts).
    Off,
}

impl Default for StaticCsp {
    fn default() -> Self {
        Self::Strict {
            extra_pods: Vec::new(),
        }
    }
}

impl StaticCsp {
    /// The strict policy with these extra pod origins, each checked to be an origin
    /// (`https://pod.example.com`), so that no value can add a directive of its own.
    pub fn strict(extra_pods: &[String]) -> Result<Self, Error> {
        let extra_pods = extra_pods
            .iter()
            .map(|raw| {
                let invalid = |reason: &str| Error::InvalidOrigin {
                    origin: raw.clone(),
                    reason: reason.to_owned(),
                };
                let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
                let origin = url.origin().ascii_serialization();
                if !matches!(url.scheme(), "http" | "https")
                    || origin.trim_end_matches('/') != raw.trim_end_matches('/')
                {
                    return Err(invalid("a pod origin is a scheme, a host and a port only"));
                }
                Ok(origin)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::Strict { extra_pods })
    }

    /// The header value for an emulator at `pod_origin`; `None` when off.
    pub fn header(&self, pod_origin: &str) -> Option<String> {
        self.policy(pod_origin, false)
    }

    /// The header value for a page that runs the sdk.js backend (asked for with
    /// `?backend=sdk`): the same, with the pods added to `script-src` and nothing else,
    /// as that backend needs; `None` when off.
    pub fn sdk_header(&self, pod_origin: &str) -> Option<String> {
        self.policy(pod_origin, true)
    }

    fn policy(&self, pod_origin: &str, pod_scripts: bool) -> Option<String> {
        let Self::Strict { extra_pods } = self else {
            return None;
        };
        let pods = std::iter::once(pod_origin)
            .chain(extra_pods.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let scripts = if pod_scripts {
            format!(" {pods}")
        } else {
            String::new()
        };
        Some(format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'; \
             frame-src {pods}; connect-src 'self' {pods}"
        ))
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            allowed_origins: AllowedOrigins::Loopback,
            auto_login: None,
            serve_dir: None,
            serve_port: 0,
            static_csp: StaticCsp::default(),
        }
    }
}

/// Which browser origins the emulator trusts.
///
/// The emulator's own origin is always trusted in addition to these.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AllowedOrigins {
    /// Any `http://127.0.0.1`, `http://localhost` or `http://[::1]` origin,
    /// on any port. The default.
    #[default]
    Loopback,
    /// An explicit list of patterns.
    List(Vec<OriginPattern>),
}

/// One allowed origin: either exact (`http://127.0.0.1:8080`) or any port of
/// a scheme and host (`http://127.0.0.1:*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPattern {
    scheme: String,
    host: String,
    /// `None` means any port.
    port: Option<u16>,
}

impl OriginPattern {
    /// Parses `scheme://host[:port]` or `scheme://host:*`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::InvalidOrigin {
            origin: text.to_string(),
            reason: why.to_string(),
        };
        let trimmed = text.trim().trim_end_matches('/');
        if let Some(prefix) = trimmed.strip_suffix(":*") {
            let origin = parse_origin(prefix).map_err(|e| invalid(&e))?;
            return Ok(Self { port: None, ..origin });
        }
        parse_origin(trimmed).map_err(|e| invalid(&e))
    }

    fn matches(&self, origin: &OriginPattern) -> bool {
        self.scheme == origin.scheme
            && self.host == origin.host
            && (self.port.is_none() || self.port == origin.port)
    }

    /// Rendered as a CSP source expression / origin string.
    fn to_source(&self) -> String {
        match self.port {
            None => format!("{}://{}:*", self.scheme, self.host),
            Some(p) => format!("{}://{}:{}", self.scheme, self.host, p),
        }
    }
}

impl std::fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_source())
    }
}

/// Parses a serialized origin (`scheme://host[:port]`, nothing else) into a
/// pattern with a concrete port (default port filled in).
fn parse_origin(text: &str) -> Result<OriginPattern, String> {
    let url = Url::parse(text).map_err(|e| e.to_string())?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err("scheme must be http or https".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("an origin has no user info".into());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("an origin has no path, query or fragment".into());
    }
    let host = match url.host_str() {
        Some(h) if !h.is_empty() => h.to_ascii_lowercase(),
        _ => return Err("missing host".into()),
    };
    Ok(OriginPattern {
        scheme: url.scheme().to_string(),
        host,
        port: url.port_or_known_default(),
    })
}

/// Validates that `text` is exactly an origin and returns its canonical
/// serialization (as browsers put it in `MessageEvent.origin`).
pub(crate) fn canonical_origin(text: &str) -> Option<String> {
    if text.is_empty() || text != text.trim() {
        return None;
    }
    let text = text.strip_suffix('/').unwrap_or(text);
    parse_origin(text).ok()?;
    let url = Url::parse(text).ok()?;
    Some(url.origin().ascii_serialization())
}

impl AllowedOrigins {
    /// Builds the policy from command-line style values; an empty list means
    /// [`AllowedOrigins::Loopback`].
    pub fn from_list<S: AsRef<str>>(values: &[S]) -> Result<Self, Error> {
        let mut patterns = Vec::new();
        for value in values {
            let value = value.as_ref().trim();
            if value.is_empty() {
                continue;
            }
            patterns.push(OriginPattern::parse(value)?);
        }
        if patterns.is_empty() {
            Ok(Self::Loopback)
        } else {
            Ok(Self::List(patterns))
        }
    }

    /// Whether `origin` (a request's `Origin` header) is trusted.
    /// `own_port` is the emulator's port: its own origin is always trusted.
    pub fn allows(&self, origin: &str, own_port: u16) -> bool {
        let Ok(parsed) = parse_origin(origin) else {
            return false;
        };
        let loopback_host = is_loopback_host(&parsed.host);
        if loopback_host && parsed.scheme == "http" && parsed.port == Some(own_port) {
            return true;
        }
        match self {
            Self::Loopback => loopback_host && parsed.scheme == "http",
            Self::List(patterns) => patterns.iter().any(|p| p.matches(&parsed)),
        }
    }

    /// Value of the CSP `frame-ancestors` directive matching this policy.
    pub(crate) fn frame_ancestors(&self) -> String {
        match self {
            Self::Loopback => "'self' http://127.0.0.1:* http://localhost:*".to_string(),
            Self::List(patterns) => {
                let mut out = String::from("'self'");
                for p in patterns {
                    out.push(' ');
                    out.push_str(&p.to_source());
                }
                out
            }
        }
    }
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_policy() {
        let p = AllowedOrigins::Loopback;
        assert!(p.allows("http://127.0.0.1:8080", 9090));
        assert!(p.allows("http://localhost:3000", 9090));
        assert!(p.allows("http://localhost", 9090));
        assert!(!p.allows("https://127.0.0.1:8080", 9090));
        assert!(!p.allows("http://evil.example", 9090));
        assert!(!p.allows("http://127.0.0.1.evil.example", 9090));
        assert!(!p.allows("null", 9090));
        assert!(!p.allows("", 9090));
    }

    #[test]
    fn list_policy_and_self() {
        let p = AllowedOrigins::from_list(&["http://app.test:8080", "http://other.test:*"]).expect("valid");
        assert!(p.allows("http://app.test:8080", 9090));
        assert!(!p.allows("http://app.test:8081", 9090));
        assert!(p.allows("http://other.test:1", 9090));
        assert!(p.allows("http://127.0.0.1:9090", 9090));
        assert!(!p.allows("http://127.0.0.1:8080", 9090));
        assert!(AllowedOrigins::from_list(&["not an origin"]).is_err());
        assert!(AllowedOrigins::from_list(&["http://a.test/path"]).is_err());
        assert_eq!(
            AllowedOrigins::from_list::<&str>(&[]).expect("empty"),
            AllowedOrigins::Loopback
        );
    }

    #[test]
    fn canonical_origins() {
        assert_eq!(
            canonical_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            canonical_origin("http://127.0.0.1:8080/").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            canonical_origin("http://LOCALHOST:80").as_deref(),
            Some("http://localhost")
        );
        assert_eq!(canonical_origin("http://a.test/x"), None);
        assert_eq!(canonical_origin("javascript:alert(1)"), None);
        assert_eq!(canonical_origin("\"><script>"), None);
        assert_eq!(canonical_origin(""), None);
    }
}
