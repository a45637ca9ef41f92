//! The DOM adapter in headless Chromium, against the pod emulator on another origin.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::StreamExt;
use serde_json::{json, Value};
use support::*;
use symphony_dom::{
    Config, LogoutReason, Mode, NotificationKind, RenderOptions, SdkResult, SendMessageOptions, SentMessage,
    SessionState, Settings, Symphony, SymphonyError,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn rendered_focus() -> Symphony {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    symphony
        .render("main", RenderOptions::stream("stream-main"))
        .await
        .expect("render");
    ready(&symphony).await;
    symphony
}

fn json_of(result: &Result<(), SymphonyError>) -> Value {
    serde_json::to_value(SdkResult::from(result)).expect("json")
}

#[wasm_bindgen_test]
async fn focus_render_with_three_containers() {
    let symphony = rendered_focus().await;
    container("side-a");
    container("side-b");
    symphony
        .open_stream("stream-a", Some("side-a"))
        .await
        .expect("child a");
    symphony
        .open_stream("stream-b", Some("side-b"))
        .await
        .expect("child b");
    let frames = our_frames();
    assert_eq!(frames.len(), 3);
    for (frame, parent) in frames.iter().zip(["main", "side-a", "side-b"]) {
        assert_eq!(frame.parent_element().map(|p| p.id()).as_deref(), Some(parent));
        assert!(!frame.title().is_empty(), "every frame has a title");
        assert_eq!(
            frame.get_attribute("referrerpolicy").as_deref(),
            Some("strict-origin-when-cross-origin")
        );
        assert!(frame
            .get_attribute("allow")
            .is_some_and(|a| a.contains("clipboard-write")));
    }
    assert!(frames[0]
        .src()
        .starts_with(&format!("{}/apps/embed/default?embed=true", emulator())));
    assert!(frames[1]
        .src()
        .starts_with(&format!("{}/apps/embed/default/frame-root.html#", emulator())));
    let snapshot = state().await;
    assert_eq!(snapshot["framesLoaded"], 3);
    assert_eq!(sessions(&snapshot), 1, "auto-login signed the browser in");
    // Each child shows its own stream, as the frames report to the emulator.
    eventually(3000, "children showing their streams", || async {
        let views = state().await["views"].clone();
        let shown: Vec<_> = views
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["frame"] == "child")
            .filter_map(|v| v["streamId"].as_str().map(str::to_owned))
            .collect();
        shown.contains(&"stream-a".to_owned()) && shown.contains(&"stream-b".to_owned())
    })
    .await;
    symphony.logout().await.expect("logout");
}

#[wasm_bindgen_test]
async fn collaboration_render() {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Collaboration));
    symphony
        .render("main", RenderOptions::default())
        .await
        .expect("render");
    ready(&symphony).await;
    let frames = our_frames();
    assert_eq!(frames.len(), 1);
    assert!(frames[0]
        .src()
        .starts_with(&format!("{}/apps/client2/default?embed=true", emulator())));
    let err = symphony.open_stream("s", Some("elsewhere")).await.unwrap_err();
    assert!(matches!(
        err,
        SymphonyError::InvalidArgument {
            argument: "container",
            ..
        }
    ));
    symphony
        .open_stream("s2", None)
        .await
        .expect("set-stream in the full client");
    symphony.logout().await.expect("logout");
}

#[wasm_bindgen_test]
async fn actions_are_answered_by_the_pod_with_their_data() {
    let symphony = rendered_focus().await;
    let opened = symphony.open_stream("stream-2", None).await.expect("set-stream");
    assert_eq!(opened.stream_id.as_deref(), Some("stream-2"));
    assert_eq!(opened.user_ids, None);
    let sent = symphony
        .send_message("hello from the test", SendMessageOptions::to(["stream-2"]))
        .await
        .expect("send-message");
    symphony
        .update_settings(Settings::new().with("mode", "dark"))
        .await
        .expect("set-settings");
    let room = symphony
        .start_room(&["101", "ada@example.com"], None)
        .await
        .expect("start-room with an id and an email");
    assert_eq!(room.stream_id.as_deref(), Some("room-101-ada@example.com"));
    assert_eq!(
        room.user_ids,
        Some(vec!["101".to_owned(), "ada@example.com".to_owned()])
    );
    let messages = state().await["messages"].clone();
    let recorded = messages
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["text"] == "hello from the test")
        .unwrap_or_else(|| panic!("the pod recorded the sent message: {messages}"));
    // The answer names the message the pod recorded, and keeps Symphony's JSON shape.
    let message = SentMessage {
        message_id: recorded["id"].to_string(),
        stream_id: "stream-2".to_owned(),
    };
    assert_eq!(sent.messages, Some(vec![message]));
    assert_eq!(
        serde_json::to_value(SdkResult::from(&Ok::<_, SymphonyError>(sent))).expect("json"),
        serde_json::json!({"streamId": "stream-2", "messages": [{"messageId": recorded["id"].to_string(), "streamId": "stream-2"}]})
    );
    symphony.logout().await.expect("logout");
}

#[wasm_bindgen_test]
async fn notifications_are_delivered() {
    let symphony = rendered_focus().await;
    let (sender, mut receiver) = mpsc::unbounded::<Value>();
    let listener = symphony
        .listen(
            NotificationKind::MessageNotifications,
            Some("stream-main"),
            move |data| {
                let _ = sender.unbounded_send(data.clone());
            },
        )
        .expect("listen");
    eventually(3000, "the subscription reaching the pod", || async {
        state().await["subscriptions"].as_u64().unwrap_or(0) >= 1
    })
    .await;
    inject("stream-main", "market update").await;
    let data = within(5000, receiver.next())
        .await
        .flatten()
        .expect("a notification within 5 s");
    // Symphony's social message: {type, streamId, fromWhomId (a number), isMention}.
    assert_eq!(data["type"], "SOCIALMESSAGE", "{data}");
    assert_eq!(data["streamId"], "stream-main");
    assert!(data["fromWhomId"].is_u64(), "{data}");
    assert_eq!(data["isMention"], false);
    assert_eq!(data.as_object().map(|o| o.len()), Some(4), "{data}");
    drop(listener);
    symphony.logout().await.expect("logout");
}

#[wasm_bindgen_test]
async fn logout_success_then_render_again() {
    let symphony = rendered_focus().await;
    let states = Rc::new(RefCell::new(Vec::new()));
    let seen = states.clone();
    let _watch = symphony.on_state_change(move |s| seen.borrow_mut().push(s));
    let before = state().await;
    assert_eq!(sessions(&before), 1);
    let result = symphony.logout().await;
    assert_eq!(SdkResult::from(&result).to_json(), "{}");
    assert!(our_frames().is_empty(), "no frame left");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    assert_eq!(
        *states.borrow(),
        vec![SessionState::LoggingOut, SessionState::LoggedOut]
    );
    let after = state().await;
    assert_eq!(sessions(&after), 0, "the emulator ended the session");
    assert_eq!(logout_requests(&after), (1, 0), "through the main frame");
    assert_eq!(symphony.diagnostics().message_listeners, 0);

    // Render again: the frame shows the sign-in page, since the session is gone. The render
    // waits for the sign-in (Symphony's render resolves when the chat is ready).
    container("main");
    let mut rendering = render_loaded(&symphony, "main", RenderOptions::stream("stream-main")).await;
    assert_eq!(our_frames().len(), 1);
    eventually(3000, "the sign-in page in the new main frame", || async {
        let views = state().await["views"].clone();
        views
            .as_array()
            .and_then(|v| v.last().cloned())
            .is_some_and(|v| v["frame"] == "main" && v["page"] == "signin")
    })
    .await;
    assert!(!symphony.is_ready());
    assert_eq!(rendering.try_recv(), Ok(None), "the render waits for the sign-in");
    symphony.logout().await.expect("logout of an unsigned frame");
    assert!(our_frames().is_empty());
    assert_eq!(
        rendering.await,
        Ok(Err(SymphonyError::Interrupted {
            operation: "render",
            by: "logout"
        })),
        "the logout answers the waiting render"
    );
}

async fn logout_with_fault(fault: Value, ready_first: bool) -> (Result<(), SymphonyError>, Value) {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    if !ready_first {
        faults(json!({"mainFrame": "neverReady"})).await;
    }
    let rendering = render_loaded(&symphony, "main", RenderOptions::stream("s")).await;
    if ready_first {
        ready(&symphony).await;
        assert_eq!(rendering.await, Ok(Ok(())));
    }
    faults(fault).await;
    let result = symphony.logout().await;
    assert!(our_frames().is_empty(), "fail closed: frames removed");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    let state = state().await;
    faults(json!({"logout": "ok", "mainFrame": "ok"})).await;
    (result, state)
}

#[wasm_bindgen_test]
async fn logout_server_error_fails_closed() {
    let (result, state) = logout_with_fault(json!({"logout": {"status": 500}}), true).await;
    // The frame relays the pod's refusal; the HTTP step follows and is refused too.
    let status_500 = SymphonyError::ServerStatus { status: 500 };
    assert_eq!(
        result,
        Err(SymphonyError::LogoutRefused {
            frame: Box::new(status_500.clone()),
            http: Box::new(status_500),
        })
    );
    let json = json_of(&result);
    assert_eq!(json["error"]["type"], "ERROR");
    assert_eq!(json["error"]["data"]["status"], 500);
    assert_eq!(json["error"]["data"]["frame"]["data"]["status"], 500);
    assert_eq!(logout_requests(&state), (1, 1));
    assert_eq!(sessions(&state), 1, "the server kept the session");
}

#[wasm_bindgen_test]
async fn logout_hang_times_out() {
    let started = js_sys::Date::now();
    let (result, state) = logout_with_fault(json!({"logout": "hang"}), true).await;
    let Err(SymphonyError::Timeout { operation, after }) = result else {
        panic!("{result:?}")
    };
    assert_eq!(operation, "logout");
    assert_eq!(after.as_millis(), 2000);
    assert!(js_sys::Date::now() - started >= 2000.0);
    // The frame hung, then the HTTP fallback hung too.
    assert_eq!(logout_requests(&state), (1, 1));
}

#[wasm_bindgen_test]
async fn logout_dropped_connection_is_a_network_error() {
    let (result, _) = logout_with_fault(json!({"logout": "drop"}), false).await;
    assert!(matches!(result, Err(SymphonyError::Network { .. })), "{result:?}");
    assert_eq!(json_of(&result)["error"]["data"]["code"], "NETWORK");
    let (result, _) = logout_with_fault(json!({"logout": "drop"}), true).await;
    assert!(
        matches!(&result, Err(SymphonyError::LogoutRefused { frame, http })
            if matches!(**frame, SymphonyError::Network { .. }) && matches!(**http, SymphonyError::Network { .. })),
        "through the frame, then over HTTP: {result:?}"
    );
    assert_eq!(json_of(&result)["error"]["data"]["code"], "NETWORK");
}

#[wasm_bindgen_test]
async fn never_ready_main_frame_uses_the_http_fallback() {
    let (result, state) = logout_with_fault(json!({}), false).await;
    assert_eq!(result, Ok(()));
    assert_eq!(logout_requests(&state), (0, 1));
    assert_eq!(sessions(&state), 0);
}

#[wasm_bindgen_test]
async fn silent_main_frame_falls_back_to_http() {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    faults(json!({"mainFrame": "noAnswer"})).await;
    symphony
        .render("main", RenderOptions::stream("s"))
        .await
        .expect("render");
    ready(&symphony).await;
    assert_eq!(symphony.logout().await, Ok(()));
    let state = state().await;
    assert_eq!(logout_requests(&state).1, 1, "HTTP after the frame stayed silent");
    assert_eq!(sessions(&state), 0);
}

#[wasm_bindgen_test]
async fn ten_concurrent_logouts_share_one_request() {
    let symphony = rendered_focus().await;
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let s = symphony.clone();
            async move { s.logout().await }
        })
        .collect();
    let results = futures::future::join_all(calls).await;
    assert_eq!(results.len(), 10);
    assert!(results.iter().all(|r| *r == results[0]), "{results:?}");
    assert_eq!(results[0], Ok(()));
    let (frame, http) = logout_requests(&state().await);
    assert_eq!(frame + http, 1, "exactly one server request");
}

#[wasm_bindgen_test]
async fn logout_before_render_and_calls_after_logout() {
    fresh().await;
    let symphony = Symphony::new(config(Mode::Focus));
    assert_eq!(symphony.logout().await, Ok(()));
    assert_eq!(logout_requests(&state().await), (0, 0), "no request");
    let symphony = rendered_focus().await;
    symphony.logout().await.expect("logout");
    let loaded = state().await["framesLoaded"].clone();
    let err = symphony.open_stream("s", Some("main")).await.unwrap_err();
    assert_eq!(
        err,
        SymphonyError::NotRendered {
            operation: "open stream"
        }
    );
    let err = symphony
        .update_settings(Settings::new().with("mode", "dark"))
        .await
        .unwrap_err();
    assert!(matches!(err, SymphonyError::NotRendered { .. }));
    assert!(symphony
        .listen(NotificationKind::GlobalUnreadCountNotifications, None, |_| {})
        .is_err());
    assert!(our_frames().is_empty());
    assert_eq!(state().await["framesLoaded"], loaded, "no frame was loaded");
}

#[wasm_bindgen_test]
async fn calls_without_a_public_wire_form_answer_not_available() {
    let symphony = rendered_focus().await;
    let frames = state().await["framesLoaded"].clone();
    let results = [
        symphony
            .create_room("deal", &["7", "a@b.example"], json!({"public": false}))
            .await
            .map(drop),
        symphony.check_auth().await.map(drop),
        symphony.update_theme(json!({"primary": "#000"})).await,
    ];
    for (result, operation) in results.iter().zip(["create room", "check auth", "update theme"]) {
        assert_eq!(*result, Err(SymphonyError::NotAvailable { operation }));
        assert_eq!(json_of(result)["error"]["data"]["code"], "NOT_AVAILABLE");
    }
    assert_eq!(
        state().await["framesLoaded"],
        frames,
        "nothing was sent to the pod"
    );
    symphony.logout().await.expect("logout");
}

/// Built without its sdk.js backend (the `sdk-js` feature off), a config that asks for it
/// fails typed, with nothing left in the page and no script loaded.
#[cfg(not(feature = "sdk-js"))]
#[wasm_bindgen_test]
async fn the_sdk_js_transport_without_its_backend_fails_typed() {
    fresh().await;
    let container = container("sdk-unsupported");
    let config = Config::builder(emulator(), page_origin())
        .transport(symphony_dom::Transport::SdkJs)
        .build()
        .expect("config");
    let symphony = Symphony::new(config);
    let err = symphony
        .render("sdk-unsupported", RenderOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err, SymphonyError::SdkUnsupported);
    assert!(
        err.to_string().contains("`sdk-js` feature"),
        "says how to fix it: {err}"
    );
    assert_eq!(symphony.state(), SessionState::Unrendered);
    assert_eq!(symphony.logout().await, Ok(()), "nothing reached the pod");
    assert!(document()
        .query_selector("script#symphony-ecm-sdk")
        .ok()
        .flatten()
        .is_none());
    container.remove();
}

#[wasm_bindgen_test]
async fn missing_container_is_a_typed_error() {
    fresh().await;
    let symphony = Symphony::new(config(Mode::Focus));
    let err = symphony
        .render("no-such-div", RenderOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SymphonyError::ContainerNotFound {
            container: "no-such-div".into()
        }
    );
    assert_eq!(symphony.state(), SessionState::Unrendered);
    assert!(our_frames().is_empty());
}

#[wasm_bindgen_test]
async fn forged_messages_are_refused() {
    fresh().await;
    container("main");
    // The real main frame never says clientReady, so only a forgery could make us ready.
    faults(json!({"mainFrame": "neverReady"})).await;
    let symphony = Symphony::new(config(Mode::Focus));
    let _rendering = render_loaded(&symphony, "main", RenderOptions::stream("s")).await;
    // A pending action (queued until ready) whose id is set-settings-1.
    let (sender, mut answered) = mpsc::unbounded();
    let s = symphony.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = sender.unbounded_send(s.update_settings(Settings::new().with("mode", "dark")).await);
    });
    let forged = json!([
        {"eventType": "clientReady"},
        {"eventType": "sdk-resolve", "payload": {"id": "set-settings-1", "data": {}}},
        {"eventType": "sdk-resolve", "payload": {"id": "logout-2", "data": {}}},
        {"eventType": "sdk-callback-data", "payload": {"id": "sub-1", "data": {}}},
    ]);
    forge_and_expect_refusal(&symphony, &forged, false).await;
    assert!(!symphony.is_ready(), "a forged clientReady was not believed");
    assert!(
        answered.try_recv().is_err(),
        "a forged sdk-resolve answered nothing"
    );
    // Logout interrupts the action that is still waiting for the real pod.
    assert_eq!(
        symphony.logout().await,
        Ok(()),
        "over HTTP, as the frame is not ready"
    );
    let late = within(2000, answered.next()).await.flatten();
    assert_eq!(
        late,
        Some(Err(SymphonyError::Interrupted {
            operation: "update settings",
            by: "logout"
        }))
    );
}

#[wasm_bindgen_test]
async fn unrelated_iframe_survives_logout() {
    let symphony = rendered_focus().await;
    let other: web_sys::HtmlIFrameElement = document().create_element("iframe").unwrap().dyn_into().unwrap();
    other.set_src("about:blank");
    other.set_id("unrelated");
    support::document()
        .get_element_by_id("main")
        .unwrap()
        .append_child(&other)
        .unwrap();
    symphony.logout().await.expect("logout");
    assert!(our_frames().is_empty());
    assert!(
        document().get_element_by_id("unrelated").is_some(),
        "not ours: left alone"
    );
    other.remove();
}

#[wasm_bindgen_test]
async fn dropping_the_handle_removes_frames_and_listeners() {
    let symphony = rendered_focus().await;
    container("side-a");
    symphony.open_stream("a", Some("side-a")).await.expect("child");
    assert_eq!(our_frames().len(), 2);
    assert_eq!(symphony.diagnostics().message_listeners, 1);
    drop(symphony);
    assert!(our_frames().is_empty());
}

#[wasm_bindgen_test]
async fn frames_are_hidden_at_once_when_logout_starts() {
    let symphony = rendered_focus().await;
    faults(json!({"logout": {"delayMs": 300}})).await;
    let mut logout = Box::pin(symphony.logout());
    // The first poll issues the request; nothing else has run since.
    assert!(futures::poll!(&mut logout).is_pending());
    // Still in the document, but not visible, while the pod takes its time.
    let frames = our_frames();
    assert_eq!(frames.len(), 1);
    let style = web_sys::window()
        .unwrap()
        .get_computed_style(&frames[0])
        .unwrap()
        .unwrap();
    assert_eq!(style.get_property_value("visibility").unwrap(), "hidden");
    assert_eq!(symphony.state(), SessionState::LoggingOut);
    let result = within(5000, logout).await.expect("logout answered");
    assert_eq!(result, Ok(()));
    assert!(our_frames().is_empty());
    faults(json!({"logout": "ok"})).await;
}

fn syncing(mode: Mode) -> Symphony {
    Symphony::with_options(config(mode), symphony_dom::Options::new().sync_tabs(true))
}

#[wasm_bindgen_test]
async fn a_logout_reaches_the_other_instances_without_a_second_request() {
    fresh().await;
    container("main");
    container("other");
    let here = syncing(Mode::Focus);
    let there = syncing(Mode::Focus);
    here.render("main", RenderOptions::stream("s1"))
        .await
        .expect("render here");
    ready(&here).await;
    there
        .render("other", RenderOptions::stream("s2"))
        .await
        .expect("render there");
    ready(&there).await;
    assert_eq!(our_frames().len(), 2);
    assert_eq!(here.logout().await, Ok(()));
    reaches(&there, SessionState::LoggedOut).await;
    assert!(our_frames().is_empty(), "the other instance removed its frames");
    let (frame, http) = logout_requests(&state().await);
    assert_eq!(frame + http, 1, "the other instance sent no request of its own");
    // Their word is not proof that the server session ended: a logout there still asks.
    assert!(there.server_session_may_be_alive());
    assert_eq!(there.logout().await, Ok(()));
    assert_eq!(
        logout_requests(&state().await),
        (frame, http + 1),
        "the next logout there asks the pod (fail closed)"
    );
}

#[wasm_bindgen_test]
async fn tabs_hear_each_other_across_documents() {
    use symphony_session::protocol::TabMessage;
    fresh().await;
    let mut tab = OtherTab::open().await;

    // That tab logs out: our frames go, without a request from us.
    container("main");
    let here = syncing(Mode::Focus);
    here.render("main", RenderOptions::stream("s1"))
        .await
        .expect("render");
    ready(&here).await;
    tab.announce_logout();
    reaches(&here, SessionState::LoggedOut).await;
    assert!(our_frames().is_empty());
    assert_eq!(logout_requests(&state().await), (0, 0));

    // We log out: that tab hears it.
    container("main");
    here.render("main", RenderOptions::stream("s1"))
        .await
        .expect("render again");
    ready(&here).await;
    assert_eq!(here.logout().await, Ok(()));
    assert_eq!(
        tab.heard().await,
        TabMessage::LoggedOut {
            pod: emulator().to_owned(),
            ok: true,
            reason: Some(LogoutReason::Requested),
        }
    );
}

#[wasm_bindgen_test]
async fn nothing_lives_on_after_the_last_handle() {
    let symphony = rendered_focus().await;
    let live = symphony_dom::live_counts();
    assert!(
        live.instances >= 1 && live.frames >= 1 && live.message_listeners >= 1,
        "{live:?}"
    );
    drop(symphony);
    // Listener drops are deferred by one task.
    gloo_timers::future::TimeoutFuture::new(0).await;
    let live = symphony_dom::live_counts();
    assert_eq!(live.frames, 0, "{live:?}");
    assert_eq!(live.message_listeners, 0, "{live:?}");
}

/// A logout that started finishes its server step when every handle is dropped mid-way
/// (an app that redirects as soon as the logout begins): the session outlives its owner
/// until the logout ends (at most the logout timeout), then nothing lives on.
#[wasm_bindgen_test]
async fn a_started_logout_outlives_its_last_handle() {
    for (slow, asked) in [("frame", (1, 0)), ("http", (0, 1))] {
        let before = symphony_dom::live_counts();
        let symphony = rendered_focus().await;
        faults(json!({"logout": {"delayMs": 600}})).await;
        if slow == "http" {
            // A frame that never answers: the HTTP step asks the pod after 3 s.
            let quick = Config::builder(emulator(), page_origin())
                .partner_id("test")
                .frame_logout_timeout(std::time::Duration::from_millis(200))
                .build()
                .expect("config");
            drop(symphony);
            fresh().await;
            faults(json!({"mainFrame": "noAnswer", "logout": {"delayMs": 600}})).await;
            let symphony = Symphony::new(quick);
            container("main");
            symphony
                .render("main", RenderOptions::stream("s"))
                .await
                .expect("render");
            ready(&symphony).await;
            start_logout_and_drop(symphony);
        } else {
            start_logout_and_drop(symphony);
        }
        eventually(5000, "the pod session ended", || async {
            sessions(&state().await) == 0
        })
        .await;
        assert_eq!(logout_requests(&state().await), asked, "{slow}");
        eventually(2000, "nothing lives on", || async {
            symphony_dom::live_counts() == before
        })
        .await;
        assert!(our_frames().is_empty());
    }
}

/// Asks for a logout, polls it once (the logout starts) and drops it and the handle.
fn start_logout_and_drop(symphony: Symphony) {
    use futures::FutureExt;
    assert!(
        symphony.logout().now_or_never().is_none(),
        "the logout waits for the pod"
    );
    assert_eq!(symphony.state(), SessionState::LoggingOut);
    drop(symphony);
}

#[wasm_bindgen_test]
async fn frames_taken_out_by_the_page_are_noticed() {
    let symphony = rendered_focus().await;
    let side = container("side-a");
    symphony.open_stream("a", Some("side-a")).await.expect("child");
    // The app removes the child's container (a component unmounting, say).
    side.remove();
    reaches_frames(&symphony, 1).await;
    // Then the main frame's container: the session is as if never rendered.
    document().get_element_by_id("main").expect("main").remove();
    reaches(&symphony, SessionState::Unrendered).await;
    assert_eq!(symphony.diagnostics().frames, 0);
    assert!(our_frames().is_empty());
    // The server session may still be alive: logout asks the pod over HTTP.
    assert_eq!(symphony.logout().await, Ok(()));
    assert_eq!(logout_requests(&state().await), (0, 1));
}

async fn reaches_frames(symphony: &Symphony, frames: usize) {
    let symphony = symphony.clone();
    eventually(3000, "the adapter noticing the removal", move || {
        let n = symphony.diagnostics().frames;
        async move { n == frames }
    })
    .await;
}

/// A frame the app detaches (the session forgets it) and attaches again later (a framework
/// moving a subtree, say) never shows the pod again: it is blanked and hidden at once, and
/// taken out again: at once while the session watches the document (a child frame went),
/// else at the session's next logout (the main frame went).
#[wasm_bindgen_test]
async fn a_frame_detached_and_attached_again_never_shows_the_pod() {
    for (main, index) in [(false, 1), (true, 0)] {
        let symphony = rendered_focus().await;
        let side = container("side-a");
        symphony.open_stream("a", Some("side-a")).await.expect("child");
        let frame = our_frames()[index].clone();
        let parent = frame.parent_element().expect("in its container");
        frame.remove();
        reaches_frames(&symphony, if main { 0 } else { 1 }).await;
        parent.append_child(&frame).expect("attached again");
        assert!(!frame.src().starts_with(emulator()), "blanked: {}", frame.src());
        assert_eq!(
            frame.style().get_property_value("visibility").ok().as_deref(),
            Some("hidden")
        );
        if !main {
            eventually(2000, "the frame taken out again", || {
                let connected = frame.is_connected();
                async move { !connected }
            })
            .await;
            parent.append_child(&frame).expect("attached once more");
        }
        assert_eq!(symphony.logout().await, Ok(()));
        eventually(2000, "nothing of the pod left", || {
            let connected = frame.is_connected();
            async move { !connected && our_frames().is_empty() }
        })
        .await;
        drop(side);
    }
}

/// Injected markup copying our frames' marks (sanitizers keep `data-*`) must not count as
/// their `load`: only the iframe we created does.
#[wasm_bindgen_test]
async fn markup_copying_frame_marks_cannot_fake_a_load() {
    let symphony = rendered_focus().await;
    let old_main = our_frames()[0].clone();
    let instance = old_main
        .get_attribute(symphony_dom::FRAME_MARKER_ATTRIBUTE)
        .expect("instance mark");
    let old_id = old_main.get_attribute("data-symphony-frame").expect("frame mark");
    // A second render: the first main frame's id is now an old one.
    symphony
        .render("main", RenderOptions::stream("stream-main"))
        .await
        .expect("render again");
    let current_id = our_frames()[0]
        .get_attribute("data-symphony-frame")
        .expect("frame mark");
    let before = symphony.diagnostics();
    for id in [old_id, current_id] {
        spoof_load(&instance, &id).await;
    }
    let after = symphony.diagnostics();
    assert_eq!(after.rejected_loads, before.rejected_loads + 2, "{after:?}");
    assert_eq!(
        after.stale_events, before.stale_events,
        "nothing reached the session: {after:?}"
    );
}

/// Appends `<img>` with our marks and waits for its own `load`.
async fn spoof_load(instance: &str, frame: &str) {
    let img = document().create_element("img").expect("img");
    img.set_attribute(symphony_dom::FRAME_MARKER_ATTRIBUTE, instance)
        .expect("mark");
    img.set_attribute("data-symphony-frame", frame).expect("mark");
    let (loaded, on_load) = futures::channel::oneshot::channel::<()>();
    let loaded = RefCell::new(Some(loaded));
    let _listener = gloo::events::EventListener::new(&img, "load", move |_| {
        if let Some(loaded) = loaded.borrow_mut().take() {
            let _ = loaded.send(());
        }
    });
    // A 1x1 transparent GIF.
    img.set_attribute(
        "src",
        "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
    )
    .expect("src");
    document()
        .body()
        .expect("body")
        .append_child(&img)
        .expect("append");
    assert!(within(5000, on_load).await.is_some(), "the image loaded");
    img.remove();
}

#[wasm_bindgen_test]
async fn frame_permissions_are_an_option() {
    fresh().await;
    container("main");
    let default = Symphony::new(config(Mode::Focus));
    default
        .render("main", RenderOptions::stream("s"))
        .await
        .expect("render");
    assert_eq!(
        our_frames()[0].get_attribute("allow").as_deref(),
        Some(symphony_dom::DEFAULT_FRAME_ALLOW)
    );
    drop(default);
    let narrow = Symphony::with_options(
        config(Mode::Focus),
        symphony_dom::Options::new().frame_allow("clipboard-write"),
    );
    narrow
        .render("main", RenderOptions::stream("s"))
        .await
        .expect("render");
    let frames = our_frames();
    assert_eq!(frames.len(), 1, "the dropped session's frame is gone");
    assert_eq!(
        frames[0].get_attribute("allow").as_deref(),
        Some("clipboard-write")
    );
}

/// Tabs are shared by default, as in `yew-symphony`.
#[wasm_bindgen_test]
async fn a_default_session_hears_the_other_tabs() {
    let symphony = rendered_focus().await;
    let tab = OtherTab::open().await;
    tab.announce_logout();
    reaches(&symphony, SessionState::LoggedOut).await;
    assert!(our_frames().is_empty());
}

/// A callback that calls back into the session (here `listen`, which runs a nested pump)
/// must not make a later callback see the states out of order. Rendering into a missing
/// container queues `Rendered` then `Unrendered` in one go.
#[wasm_bindgen_test]
async fn callbacks_see_states_in_order_even_when_one_calls_back() {
    fresh().await;
    let symphony = Symphony::new(config(Mode::Focus));
    let calls_back = {
        let symphony = symphony.clone();
        symphony.clone().on_state_change(move |_| {
            // Refused outside Rendered; what matters is the nested pump it runs.
            let _ = symphony.listen(NotificationKind::MessageNotifications, None, |_| {});
        })
    };
    let seen = Rc::new(RefCell::new(Vec::new()));
    let records = {
        let seen = seen.clone();
        symphony.on_state_change(move |state| seen.borrow_mut().push(state))
    };
    let result = symphony
        .render("no-such-container", RenderOptions::stream("s"))
        .await;
    assert!(
        matches!(result, Err(SymphonyError::ContainerNotFound { .. })),
        "{result:?}"
    );
    assert_eq!(
        *seen.borrow(),
        vec![SessionState::Rendered, SessionState::Unrendered],
        "in the order they happened"
    );
    assert_eq!(symphony.state(), SessionState::Unrendered);
    drop((calls_back, records));
}

/// Page code that wraps DOM methods (instrumentation and zone-style libraries do) runs
/// synchronously inside our own work, with the driver at work: our iframe goes in or out
/// inside a step. From there it may read every accessor, subscribe (a typed refusal),
/// register a callback (it takes effect) and drop one whose closure holds the session (the
/// drop waits for the work to end, so no cycle keeps the session alive).
#[wasm_bindgen_test]
async fn page_code_running_inside_our_work_can_read_register_and_drop() {
    fresh().await;
    container("main");
    let instances_before = symphony_dom::live_counts().instances;
    let symphony = Symphony::new(config(Mode::Focus));
    // Holds the session: only dropping its handle breaks the cycle.
    let holds_the_session = Rc::new(RefCell::new(Some({
        let inner = symphony.clone();
        symphony.on_state_change(move |_| {
            let _ = inner.state();
        })
    })));
    let registered_inside = Rc::new(RefCell::new(None));
    let heard_by_it = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let hook = PageHook::install({
        let symphony = symphony.clone();
        let seen = seen.clone();
        let registered_inside = registered_inside.clone();
        let heard_by_it = heard_by_it.clone();
        let holds_the_session = holds_the_session.clone();
        move |op| {
            let state = symphony.state();
            let _ = (
                symphony.is_ready(),
                symphony.server_session_may_be_alive(),
                symphony.config(),
            );
            let frames = symphony.diagnostics().frames;
            let subscribed = symphony
                .listen(NotificationKind::MessageNotifications, None, |_| {})
                .map(drop)
                .map_err(|e| e.to_string());
            seen.borrow_mut().push((op, state, frames, subscribed));
            drop(holds_the_session.borrow_mut().take());
            if registered_inside.borrow().is_none() {
                let heard = heard_by_it.clone();
                let listener = symphony.on_state_change(move |state| heard.borrow_mut().push(state));
                *registered_inside.borrow_mut() = Some(listener);
            }
        }
    });
    symphony
        .render("main", RenderOptions::stream("stream-main"))
        .await
        .expect("render");
    ready(&symphony).await;
    symphony.logout().await.expect("logout");

    let seen = seen.borrow().clone();
    let appended = seen
        .iter()
        .find(|(op, ..)| op == "append")
        .expect("the hook ran at render");
    assert!(
        matches!(appended.1, SessionState::Unrendered | SessionState::Rendered),
        "{seen:?}"
    );
    let removed = seen
        .iter()
        .find(|(op, ..)| op == "remove")
        .expect("the hook ran at logout");
    assert!(
        matches!(removed.1, SessionState::LoggingOut | SessionState::LoggedOut),
        "{seen:?}"
    );
    for (_, _, _, subscribed) in &seen {
        let refusal = subscribed.as_ref().expect_err("refused from inside our work");
        assert!(refusal.contains("subscribe"), "a typed refusal: {refusal}");
    }
    let heard = heard_by_it.borrow().clone();
    assert_eq!(
        heard.last(),
        Some(&SessionState::LoggedOut),
        "the callback registered inside our work took effect: {heard:?}"
    );

    drop((hook, symphony, registered_inside));
    eventually(2000, "the session is gone once its handles are", || async {
        symphony_dom::live_counts().instances == instances_before
    })
    .await;
}

/// Like a DOM event listener, a callback whose handle is dropped is never called again:
/// not for the news being delivered when another callback drops it, and not when it was
/// registered inside our own work and dropped before that work ended.
#[wasm_bindgen_test]
async fn a_dropped_callback_is_never_called_again() {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    let heard_after_drop = Rc::new(RefCell::new(Vec::new()));
    let second = Rc::new(RefCell::new(None));
    let registered_inside = Rc::new(RefCell::new(None));
    // Registered first, so called first: drops the second callback and the one the page
    // registered inside the render.
    let first = {
        let second = second.clone();
        let registered_inside = registered_inside.clone();
        symphony.on_state_change(move |_| {
            drop(second.borrow_mut().take());
            drop(registered_inside.borrow_mut().take());
        })
    };
    *second.borrow_mut() = Some({
        let heard = heard_after_drop.clone();
        symphony.on_state_change(move |state| heard.borrow_mut().push(("second", state)))
    });
    let hook = PageHook::install({
        let symphony = symphony.clone();
        let registered_inside = registered_inside.clone();
        let heard = heard_after_drop.clone();
        let mut once = true;
        move |_| {
            if std::mem::take(&mut once) {
                let heard = heard.clone();
                *registered_inside.borrow_mut() =
                    Some(symphony.on_state_change(move |state| heard.borrow_mut().push(("inside", state))));
            }
        }
    });
    symphony
        .render("main", RenderOptions::stream("stream-main"))
        .await
        .expect("render");
    assert!(
        second.borrow().is_none() && registered_inside.borrow().is_none(),
        "both dropped"
    );
    symphony.logout().await.expect("logout");
    assert_eq!(
        *heard_after_drop.borrow(),
        vec![],
        "called after its handle was dropped"
    );
    drop((hook, first));
}

#[wasm_bindgen_test]
async fn every_logout_is_told_to_on_logout_whoever_started_it() {
    fresh().await;
    container("told");
    let symphony = Symphony::new(config(Mode::Focus));
    let (sender, mut told) = mpsc::unbounded();
    let _listener = symphony.on_logout(move |reason, result| {
        let _ = sender.unbounded_send((reason, result.clone()));
    });
    symphony
        .render("told", RenderOptions::stream("s1"))
        .await
        .expect("rendered");
    faults(json!({"logout": {"status": 500}})).await;
    assert!(symphony.logout().await.is_err());
    let (reason, result) = within(2000, told.next())
        .await
        .flatten()
        .expect("the failed logout told");
    assert_eq!(reason, LogoutReason::Requested);
    assert_eq!(
        result.map_err(|e| e.code()),
        Err("SERVER_STATUS"),
        "the pod's refusal"
    );
    faults(json!({"logout": "ok"})).await;
    symphony
        .render("told", RenderOptions::stream("s1"))
        .await
        .expect("rendered again");
    let tab = OtherTab::open().await;
    tab.announce_logout();
    let second = within(5000, told.next()).await.flatten();
    assert_eq!(
        second,
        Some((LogoutReason::AnotherTab, Ok(()))),
        "another tab's confirmed logout, heard here"
    );
    assert_eq!(symphony.state(), SessionState::LoggedOut);
}
