//! The reliability suite: every emulator fault crossed with logout and render, forged
//! messages, injection strings, and a thousand concurrent logout requesters, all through the
//! Yew agent of a mounted `<SymphonyProvider>` against the pod emulator. It asserts the
//! invariants and prints one summary line (`./x test` shows it).
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use symphony_test_support::app::Mounted;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::future::join_all;
use futures::StreamExt;
use serde_json::{json, Value};
use support::{
    container, document, eventually, faults, forge_and_expect_refusal, fresh, logout_requests, our_frames,
    page_origin, ready, sessions, state, within,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use yew_symphony::{
    Config, Mode, NotificationKind, RenderOptions, SdkResult, SessionState, Settings, SymphonyAgent,
    SymphonyError,
};

wasm_bindgen_test_configure!(run_in_browser);

const LOGOUT_TIMEOUT: Duration = Duration::from_millis(1200);
const FRAME_LOGOUT_TIMEOUT: Duration = Duration::from_millis(300);
const REQUEST_TIMEOUT: Duration = Duration::from_millis(1000);

/// Short timeouts, so that the hanging faults stay quick.
fn quick_config() -> Config {
    Config::builder(support::emulator(), page_origin())
        .partner_id("reliability")
        .mode(Mode::Focus)
        .logout_timeout(LOGOUT_TIMEOUT)
        .frame_logout_timeout(FRAME_LOGOUT_TIMEOUT)
        .request_timeout(REQUEST_TIMEOUT)
        .build()
        .expect("a valid config")
}

fn now() -> f64 {
    js_sys::Date::now()
}

async fn tick() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

fn json_of(result: &Result<(), SymphonyError>) -> Value {
    serde_json::to_value(SdkResult::from(result)).expect("json")
}

/// Symphony's documented shape, exactly: `{}`, or `{"error":{"type":"ERROR","message":..}}`
/// with an optional `data` object and nothing else.
fn documented_shape(json: &Value) -> bool {
    let Some(object) = json.as_object() else {
        return false;
    };
    if object.is_empty() {
        return true;
    }
    let Some(error) = object.get("error").and_then(Value::as_object) else {
        return false;
    };
    object.len() == 1
        && error
            .keys()
            .all(|k| ["type", "message", "data"].contains(&k.as_str()))
        && error.get("type") == Some(&json!("ERROR"))
        && error
            .get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty())
        && error.get("data").is_none_or(Value::is_object)
}

/// Everything of the session is gone: no frame in the document, no listener, no timer,
/// no request in flight, and the state is `LoggedOut`.
async fn assert_fail_closed(agent: &SymphonyAgent, what: &str) {
    // Fired timers and listeners are released one task later.
    tick().await;
    assert!(our_frames().is_empty(), "{what}: frames left in the document");
    assert_eq!(agent.state(), SessionState::LoggedOut, "{what}");
    let live = yew_symphony::live_counts();
    assert_eq!(live.frames, 0, "{what}: {live:?}");
    assert_eq!(live.message_listeners, 0, "{what}: {live:?}");
    let diagnostics = agent.symphony().diagnostics();
    assert_eq!(diagnostics.frames, 0, "{what}: {diagnostics:?}");
    assert_eq!(diagnostics.timers, 0, "{what}: {diagnostics:?}");
    assert_eq!(diagnostics.http_requests, 0, "{what}: {diagnostics:?}");
}

/// Renders the main frame and waits for its load: the render itself answers at
/// `clientReady`, which a frame that waits for sign-in never says (its answer is dropped
/// here; a later logout or render gives it).
async fn render_main(agent: &SymphonyAgent, stream: &str) {
    container("rel-main");
    let (rendering, stream) = (agent.clone(), stream.to_owned());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = rendering
            .render_into("rel-main", RenderOptions::stream(stream))
            .await;
    });
    let symphony = agent.symphony().clone();
    eventually(8000, "the main frame loaded", move || {
        let loaded = symphony.is_loaded();
        async move { loaded }
    })
    .await;
}

/// What a logout under a fault must answer, and which requests reach the pod.
fn expected(logout_fault: &Value, main_fault: &str) -> (Result<(), SymphonyError>, (u64, u64)) {
    let result = match logout_fault {
        Value::String(s) if s == "hang" => Err(SymphonyError::Timeout {
            operation: "logout",
            after: LOGOUT_TIMEOUT,
        }),
        Value::String(s) if s == "drop" => Err(SymphonyError::Network {
            message: String::new(),
        }),
        Value::Object(o) if o.contains_key("status") => Err(SymphonyError::ServerStatus {
            status: o["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
        }),
        _ => Ok(()),
    };
    match (main_fault, result) {
        // The main frame asks the pod itself and relays its success.
        ("ok", Ok(())) => (Ok(()), (1, 0)),
        // A frame that hangs past the frame timeout: HTTP asks, and hangs too.
        ("ok", result) if logout_fault == "hang" => (result, (1, 1)),
        // A frame that relays a refusal: HTTP asks, and is refused the same way.
        ("ok", Err(error)) => (
            Err(SymphonyError::LogoutRefused {
                frame: Box::new(error.clone()),
                http: Box::new(error),
            }),
            (1, 1),
        ),
        // Not ready: straight to HTTP. Silent: HTTP after the frame timeout.
        (_, result) => (result, (0, 1)),
    }
}

fn same_outcome(got: &Result<(), SymphonyError>, want: &Result<(), SymphonyError>) -> bool {
    match (got, want) {
        // The browser's wording of a network error is its own.
        (Err(SymphonyError::Network { .. }), Err(SymphonyError::Network { .. })) => true,
        (
            Err(SymphonyError::LogoutRefused { frame, http }),
            Err(SymphonyError::LogoutRefused {
                frame: want_frame,
                http: want_http,
            }),
        ) => {
            same_outcome(&Err((**frame).clone()), &Err((**want_frame).clone()))
                && same_outcome(&Err((**http).clone()), &Err((**want_http).clone()))
        }
        _ => got == want,
    }
}

/// Every logout fault crossed with every main-frame fault: the documented result, the
/// frames removed (fail closed), the requests the pod saw, and a retry of the server part.
async fn logout_faults() -> (usize, usize) {
    let app = Mounted::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    let logout_faults = [
        json!("ok"),
        json!({"status": 500}),
        json!({"status": 401}),
        json!("hang"),
        json!({"delayMs": 100}),
        json!("drop"),
    ];
    let mut cases = 0;
    let mut closed = 0;
    for main_fault in ["ok", "neverReady", "noAnswer"] {
        for logout_fault in &logout_faults {
            let what = format!("logout {logout_fault} with main frame {main_fault}");
            fresh().await;
            faults(json!({"logout": logout_fault, "mainFrame": main_fault})).await;
            render_main(&agent, "s").await;
            if main_fault != "neverReady" {
                ready(agent.symphony()).await;
            }
            let started = now();
            let result = agent.logout().await;
            let took = now() - started;
            let (want, requests) = expected(logout_fault, main_fault);
            assert!(
                same_outcome(&result, &want),
                "{what}: {result:?}, expected {want:?}"
            );
            let shape = json_of(&result);
            assert!(documented_shape(&shape), "{what}: {shape}");
            assert!(
                took < (LOGOUT_TIMEOUT.as_millis() + 1000) as f64,
                "{what}: took {took} ms"
            );
            assert_fail_closed(&agent, &what).await;
            let pod = state().await;
            assert_eq!(logout_requests(&pod), requests, "{what}: {pod}");
            closed += 1;
            cases += 1;

            // A later logout retries only the server part, and only if it failed.
            faults(json!({"logout": "ok"})).await;
            let loaded = pod["framesLoaded"].clone();
            assert_eq!(agent.logout().await, Ok(()), "{what}: retry");
            let after = state().await;
            let (frame, http) = logout_requests(&after);
            let retried = u64::from(result.is_err());
            assert_eq!((frame, http), (requests.0, requests.1 + retried), "{what}: retry");
            assert_eq!(
                after["framesLoaded"], loaded,
                "{what}: the retry rendered nothing"
            );
            assert_eq!(sessions(&after), 0, "{what}: the session ended");
            assert_fail_closed(&agent, &what).await;
        }
    }
    drop(agent);
    app.unmount();
    (closed, cases)
}

/// Starts a logout in the background; resolves to its result.
fn logout_in_background(agent: &SymphonyAgent) -> oneshot::Receiver<Result<(), SymphonyError>> {
    let (sender, receiver) = oneshot::channel();
    let agent = agent.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = sender.send(agent.logout().await);
    });
    receiver
}

async fn until_state(agent: &SymphonyAgent, wanted: SessionState) {
    let agent = agent.clone();
    eventually(3000, "the session state", move || {
        let reached = agent.state() == wanted;
        async move { reached }
    })
    .await;
}

/// Render under each main-frame fault, render during a logout, render into nothing: typed
/// results in the documented shape, and every frame gone after the logout.
async fn render_faults() -> (usize, usize) {
    let app = Mounted::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    let mut cases = 0;
    let mut typed = 0;
    let mut check = |what: &str, result: &Result<(), SymphonyError>, ok: bool| {
        cases += 1;
        assert!(ok, "{what}: {result:?}");
        assert!(documented_shape(&json_of(result)), "{what}");
        typed += 1;
    };

    for main_fault in ["ok", "neverReady", "noAnswer"] {
        fresh().await;
        faults(json!({"mainFrame": main_fault})).await;
        render_main(&agent, "s").await;
        container("rel-side");
        let opened = agent.open_stream("s2", Some("rel-side")).await;
        let shows_s2 = opened
            .as_ref()
            .is_ok_and(|o| o.stream_id.as_deref() == Some("s2"));
        let child = opened.map(drop);
        let what = format!("render, then a child frame, with main frame {main_fault}");
        match main_fault {
            "ok" => check(&what, &child, shows_s2 && agent.is_ready()),
            _ => check(
                &what,
                &child,
                child
                    == Err(SymphonyError::Timeout {
                        operation: "open stream",
                        after: REQUEST_TIMEOUT,
                    }),
            ),
        }
        assert_eq!(our_frames().len(), 2, "{what}: both frames rendered");
        assert_eq!(agent.logout().await, Ok(()), "{what}: logout");
        assert_fail_closed(&agent, &what).await;
    }

    for logout_fault in [json!("hang"), json!({"delayMs": 400})] {
        let what = format!("render while a logout ({logout_fault}) runs");
        fresh().await;
        faults(json!({"logout": logout_fault, "mainFrame": "neverReady"})).await;
        render_main(&agent, "s").await;
        let logout = logout_in_background(&agent);
        until_state(&agent, SessionState::LoggingOut).await;
        container("rel-other");
        let render = agent.render_into("rel-other", RenderOptions::stream("s")).await;
        check(&what, &render, render == Err(SymphonyError::LogoutInProgress));
        let result = within(5000, logout)
            .await
            .and_then(Result::ok)
            .expect("the logout ended");
        if logout_fault == "hang" {
            assert!(
                matches!(result, Err(SymphonyError::Timeout { .. })),
                "{what}: {result:?}"
            );
        } else {
            assert_eq!(result, Ok(()), "{what}");
        }
        assert_fail_closed(&agent, &what).await;
    }

    fresh().await;
    let render = agent.render_into("rel-nowhere", RenderOptions::stream("s")).await;
    check(
        "render into a missing container",
        &render,
        render
            == Err(SymphonyError::ContainerNotFound {
                container: "rel-nowhere".into(),
            }),
    );
    assert!(our_frames().is_empty());
    drop(agent);
    app.unmount();
    (typed, cases)
}

fn forged_messages(ids: &[String]) -> Value {
    let mut messages = vec![
        json!({"eventType": "clientReady"}),
        json!("{\"eventType\":\"clientReady\"}"),
    ];
    for sub in 1..=4 {
        let id = format!("sub-{sub}");
        messages.push(json!({"eventType": "sdk-callback-data",
            "payload": {"id": id, "data": {"notifications": [], "totalCount": 99}}}));
    }
    for id in ids {
        messages.push(json!({"eventType": "sdk-resolve", "payload": {"id": id, "data": {}}}));
        messages.push(json!({"eventType": "sdk-resolve", "payload": {"id": id,
            "data": {"error": {"type": "ERROR", "message": "forged"}}}}));
    }
    Value::Array(messages)
}

/// Forged messages from another origin, from the pod's origin but not the main frame, and
/// from the page itself: refused and tried (all must be refused).
async fn forged() -> (u64, u64) {
    let app = Mounted::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    let symphony = agent.symphony().clone();
    let mut tried = 0;
    let mut refusals = 0;

    // 1. Not ready (the real main frame never says clientReady): a forged clientReady or
    //    answer would show.
    fresh().await;
    faults(json!({"mainFrame": "neverReady"})).await;
    render_main(&agent, "s").await;
    let (sender, mut answered) = mpsc::unbounded();
    let pending = agent.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = pending
            .update_settings(Settings::new().with("mode", "dark"))
            .await;
        let _ = sender.unbounded_send(result);
    });
    let notified = Rc::new(Cell::new(0));
    let count = notified.clone();
    let listener = agent
        .listen(
            NotificationKind::GlobalUnreadCountNotifications,
            None,
            move |_| count.set(count.get() + 1),
        )
        .expect("listen");
    let ids: Vec<String> = (1..=4)
        .flat_map(|n| [format!("set-settings-{n}"), format!("logout-{n}")])
        .collect();
    let messages = forged_messages(&ids);
    let (sent, refused) = forge_and_expect_refusal(&symphony, &messages, true).await;
    tried += sent;
    refusals += refused;
    assert!(!symphony.is_ready(), "a forged clientReady was not believed");
    assert!(answered.try_recv().is_err(), "a forged answer answered nothing");
    assert_eq!(notified.get(), 0, "a forged notification reached nobody");
    drop(listener);
    assert_eq!(agent.logout().await, Ok(()));
    let late = within(2000, answered.next()).await.flatten();
    assert_eq!(
        late,
        Some(Err(SymphonyError::Interrupted {
            operation: "update settings",
            by: "logout"
        }))
    );
    assert_fail_closed(&agent, "forged, not ready").await;

    // 2. Ready, while the pod takes its time over the logout: a forged answer to it would
    //    end it early (or with an error).
    fresh().await;
    let slow = Config::builder(support::emulator(), page_origin())
        .partner_id("reliability")
        .frame_logout_timeout(Duration::from_millis(4000))
        .logout_timeout(Duration::from_millis(8000))
        .build()
        .expect("config");
    drop(agent);
    app.unmount();
    let app = Mounted::provider_app(slow, Vec::new());
    let agent = app.rendered_agent().await;
    let symphony = agent.symphony().clone();
    render_main(&agent, "s").await;
    ready(&symphony).await;
    faults(json!({"logout": {"delayMs": 1500}})).await;
    let started = now();
    let logout = logout_in_background(&agent);
    until_state(&agent, SessionState::LoggingOut).await;
    let ids: Vec<String> = (1..=8).map(|n| format!("logout-{n}")).collect();
    let messages = forged_messages(&ids);
    let (sent, refused) = forge_and_expect_refusal(&symphony, &messages, true).await;
    tried += sent;
    refusals += refused;
    assert_eq!(
        agent.state(),
        SessionState::LoggingOut,
        "the forgeries did not end the logout"
    );
    let result = within(5000, logout)
        .await
        .and_then(Result::ok)
        .expect("the logout ended");
    assert_eq!(result, Ok(()), "the pod's own answer, not a forged one");
    assert!(now() - started >= 1500.0, "not ended early by a forged answer");
    assert_eq!(logout_requests(&state().await), (1, 0));
    assert_fail_closed(&agent, "forged, during a logout").await;
    faults(json!({"logout": "ok"})).await;
    drop(agent);
    app.unmount();
    (refusals, tried)
}

fn valid_container(id: &str) -> bool {
    !id.is_empty() && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn valid_text(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(char::is_control)
}

fn pwned() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__pwned")).is_ok_and(|v| !v.is_undefined())
}

fn count(selector: &str) -> u32 {
    document().query_selector_all(selector).map_or(0, |l| l.length())
}

/// The frame `src` query, parsed back with a URL parser.
fn query_of(src: &str) -> Option<(url::Url, Vec<(String, String)>)> {
    let url = url::Url::parse(src).ok()?;
    let pairs = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Some((url, pairs))
}

/// What the pod says its frames show (the frames report it to the emulator).
async fn pod_shows(frame: &'static str, stream: &str) -> bool {
    let stream = stream.to_owned();
    let mut shown = false;
    for _ in 0..150 {
        let views = state().await["views"].clone();
        shown = views
            .as_array()
            .into_iter()
            .flatten()
            .any(|v| v["frame"] == frame && v["page"] == "chat" && v["streamId"] == stream.as_str());
        if shown {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    shown
}

/// Injection strings as stream ids, setting values and container ids: each must round-trip
/// exactly through the frame URL and the protocol, containers are looked up by id (never as
/// a selector), invalid ones give typed errors, and nothing runs or appears.
async fn injections() -> (usize, usize) {
    let strings = [
        "\"><script>window.__pwned=1</script>",
        "' onload='window.__pwned=1",
        "#frag?q=1&a=b",
        "流れ-ストリーム-🎵-é\u{202e}x",
        "a]b,c",
        "#x .y",
        "&sdkOrigin=http://evil.example&streamId=x",
        "\"><img src=x onerror=window.__pwned=1>",
        "javascript:window.__pwned=1",
        "%00%2F..%2F%3Cb%3E",
        "inj-x,#inj-decoy",
        "\\\"'`;{}[]()<>",
        "../../logout?x=1#y",
        "<!--x-->",
        "a b\tc",
    ];
    let scripts = count("script");
    let images = count("img");
    let elements = count("*");
    let app = Mounted::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    let symphony = agent.symphony().clone();
    let origin = page_origin();
    let emulator = url::Url::parse(support::emulator()).expect("emulator URL");
    let decoy = container("inj-decoy");
    let mut cases = 0;
    let mut escaped: Vec<String> = Vec::new();
    let mut verdict = |what: String, ok: bool| {
        cases += 1;
        if !ok {
            escaped.push(what);
        }
    };

    for s in strings {
        fresh().await;
        // Container ids: invalid ones are refused with a typed error before anything is made.
        let main_container = if valid_container(s) {
            let missing = agent.render_into(s, RenderOptions::stream("s")).await;
            verdict(
                format!("missing container {s:?}"),
                missing
                    == Err(SymphonyError::ContainerNotFound {
                        container: s.to_owned(),
                    })
                    && our_frames().is_empty(),
            );
            container(s);
            s.to_owned()
        } else {
            let refused = agent.render_into(s, RenderOptions::stream("s")).await;
            verdict(
                format!("invalid container {s:?}"),
                matches!(
                    refused,
                    Err(SymphonyError::InvalidArgument {
                        argument: "container",
                        ..
                    })
                ) && our_frames().is_empty(),
            );
            container("inj-main");
            "inj-main".to_owned()
        };

        let settings = Settings::new().with("mode", "dark").with("note", s);
        let render = agent
            .render_into(&main_container, RenderOptions::stream(s).with_settings(settings))
            .await;
        if !valid_text(s) {
            verdict(
                format!("invalid stream id {s:?}"),
                matches!(
                    render,
                    Err(SymphonyError::InvalidArgument {
                        argument: "stream id",
                        ..
                    })
                ) && our_frames().is_empty(),
            );
            if let Some(element) = document().get_element_by_id(&main_container) {
                element.remove();
            }
            continue;
        }
        render.expect("render");
        let frames = our_frames();
        let main = frames.first().expect("the main frame");
        let expected_parent = document().get_element_by_id(&main_container).expect("container");
        verdict(
            format!("container {main_container:?} looked up by id"),
            frames.len() == 1
                && main
                    .parent_element()
                    .is_some_and(|p| p.is_same_node(Some(&expected_parent)))
                && decoy.child_element_count() == 0,
        );
        let want: Vec<(String, String)> = [
            ("embed", "true"),
            ("partnerId", "reliability"),
            ("streamId", s),
            ("sdkOrigin", origin.as_str()),
            ("mode", "dark"),
            ("note", s),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let round_trip = query_of(&main.src()).is_some_and(|(url, pairs)| {
            url.origin() == emulator.origin()
                && url.path() == "/apps/embed/default"
                && url.fragment().is_none()
                && pairs == want
        });
        verdict(
            format!("stream id and setting {s:?} in the frame URL"),
            round_trip,
        );
        ready(&symphony).await;
        verdict(
            format!("stream id {s:?} as the pod read it"),
            pod_shows("main", s).await,
        );

        // Through the protocol (postMessage JSON): a child frame showing the stream.
        container("inj-child");
        let child = agent.open_stream(s, Some("inj-child")).await;
        let child_src = our_frames().get(1).map(|f| f.src()).unwrap_or_default();
        let child_url_clean = url::Url::parse(&child_src).is_ok_and(|u| {
            u.path() == "/apps/embed/default/frame-root.html"
                && u.query().is_none()
                && u.fragment().is_some_and(|f| {
                    f.strip_prefix("symphony-frame-")
                        .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                })
        });
        verdict(
            format!("stream id {s:?} in a child frame"),
            child.is_ok() && child_url_clean && pod_shows("child", s).await,
        );
        let updated = agent.update_settings(Settings::new().with("note", s)).await;
        verdict(format!("setting {s:?} through the protocol"), updated.is_ok());
        assert_eq!(agent.logout().await, Ok(()));
        for id in [main_container.as_str(), "inj-child"] {
            if let Some(element) = document().get_element_by_id(id) {
                element.remove();
            }
        }
    }
    decoy.remove();
    if let Some(element) = document().get_element_by_id("inj-main") {
        element.remove();
    }
    drop(symphony);
    drop(agent);
    app.unmount();
    tick().await;
    verdict("no script ran (window.__pwned unset)".into(), !pwned());
    verdict(
        "no stray <script> or <img>".into(),
        count("script") == scripts && count("img") == images,
    );
    verdict("no stray element".into(), count("*") == elements);
    assert!(escaped.is_empty(), "escaped: {escaped:#?}");
    (escaped.len(), cases)
}

/// A thousand requesters at once, with a pod that says yes and one that fails: one logout
/// round each time (one frame attempt, and one HTTP attempt after a refusal), every
/// requester answered the same.
async fn thousand_requesters() -> u64 {
    let app = Mounted::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    let mut requests = Vec::new();
    let status_500 = SymphonyError::ServerStatus { status: 500 };
    for (fault, want, round) in [
        (json!("ok"), Ok(()), (1, 0)),
        (
            json!({"status": 500}),
            Err(SymphonyError::LogoutRefused {
                frame: Box::new(status_500.clone()),
                http: Box::new(status_500.clone()),
            }),
            (1, 1),
        ),
    ] {
        fresh().await;
        render_main(&agent, "s").await;
        ready(agent.symphony()).await;
        faults(json!({"logout": fault})).await;
        let results = join_all((0..1000).map(|_| agent.logout())).await;
        assert_eq!(results.len(), 1000);
        assert!(results.iter().all(|r| *r == want), "all answered {want:?}");
        let (frame, http) = logout_requests(&state().await);
        assert_eq!((frame, http), round, "one round for a thousand requesters");
        requests.push(frame + http);
        assert_fail_closed(&agent, "a thousand requesters").await;
        faults(json!({"logout": "ok"})).await;
    }
    drop(agent);
    app.unmount();
    requests.into_iter().max().unwrap_or(0)
}

#[wasm_bindgen_test]
async fn reliability_suite() {
    let started = now();
    let (closed, logout_cases) = logout_faults().await;
    let (typed, render_cases) = render_faults().await;
    let (refused, tried) = forged().await;
    let (escaped, injection_cases) = injections().await;
    let requests = thousand_requesters().await;
    fresh().await;
    faults(json!({"logout": "ok", "mainFrame": "ok"})).await;
    console_log!(
        "reliability: faults {closed}/{logout_cases} logouts fail-closed, {typed}/{render_cases} renders typed; \
         forged {refused}/{tried} refused; injections {escaped}/{injection_cases} escaped; \
         1000 requesters -> one round, at most {requests} server requests (frame, then HTTP after a refusal); {:.1} s",
        (now() - started) / 1000.0
    );
}

/// A render that waits for a sign-in does not hold up the agent's next rendering request:
/// the queue moves on once its main frame has loaded, and the newer render answers it.
#[wasm_bindgen_test]
async fn a_render_waiting_for_the_user_does_not_hold_up_the_next() {
    fresh().await;
    faults(json!({"mainFrame": "neverReady"})).await;
    let app = Mounted::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    container("queue-first");
    container("queue-second");
    let (first_sent, first) = oneshot::channel();
    let waiting = agent.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = first_sent.send(
            waiting
                .render_into("queue-first", RenderOptions::stream("s"))
                .await,
        );
    });
    let (second_sent, second) = oneshot::channel();
    let next = agent.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = second_sent.send(next.render_into("queue-second", RenderOptions::stream("s")).await);
    });
    // The second render is served though the first is still waiting for a sign-in.
    let answered = within(5000, first).await.and_then(Result::ok);
    assert_eq!(
        answered,
        Some(Err(SymphonyError::Interrupted {
            operation: "render",
            by: "a new render"
        })),
        "the newer render answers the waiting one"
    );
    eventually(5000, "the second render's main frame loaded", || {
        let loaded = agent.symphony().is_loaded();
        async move { loaded }
    })
    .await;
    assert_eq!(agent.logout().await, Ok(()));
    assert_eq!(
        within(2000, second).await.and_then(Result::ok),
        Some(Err(SymphonyError::Interrupted {
            operation: "render",
            by: "logout"
        }))
    );
    faults(json!({"mainFrame": "ok"})).await;
    drop(agent);
    app.unmount();
}
