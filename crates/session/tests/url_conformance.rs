//! What the crate asks of its URL parser, through the public API: the same cases natively
//! (the `url` crate) and in a browser (the browser's own `URL`, `./x browser`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use symphony_session::urls::{child_frame, main_frame};
use symphony_session::{Config, ConfigError, FrameId, Mode, Settings};

fn build(pod: &str) -> Result<Config, ConfigError> {
    Config::builder(pod, "http://127.0.0.1:8080").build()
}

#[test]
fn https_and_loopback_http_pods_are_accepted_as_origins() {
    for (pod, origin) in [
        ("https://acme.symphony.com", "https://acme.symphony.com"),
        ("https://acme.symphony.com/", "https://acme.symphony.com"),
        (" https://ACME.symphony.com ", "https://acme.symphony.com"),
        ("https://acme.symphony.com:8443", "https://acme.symphony.com:8443"),
        ("https://acme.symphony.com:443", "https://acme.symphony.com"),
        ("http://127.0.0.1:9090", "http://127.0.0.1:9090"),
        ("http://127.1:9090", "http://127.0.0.1:9090"),
        ("http://localhost:9090", "http://localhost:9090"),
        ("http://LOCALHOST:9090", "http://localhost:9090"),
        ("http://[::1]:9090", "http://[::1]:9090"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ] {
        let config = build(pod).unwrap_or_else(|e| panic!("{pod}: {e}"));
        assert_eq!(config.pod_origin(), origin, "{pod}");
    }
}

#[test]
fn insecure_invalid_and_non_origin_pods_are_refused() {
    for pod in [
        "http://acme.symphony.com",
        "http://127.0.0.2",
        "http://[::2]",
        "http://localhost.evil.example",
    ] {
        assert!(
            matches!(build(pod), Err(ConfigError::PodUrlInsecure { .. })),
            "{pod}"
        );
    }
    for pod in [
        "not a url",
        "ftp://acme.example",
        "/relative",
        "https://",
        "file:///etc/passwd",
        "",
    ] {
        match build(pod) {
            // The parser's own reason, whichever parser it is.
            Err(ConfigError::PodUrlInvalid { url, reason }) => {
                assert_eq!(url, pod);
                assert!(!reason.is_empty() && reason != "xyzzy", "{pod}: {reason:?}");
            }
            other => panic!("{pod}: {other:?}"),
        }
    }
    for (pod, part) in [
        ("https://acme.example/apps", "path"),
        ("https://acme.example/?a=1", "query"),
        ("https://acme.example/?", "query"),
        ("https://acme.example/#x", "fragment"),
        ("https://acme.example/#", "fragment"),
        ("https://user:pw@acme.example", "credentials"),
        ("https://user@acme.example", "credentials"),
        ("https://:secret@acme.example", "credentials"),
    ] {
        assert_eq!(
            build(pod),
            Err(ConfigError::PodUrlNotOrigin {
                url: pod.to_owned(),
                part
            }),
            "{pod}"
        );
    }
}

#[test]
fn the_host_origin_must_be_an_http_origin() {
    let ok = Config::builder("https://a.example", "https://B.example:443/").build();
    assert_eq!(
        ok.map(|c| c.host_origin().to_owned()),
        Ok("https://b.example".to_owned())
    );
    for origin in [
        "null",
        "ftp://b.example",
        "https://b.example/page",
        "https://b.example/?q=1",
        "https://b.example/?",
        "https://b.example/#f",
        "https://user@b.example",
        "https://:pw@b.example",
    ] {
        let err = Config::builder("https://a.example", origin).build();
        assert!(
            matches!(err, Err(ConfigError::HostOriginInvalid { .. })),
            "{origin}: {err:?}"
        );
    }
}

#[test]
fn the_logout_path_stays_on_the_pod() {
    for path in ["logout", "//evil.example/logout", "/\\evil", "/a\\b", "/a#b"] {
        let err = Config::builder("https://a.example", "https://b.example")
            .logout_path(path)
            .build();
        assert!(
            matches!(err, Err(ConfigError::LogoutPathInvalid { .. })),
            "{path}"
        );
    }
    for (path, url) in [
        ("/logout", "https://a.example/logout"),
        (
            "/webcontroller/logout?all=true",
            "https://a.example/webcontroller/logout?all=true",
        ),
        ("/a/../logout", "https://a.example/logout"),
        ("/a b", "https://a.example/a%20b"),
    ] {
        let config = Config::builder("https://a.example", "https://b.example")
            .logout_path(path)
            .build()
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(config.logout_url(), Some(url), "{path}");
    }
}

#[test]
fn frame_urls_encode_every_parameter() {
    let config = |mode| {
        Config::builder("https://acme.symphony.com", "http://127.0.0.1:8080")
            .partner_id("p1")
            .mode(mode)
            .build()
            .expect("valid")
    };
    let settings = Settings::new()
        .with("mode", "dark")
        .with("sound", false)
        .with("x", "a&b=c")
        .with("ü", "é €");
    let url = main_frame(&config(Mode::Focus), Some("s/1 &\"<>#%+"), &settings).expect("a URL");
    assert_eq!(
        url,
        "https://acme.symphony.com/apps/embed/default?embed=true&partnerId=p1&streamId=s%2F1+%26%22%3C%3E%23%25%2B&sdkOrigin=http%3A%2F%2F127.0.0.1%3A8080&mode=dark&sound=false&x=a%26b%3Dc&%C3%BC=%C3%A9+%E2%82%AC"
    );
    assert_eq!(
        main_frame(&config(Mode::Collaboration), None, &Settings::new()).expect("a URL"),
        "https://acme.symphony.com/apps/client2/default?embed=true&partnerId=p1&sdkOrigin=http%3A%2F%2F127.0.0.1%3A8080"
    );
    assert_eq!(
        child_frame(&config(Mode::Focus), FrameId(7)),
        "https://acme.symphony.com/apps/embed/default/frame-root.html#symphony-frame-7"
    );
    let port = Config::builder("http://127.0.0.1:9090", "http://127.0.0.1:8080")
        .build()
        .expect("valid");
    assert_eq!(
        child_frame(&port, FrameId(12)),
        "http://127.0.0.1:9090/apps/embed/default/frame-root.html#symphony-frame-12"
    );
}
