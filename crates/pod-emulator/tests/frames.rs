//! The HTML frames: signed-in vs sign-in, sdkOrigin validation, escaping of
//! query values, boot data, faults, frame-load counting, view reports, and
//! the forging page.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn main_frame_without_session_shows_sign_in_form() {
    let pod = pod().await;
    let client = browser();
    let url = frame_url(
        &pod,
        "/apps/embed/default",
        &[("streamId", "s1"), ("sdkOrigin", HOST_ORIGIN), ("mode", "dark")],
    );
    let resp = client.get(&url).send().await.expect("frame");
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    let csp = header(&resp, "content-security-policy");
    assert!(csp.contains("frame-ancestors"), "{csp}");
    // Embeddable by cross-origin-isolated pages such as the wasm-bindgen test runner's.
    assert_eq!(resp.headers()["cross-origin-resource-policy"], "cross-origin");
    assert_eq!(resp.headers()["cross-origin-embedder-policy"], "require-corp");
    let html = resp.text().await.expect("body");
    assert!(is_sign_in_page(&html));
    assert!(html.contains("name=\"user\""));
    assert!(html.contains("action=\"/login\""));
    assert!(html.contains(">Sign in</button>"));
    assert!(html.contains("class=\"theme-dark\""));
    // Comes back to the same frame URL after sign-in.
    let path_and_query = url.trim_start_matches(&pod.url()).replace('&', "&amp;");
    assert!(
        html.contains(&format!("name=\"return\" value=\"{path_and_query}\"")),
        "return field carries {path_and_query}"
    );
    // Nothing to post before sign-in; the only script reports the view.
    assert!(boot_json(&html).is_none());
    assert!(!html.contains("clientReady"));
    assert!(!html.contains("postMessage"));
    assert_eq!(
        data_json(&html, "view"),
        Some(json!({"frame": "main", "mode": "focus", "page": "signin",
                    "user": null, "streamId": null, "iFrameId": null}))
    );

    // Sign in through the form: 303 back to the frame, now signed in.
    let resp = client
        .post(format!("{}/login", pod.url()))
        .form(&[("user", "alice"), ("return", url.trim_start_matches(&pod.url()))])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().expect("ascii").to_owned();
    let html = page(&client, format!("{}{}", pod.url(), location), "frame").await;
    assert!(is_chat_page(&html));
    assert_eq!(element_text(&html, "user"), Some("alice"));
    pod.shutdown().await;
}

#[tokio::test]
async fn signed_in_main_frame_shows_chat_and_boot_data() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "Alice Example").await;
    let url = frame_url(
        &pod,
        "/apps/embed/default",
        &[
            ("embed", "true"),
            ("partnerId", "partner-1"),
            ("streamId", "s1"),
            ("sdkOrigin", "http://127.0.0.1:8080/"),
            ("mode", "light"),
            ("condensed", "true"),
        ],
    );
    let html = page(&client, url, "frame").await;
    assert!(is_chat_page(&html));
    assert!(html.contains("Symphony (emulator)"));
    assert_eq!(element_text(&html, "user"), Some("Alice Example"));
    assert_eq!(element_text(&html, "stream"), Some("s1"));
    assert_eq!(
        element_text(&html, "settings"),
        Some("settings: mode=light, condensed=true")
    );
    assert!(html.contains("class=\"theme-light\""));
    let boot = boot_json(&html).expect("boot data");
    assert_eq!(boot["kind"], "main");
    assert_eq!(boot["variant"], "focus");
    assert_eq!(boot["sdkOrigin"], "http://127.0.0.1:8080", "canonical origin");
    assert_eq!(boot["user"], "Alice Example");
    assert_eq!(boot["streamId"], "s1");
    assert_eq!(boot["partnerId"], "partner-1");
    assert_eq!(boot["settings"], json!({"mode": "light", "condensed": "true"}));
    assert_eq!(boot["fault"], "ok");
    assert_eq!(boot["channel"], format!("symphony-emulator-{}", pod.port()));
    // The script posts clientReady to sdkOrigin only.
    assert!(html.contains("eventType: 'clientReady'"));
    assert!(html.contains("window.parent.postMessage(msg, boot.sdkOrigin)"));
    assert!(!html.contains("postMessage(msg, '*')"));
    pod.shutdown().await;
}

#[tokio::test]
async fn collaboration_frame_has_stream_list_and_dark_mode() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "bob").await;
    let url = frame_url(
        &pod,
        "/apps/client2/default",
        &[("streamId", "s9"), ("sdkOrigin", HOST_ORIGIN), ("mode", "dark")],
    );
    let html = page(&client, url, "frame").await;
    assert!(is_chat_page(&html));
    assert!(html.contains("id=\"stream-list\""));
    assert!(html.contains("class=\"theme-dark\""));
    let boot = boot_json(&html).expect("boot");
    assert_eq!(boot["variant"], "collaboration");
    assert_eq!(boot["streamId"], "s9");
    pod.shutdown().await;
}

#[tokio::test]
async fn sdk_origin_is_required_and_validated() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let cases: [&[(&str, &str)]; 6] = [
        &[("streamId", "s1")],
        &[("sdkOrigin", "")],
        &[("sdkOrigin", "not an origin")],
        &[("sdkOrigin", "javascript:alert(1)")],
        &[("sdkOrigin", "http://127.0.0.1:8080/path")],
        &[("sdkOrigin", "\"><script>alert(1)</script>")],
    ];
    for query in cases {
        let resp = client
            .get(frame_url(&pod, "/apps/embed/default", query))
            .send()
            .await
            .expect("frame");
        assert_eq!(resp.status(), 400, "{query:?}");
        let html = resp.text().await.expect("body");
        assert!(html.contains("id=\"error\""), "{query:?}");
        assert_only_view_report(&html, "focus", "error");
        assert!(!html.contains("id=\"chat\""));
    }
    // A well-formed origin that may not embed this pod.
    let resp = client
        .get(frame_url(
            &pod,
            "/apps/client2/default",
            &[("sdkOrigin", "http://evil.example")],
        ))
        .send()
        .await
        .expect("frame");
    assert_eq!(resp.status(), 400);
    let html = resp.text().await.expect("body");
    assert!(html.contains("not allowed"));
    assert_only_view_report(&html, "collaboration", "error");
    pod.shutdown().await;
}

/// Pages without frame behaviour (sign-in form, error page) run one script:
/// the view report, with data that holds nothing from the request. They
/// never post to the host.
fn assert_only_view_report(html: &str, mode: &str, page: &str) {
    assert_eq!(html.matches("<script").count(), 2, "view data + report script");
    assert!(boot_json(html).is_none());
    assert!(!html.contains("postMessage"));
    assert!(html.contains("fetch('/apps/embed/views'"));
    assert_eq!(
        data_json(html, "view"),
        Some(json!({"frame": "main", "mode": mode, "page": page,
                    "user": null, "streamId": null, "iFrameId": null}))
    );
}

const XSS: &str = "\"><script>alert(1)</script>";
const XSS2: &str = "</script><script>alert(2)</script><!--";
const XSS3: &str = "'><img src=x onerror=alert(3)>";

fn assert_nothing_escapes(html: &str, script_tags: usize) {
    assert!(!html.contains("<script>alert"), "a script tag escaped");
    assert!(!html.contains("<img src=x"), "an img tag escaped");
    assert!(!html.contains("<!--"), "a comment opened");
    assert_eq!(
        html.matches("<script").count(),
        script_tags,
        "only the emulator's own script elements"
    );
    assert_eq!(html.matches("</script>").count(), script_tags);
}

#[tokio::test]
async fn query_values_are_escaped_everywhere() {
    let pod = pod().await;
    let query = [
        ("streamId", XSS),
        ("sdkOrigin", HOST_ORIGIN),
        ("partnerId", XSS3),
        ("mode", XSS3),
        ("x", XSS2),
        (XSS, "key"),
    ];

    // Sign-in form (no script at all).
    let anonymous = browser();
    let html = page(
        &anonymous,
        frame_url(&pod, "/apps/embed/default", &query),
        "frame",
    )
    .await;
    assert!(is_sign_in_page(&html));
    assert_nothing_escapes(&html, 2);
    assert_only_view_report(&html, "focus", "signin");

    // Signed-in page: the boot JSON and the frame script only.
    let client = browser();
    sign_in(&pod, &client, "<b>mallory</b>").await;
    for path in ["/apps/embed/default", "/apps/client2/default"] {
        let html = page(&client, frame_url(&pod, path, &query), "frame").await;
        assert!(is_chat_page(&html), "{path}");
        assert_nothing_escapes(&html, 2);
        assert!(!html.contains("<b>mallory"));
        assert_eq!(
            element_text(&html, "stream"),
            Some("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
        );
        assert_eq!(element_text(&html, "user"), Some("&lt;b&gt;mallory&lt;/b&gt;"));
        // The boot data still carries the exact values.
        let boot = boot_json(&html).expect("boot JSON parses");
        assert_eq!(boot["streamId"], XSS);
        assert_eq!(boot["partnerId"], XSS3);
        assert_eq!(boot["settings"]["x"], XSS2);
        assert_eq!(boot["settings"][XSS], "key");
        assert_eq!(boot["user"], "<b>mallory</b>");
    }

    // Child frame.
    let html = client
        .get(frame_url(
            &pod,
            "/apps/embed/default/frame-root.html",
            &[("mode", XSS3), ("x", XSS2)],
        ))
        .send()
        .await
        .expect("child")
        .text()
        .await
        .expect("body");
    assert_nothing_escapes(&html, 2);
    pod.shutdown().await;
}

#[tokio::test]
async fn main_frame_faults_are_in_the_boot_data() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    for fault in ["neverReady", "noAnswer", "ok"] {
        let resp = put_faults(&pod, json!({ "mainFrame": fault })).await;
        assert_eq!(resp.status(), 200);
        let (_, html) = focus_frame(&pod, &client).await;
        let boot = boot_json(&html).expect("boot");
        assert_eq!(boot["fault"], fault);
    }
    pod.shutdown().await;
}

#[tokio::test]
async fn child_frame_waits_for_a_stream() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let resp = client
        .get(format!(
            "{}/apps/embed/default/frame-root.html?mode=dark",
            pod.url()
        ))
        .send()
        .await
        .expect("child");
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.expect("body");
    assert!(html.contains("waiting for stream"));
    assert!(html.contains("class=\"theme-dark\""));
    // The chat view is only a template until the main frame picks a stream.
    assert!(html.contains("<template id=\"chat-template\">"));
    let outside_template = html
        .split("<template id=\"chat-template\">")
        .next()
        .unwrap_or_default();
    assert!(!outside_template.contains("id=\"chat\""));
    let boot = boot_json(&html).expect("boot");
    assert_eq!(boot["kind"], "child");
    assert_eq!(boot["user"], "alice");
    assert_eq!(boot["channel"], format!("symphony-emulator-{}", pod.port()));
    // Child frames never post to the host.
    assert!(boot.get("sdkOrigin").is_none());
    pod.shutdown().await;
}

#[tokio::test]
async fn every_frame_get_is_counted() {
    let pod = pod().await;
    let client = browser();
    focus_frame(&pod, &client).await; // sign-in form
    sign_in(&pod, &client, "alice").await;
    focus_frame(&pod, &client).await; // chat
    client
        .get(frame_url(
            &pod,
            "/apps/client2/default",
            &[("sdkOrigin", HOST_ORIGIN)],
        ))
        .send()
        .await
        .expect("collab");
    send(
        client.get(format!("{}/apps/embed/default/frame-root.html", pod.url())),
        "child",
    )
    .await;
    send(
        client.get(format!("{}/apps/embed/default", pod.url())),
        "error page",
    )
    .await;
    let st: Value = state(&pod).await;
    assert_eq!(st["framesLoaded"], 5);
    pod.shutdown().await;
}

#[tokio::test]
async fn recorded_messages_reach_the_boot_data() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    plain()
        .post(format!("{}/__emulator/messages", pod.url()))
        .json(&json!({"streamId": "s1", "text": "</script><script>alert(4)</script>"}))
        .send()
        .await
        .expect("inject");
    let (_, html) = focus_frame(&pod, &client).await;
    assert_nothing_escapes(&html, 2);
    let boot = boot_json(&html).expect("boot");
    assert_eq!(boot["messages"][0]["text"], "</script><script>alert(4)</script>");
    assert_eq!(boot["lastMessageId"], boot["messages"][0]["id"]);
    pod.shutdown().await;
}

#[tokio::test]
async fn frame_scripts_report_their_views() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let (_, main) = focus_frame(&pod, &client).await;
    let child = send(
        client.get(format!("{}/apps/embed/default/frame-root.html", pod.url())),
        "child",
    )
    .await
    .text()
    .await
    .expect("body");
    for html in [&main, &child] {
        // One serialized POST per change of what the frame shows.
        assert!(html.contains("fetch('/apps/embed/views', {"));
        assert!(html.contains("method: 'POST'"));
        assert!(html.contains("frame: child ? 'child' : 'main'"));
        assert!(html.contains("iFrameId: child && location.hash.length > 1"));
        assert!(html.contains("if (report === lastReport"));
        // Showing a stream (set-stream, start-room, a child's `show`) reports it.
        assert!(html.contains("renderAll();\n    reportView('chat');\n  }"));
    }
    // Main frame: "chat" on load, "signin" after logout.
    assert!(main.contains("renderAll();\n    reportView('chat');\n    connect();"));
    assert!(main.contains("reportView('signin');"));
    assert_eq!(boot_json(&main).expect("boot")["variant"], "focus");
    // Child frame: "waiting" on load and after a sign-out.
    assert!(child.contains("reportView('waiting');\n    hello();"));
    assert_eq!(boot_json(&child).expect("boot")["kind"], "child");
    // Loading pages reports nothing by itself: the browser's script does.
    assert_eq!(state(&pod).await["views"], json!([]));
    pod.shutdown().await;
}

fn forge_url(pod: &symphony_pod_emulator::RunningEmulator, messages: &str) -> String {
    frame_url(pod, "/__emulator/forge", &[("messages", messages)])
}

#[tokio::test]
async fn forge_page_posts_the_given_messages_to_the_parent() {
    let pod = pod().await;
    let messages = json!([
        {"eventType": "clientReady"},
        {"eventType": "sdk-resolve", "payload": {"id": "1", "data": {"x": XSS2}}},
        "{\"eventType\":\"clientReady\"}",
        42,
        null,
        [1, "\u{2028}"]
    ]);
    let resp = plain()
        .get(forge_url(&pod, &messages.to_string()))
        .send()
        .await
        .expect("forge");
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    let csp = header(&resp, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'self' http://127.0.0.1:*"), "{csp}");
    let html = resp.text().await.expect("body");
    // The values are embedded exactly, as JSON with `<` escaped.
    assert_eq!(data_json(&html, "forge"), Some(messages));
    assert!(html.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(2)"));
    assert!(html.contains("\\u2028"));
    assert_nothing_escapes(&html, 2);
    // Structured-clone values to the parent with '*', then "forge-done".
    assert!(html.contains("target.postMessage(messages[i], '*');"));
    assert!(html.contains("target.postMessage('forge-done', '*');"));
    assert!(html.contains("var target = window.parent;"));
    // Counts nothing.
    let st = state(&pod).await;
    assert_eq!(st["framesLoaded"], 0);
    assert_eq!(st["views"], json!([]));

    let empty = plain().get(forge_url(&pod, "[]")).send().await.expect("forge");
    assert_eq!(empty.status(), 200);
    assert_eq!(
        data_json(&empty.text().await.expect("body"), "forge"),
        Some(json!([]))
    );
    pod.shutdown().await;
}

#[tokio::test]
async fn forge_page_needs_a_json_array() {
    let pod = pod().await;
    let client = plain();
    let mut urls: Vec<String> = ["", "{}", "\"forge\"", "7", "null", "[1,", "not json", "<script>"]
        .iter()
        .map(|m| forge_url(&pod, m))
        .collect();
    urls.push(format!("{}/__emulator/forge", pod.url()));
    urls.push(format!("{}/__emulator/forge?message=[]", pod.url()));
    for url in urls {
        let resp = client.get(&url).send().await.expect("forge");
        assert_eq!(resp.status(), 400, "{url}");
        let body: Value = resp.json().await.expect("json error");
        assert!(
            body["error"].as_str().expect("message").contains("messages"),
            "{url}"
        );
    }
    pod.shutdown().await;
}
