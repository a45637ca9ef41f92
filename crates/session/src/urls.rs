//! Frame URLs, built with the `url` crate so that every parameter is percent-encoded.

use serde_json::Value;

use crate::config::{Config, Mode};
use crate::error::SymphonyError;
use crate::protocol::Settings;
use crate::vocabulary::FrameId;

/// Path of the Focus-mode main frame.
pub const FOCUS_PATH: &str = "/apps/embed/default";
/// Path of the Collaboration-mode main frame (the full client).
pub const COLLABORATION_PATH: &str = "/apps/client2/default";
/// Path of a Focus-mode child frame.
pub const CHILD_PATH: &str = "/apps/embed/default/frame-root.html";

fn join(config: &Config, path: &str) -> Result<url::Url, SymphonyError> {
    config
        .pod_url()
        .join(path)
        .map_err(|e| SymphonyError::InvalidArgument {
            argument: "pod URL",
            reason: e.to_string(),
        })
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
        Mode::Collaboration => COLLABORATION_PATH,
    };
    let mut url = join(config, path)?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("embed", "true");
        if let Some(partner_id) = config.partner_id() {
            query.append_pair("partnerId", partner_id);
        }
        if let Some(stream_id) = stream_id {
            query.append_pair("streamId", stream_id);
        }
        query.append_pair("sdkOrigin", config.host_origin());
        for (key, value) in settings.iter() {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            query.append_pair(key, &text);
        }
    }
    Ok(url.into())
}

/// `{pod}/apps/embed/default/frame-root.html#{frame dom id}`.
pub fn child_frame(config: &Config, frame: FrameId) -> String {
    let mut url = config.pod_url().clone();
    url.set_path(CHILD_PATH);
    url.set_fragment(Some(&frame.dom_id()));
    url.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: Mode) -> Config {
        Config::builder("https://acme.symphony.com", "http://127.0.0.1:8080")
            .partner_id("p1")
            .mode(mode)
            .build()
            .unwrap()
    }

    #[test]
    fn focus_main_frame_url_encodes_everything() {
        let settings = Settings::new()
            .with("mode", "dark")
            .with("sound", false)
            .with("x", "a&b=c");
        let url = main_frame(&config(Mode::Focus), Some("s/1 &\"<>#"), &settings).unwrap();
        assert_eq!(
            url,
            "https://acme.symphony.com/apps/embed/default?embed=true&partnerId=p1&streamId=s%2F1+%26%22%3C%3E%23&sdkOrigin=http%3A%2F%2F127.0.0.1%3A8080&mode=dark&sound=false&x=a%26b%3Dc"
        );
        let parsed = url::Url::parse(&url).unwrap();
        let stream: Vec<_> = parsed.query_pairs().filter(|(k, _)| k == "streamId").collect();
        assert_eq!(stream[0].1, "s/1 &\"<>#");
    }

    #[test]
    fn collaboration_uses_the_full_client() {
        let url = main_frame(&config(Mode::Collaboration), None, &Settings::new()).unwrap();
        assert_eq!(
            url,
            "https://acme.symphony.com/apps/client2/default?embed=true&partnerId=p1&sdkOrigin=http%3A%2F%2F127.0.0.1%3A8080"
        );
    }

    #[test]
    fn child_frame_url() {
        assert_eq!(
            child_frame(&config(Mode::Focus), FrameId(7)),
            "https://acme.symphony.com/apps/embed/default/frame-root.html#symphony-frame-7"
        );
    }
}
