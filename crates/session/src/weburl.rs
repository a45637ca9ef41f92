//! The URL parser: the WHATWG URL Standard, done by the `url` crate natively and by the
//! browser's own `URL` in a browser (wasm32), where shipping a second parser and its Unicode
//! tables would cost every app tens of kilobytes. The crate only asks these few questions;
//! the conformance cases in [`crate::testing`] run against both.

/// A parsed absolute URL: its serialization and the facts the crate checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WebUrl {
    /// The serialization (`https://acme.symphony.com/`).
    pub href: String,
    /// `https`, without the colon.
    pub scheme: String,
    /// The host as serialized (`acme.symphony.com`, `127.0.0.1`, `[::1]`), if any.
    pub host: Option<String>,
    /// A user name or a password is present.
    pub credentials: bool,
    /// The path (`/`).
    pub path: String,
    /// A query is present, even an empty one (`?`).
    pub query: bool,
    /// A fragment is present, even an empty one (`#`).
    pub fragment: bool,
    /// The origin's ASCII serialization (`https://acme.symphony.com`).
    pub origin: String,
}

impl WebUrl {
    /// Whether the host is the loopback interface: `localhost`, `127.0.0.1` or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_deref(), Some("localhost" | "127.0.0.1" | "[::1]"))
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) use browser::{join, parse, with_path_and_fragment, with_query_pairs};
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{join, parse, with_path_and_fragment, with_query_pairs};

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::WebUrl;

    fn facts(url: &url::Url) -> WebUrl {
        WebUrl {
            href: url.as_str().to_owned(),
            scheme: url.scheme().to_owned(),
            host: url.host().map(|h| match h {
                url::Host::Ipv6(ip) => format!("[{ip}]"),
                other => other.to_string(),
            }),
            credentials: !url.username().is_empty() || url.password().is_some(),
            path: url.path().to_owned(),
            query: url.query().is_some(),
            fragment: url.fragment().is_some(),
            origin: url.origin().ascii_serialization(),
        }
    }

    /// Parses an absolute URL; the error says why it is not one.
    pub(crate) fn parse(raw: &str) -> Result<WebUrl, String> {
        url::Url::parse(raw).map(|u| facts(&u)).map_err(|e| e.to_string())
    }

    /// `relative` resolved against `base` (an href this module produced).
    pub(crate) fn join(base: &str, relative: &str) -> Result<WebUrl, String> {
        let base = url::Url::parse(base).map_err(|e| e.to_string())?;
        base.join(relative).map(|u| facts(&u)).map_err(|e| e.to_string())
    }

    /// `href` with these pairs appended to its query, form-urlencoded.
    pub(crate) fn with_query_pairs(href: &str, pairs: &[(&str, &str)]) -> Result<String, String> {
        let mut url = url::Url::parse(href).map_err(|e| e.to_string())?;
        {
            let mut query = url.query_pairs_mut();
            for (key, value) in pairs {
                query.append_pair(key, value);
            }
        }
        Ok(url.into())
    }

    /// `href` with this path and fragment.
    pub(crate) fn with_path_and_fragment(href: &str, path: &str, fragment: &str) -> Result<String, String> {
        let mut url = url::Url::parse(href).map_err(|e| e.to_string())?;
        url.set_path(path);
        url.set_fragment(Some(fragment));
        Ok(url.into())
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::WebUrl;

    fn reason(error: wasm_bindgen::JsValue) -> String {
        js_sys::Error::from(error)
            .message()
            .as_string()
            .unwrap_or_else(|| "not a valid URL".to_owned())
    }

    fn facts(url: &web_sys::Url) -> WebUrl {
        let href = url.href();
        // `search` and `hash` are empty for an empty query or fragment too: look at the
        // serialization, where `?` before the `#` and `#` can only be those delimiters.
        let before_fragment = href.split('#').next().unwrap_or_default();
        let host = url.hostname();
        WebUrl {
            scheme: url.protocol().trim_end_matches(':').to_owned(),
            host: (!host.is_empty()).then_some(host),
            credentials: !url.username().is_empty() || !url.password().is_empty(),
            path: url.pathname(),
            query: before_fragment.contains('?'),
            fragment: href.contains('#'),
            origin: url.origin(),
            href,
        }
    }

    pub(crate) fn parse(raw: &str) -> Result<WebUrl, String> {
        web_sys::Url::new(raw).map(|u| facts(&u)).map_err(reason)
    }

    pub(crate) fn join(base: &str, relative: &str) -> Result<WebUrl, String> {
        web_sys::Url::new_with_base(relative, base)
            .map(|u| facts(&u))
            .map_err(reason)
    }

    pub(crate) fn with_query_pairs(href: &str, pairs: &[(&str, &str)]) -> Result<String, String> {
        let url = web_sys::Url::new(href).map_err(reason)?;
        let params = url.search_params();
        for (key, value) in pairs {
            params.append(key, value);
        }
        Ok(url.href())
    }

    pub(crate) fn with_path_and_fragment(href: &str, path: &str, fragment: &str) -> Result<String, String> {
        let url = web_sys::Url::new(href).map_err(reason)?;
        url.set_pathname(path);
        url.set_hash(fragment);
        Ok(url.href())
    }
}
