//! Frame URLs, built by the URL parser (`url` natively, the browser's `URL` in a browser) so
//! that every parameter is form-urlencoded.

use serde_json::Value;

use crate::config::{Config, Mode};
use crate::error::SymphonyError;
use crate::protocol::Settings;
use crate::vocabulary::FrameId;
use crate::weburl;

/// Path of the Focus-mode main frame.
pub const FOCUS_PATH: &str = "/apps/embed/default";
/// Default path of the Collaboration-mode main frame (the full client; see
/// [`ConfigBuilder::collaboration_path`](crate::ConfigBuilder::collaboration_path)).
pub const COLLABORATION_PATH: &str = "/apps/client2/default";
/// Path of a Focus-mode child frame.
pub const CHILD_PATH: &str = "/apps/embed/default/frame-root.html";

fn invalid(reason: String) -> SymphonyError {
    SymphonyError::InvalidArgument {
        argument: "pod URL",
        reason,
    }
}

/// `{pod}/apps/embed/default?embed=true&partnerId=..&streamId=..&sdkOrigin=..&{settings}`
/// (`/apps/client2/default` in Collaboration mode).
pub fn main_frame(
    config: &Config,
    stream_id: Option<&str>,
    settings: &Settings,
) -> Result<String, SymphonyError> {
    let path = match config.mode() {
        Mode::Focus => FOCUS_PATH,
        Mode::Collaboration => config.collaboration_path(),
    };
    let url = weburl::join(config.pod_url(), path).map_err(invalid)?;
    let texts: Vec<(&str, String)> = settings
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (key, text)
        })
        .collect();
    let mut pairs = vec![("embed", "true")];
    if let Some(partner_id) = config.partner_id() {
        pairs.push(("partnerId", partner_id));
    }
    if let Some(stream_id) = stream_id {
        pairs.push(("streamId", stream_id));
    }
    pairs.push(("sdkOrigin", config.host_origin()));
    pairs.extend(texts.iter().map(|(key, text)| (*key, text.as_str())));
    weburl::with_query_pairs(&url.href, &pairs).map_err(invalid)
}

/// `{pod}/apps/embed/default/frame-root.html#{frame dom id}`: the parser built everything
/// up to the frame number when the config was built ([`FrameId::dom_id`] is
/// `symphony-frame-` and digits).
pub fn child_frame(config: &Config, frame: FrameId) -> String {
    format!("{}{}", config.child_frame_prefix(), frame.0)
}

/// What [`child_frame`] puts before the frame number.
pub(crate) fn child_frame_prefix(pod_href: &str) -> Result<String, String> {
    weburl::with_path_and_fragment(pod_href, CHILD_PATH, FrameId::DOM_ID_PREFIX)
}

// The frame URLs, for both parsers, are tested in tests/url_conformance.rs.
