//! The sdk.js backend (feature `sdk-js`) against the emulator's stand-in `sdk.js`, cross-site:
//! the script element as Symphony documents it, render and the calls through
//! `window.symphony`, and the promises this library keeps around Symphony's own logout.
//! One page: `window.symphony` is one per page, loaded by the first test that renders and
//! reused by the rest. (What the stand-in does is our reading of Symphony's docs.)
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use serde_json::{json, Value};
use support::sdk::*;
use support::*;
use symphony_dom::{
    Mode, NotificationKind, RenderOptions, SdkResult, SendMessageOptions, SessionState, Symphony,
    SymphonyError,
};
use symphony_test_support as support;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A session over sdk.js, rendered into `id` and signed in.
async fn rendered(id: &str) -> Symphony {
    let symphony = Symphony::new(sdk_config(Mode::Focus));
    within(8000, symphony.render(id, RenderOptions::stream("s1")))
        .await
        .expect("render answered")
        .expect("rendered");
    symphony
}

#[wasm_bindgen_test]
async fn render_and_logout_run_on_symphonys_own_sdk_js() {
    fresh_sdk(&["sdk-main"]).await;
    let symphony = rendered("sdk-main").await;
    assert!(symphony.is_ready(), "render resolves when the SDK's render does");
    assert_eq!(symphony.state(), SessionState::Rendered);
    let script = document()
        .get_element_by_id("symphony-ecm-sdk")
        .expect("the script element");
    assert_eq!(
        script.get_attribute("src").as_deref(),
        Some(format!("{}/embed/sdk.js", emulator()).as_str())
    );
    assert_eq!(script.get_attribute("render").as_deref(), Some("explicit"));
    assert_eq!(
        script.get_attribute("data-partner-id").as_deref(),
        Some("test-partner")
    );
    assert!(script.get_attribute("data-onload").is_some());
    assert_eq!(
        script.get_attribute("data-mode"),
        None,
        "Focus is sdk.js's default"
    );
    assert_eq!(
        document()
            .query_selector_all("script[src$='/embed/sdk.js']")
            .unwrap()
            .length(),
        1,
        "one script"
    );
    let chat = document().get_element_by_id("sdk-main").unwrap();
    assert!(
        chat.class_list().contains("symphony-ecm"),
        "the container carries the SDK's class"
    );
    assert_eq!(frames_in("sdk-main").len(), 1, "sdk.js made the frame");
    assert!(our_frames().is_empty(), "no frame of the built-in protocol");
    assert_eq!(sessions(&state().await), 1, "signed in");

    let logout = Spy::on("logout");
    let result = within(5000, symphony.logout()).await.expect("answered");
    assert_eq!(result, Ok(()));
    assert_eq!(logout.calls.get(), 1, "window.symphony.logout() called once");
    assert_eq!(sessions(&state().await), 0, "the pod session ended");
    assert!(frames_in("sdk-main").is_empty(), "no frame left");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
}

#[wasm_bindgen_test]
async fn the_calls_go_through_window_symphony_and_keep_symphonys_shapes() {
    fresh_sdk(&["sdk-calls", "sdk-side"]).await;
    let symphony = rendered("sdk-calls").await;
    let opened = symphony.open_stream("s2", None).await.expect("opened");
    assert_eq!(opened.stream_id.as_deref(), Some("s2"));
    let side = symphony
        .open_stream("s3", Some("sdk-side"))
        .await
        .expect("opened beside");
    assert_eq!(side.stream_id.as_deref(), Some("s3"));
    assert_eq!(
        frames_in("sdk-side").len(),
        1,
        "a child frame in the other container"
    );
    let room = symphony
        .start_room(&["71811853189212"], None)
        .await
        .expect("room");
    assert!(room.stream_id.is_some(), "{room:?}");
    let sent = symphony
        .send_message("hello", SendMessageOptions::to(["s2"]))
        .await
        .expect("sent");
    assert_eq!(sent.stream_id.as_deref(), Some("s2"), "{sent:?}");
    symphony
        .update_settings(symphony_dom::Settings::new().with("sound", false))
        .await
        .expect("settings");
    let auth = symphony.check_auth().await.expect("checkAuth answered");
    assert_eq!(auth.get("authenticated"), Some(&json!(true)), "{auth:?}");
    symphony
        .create_room("Deal room", &["71811853189212"], Value::Null)
        .await
        .expect("createRoom answered");

    // Every documented notification type is listened to through window.symphony.listen.
    let listen = Spy::on("listen");
    let subscribed_before = state().await["subscriptions"].as_u64().unwrap_or(0);
    let heard = Rc::new(Cell::new(0));
    let counted = heard.clone();
    let subscription = symphony
        .listen(NotificationKind::MessageNotifications, Some("s2"), move |_| {
            counted.set(counted.get() + 1)
        })
        .expect("subscribed");
    let others: Vec<_> = [
        NotificationKind::UnreadCountNotifications,
        NotificationKind::GlobalUnreadCountNotifications,
        NotificationKind::ActivityNotifications,
    ]
    .into_iter()
    .map(|kind| symphony.listen(kind, None, |_| {}).expect("subscribed"))
    .collect();
    eventually(3000, "listen called for each type", || {
        let calls = listen.calls.get();
        async move { calls == 4 }
    })
    .await;
    // `listen` resolves before the chat's frame has the subscription (a message posted to
    // it): wait until the frame told the pod, as an app waits for its first notification.
    eventually(5000, "the four subscriptions reaching the pod", || async move {
        state().await["subscriptions"].as_u64().unwrap_or(0) >= subscribed_before + 4
    })
    .await;
    inject("s2", "a message from the pod").await;
    eventually(5000, "the notification heard", || {
        let heard = heard.get();
        async move { heard > 0 }
    })
    .await;
    assert_eq!(symphony.diagnostics().failed_subscriptions, 0);
    drop(others);
    drop(subscription);
    symphony.logout().await.expect("logged out");
    assert!(frames_in("sdk-calls").is_empty());
    assert!(
        frames_in("sdk-side").is_empty(),
        "the child container emptied too"
    );
}

#[wasm_bindgen_test]
async fn a_documented_function_missing_is_a_typed_error() {
    fresh_sdk(&["sdk-missing"]).await;
    let symphony = rendered("sdk-missing").await;
    let restore = take("checkAuth");
    let result = symphony.check_auth().await;
    let _ = restore.call0(&JsValue::NULL);
    assert_eq!(
        result,
        Err(SymphonyError::SdkApiMissing {
            function: "checkAuth"
        })
    );
    let restore = take("listen");
    let result = symphony.listen(NotificationKind::ActivityNotifications, None, |_| {});
    let _ = restore.call0(&JsValue::NULL);
    assert_eq!(
        result.err(),
        Some(SymphonyError::SdkApiMissing { function: "listen" })
    );
    // A subscription's answer that comes after `listen` returned: its failure is counted.
    let restore = refuse("listen");
    let subscription = symphony
        .listen(NotificationKind::ActivityNotifications, None, |_| {})
        .expect("asked");
    eventually(3000, "the refused subscription counted", || {
        let failed = symphony.diagnostics().failed_subscriptions;
        async move { failed == 1 }
    })
    .await;
    let _ = restore.call0(&JsValue::NULL);
    drop(subscription);
    symphony.logout().await.expect("logged out");
}

#[wasm_bindgen_test]
async fn concurrent_logouts_make_one_call_and_share_its_result() {
    fresh_sdk(&["sdk-many"]).await;
    let symphony = rendered("sdk-many").await;
    let logout = Spy::on("logout");
    let mut all = Box::pin(futures::future::join_all((0..1000).map(|_| symphony.logout())));
    assert!(futures::poll!(&mut all).is_pending(), "asked");
    // Hidden at once: before any promise settles.
    assert_eq!(symphony.state(), SessionState::LoggingOut);
    for frame in frames_in("sdk-many") {
        assert_eq!(
            frame.style().get_property_value("visibility").unwrap(),
            "hidden",
            "hidden when the logout starts"
        );
    }
    let results = within(5000, all).await.expect("all answered");
    assert!(results.iter().all(|r| *r == Ok(())), "one shared result");
    assert_eq!(
        logout.calls.get(),
        1,
        "one window.symphony.logout() for 1000 callers"
    );
    assert!(frames_in("sdk-many").is_empty());
}

#[wasm_bindgen_test]
async fn a_logout_that_never_settles_ends_in_a_typed_timeout_and_the_next_calls_again() {
    fresh_sdk(&["sdk-hang"]).await;
    let symphony = rendered("sdk-hang").await;
    faults(json!({"sdk": {"logout": "hang"}})).await;
    let logout = Spy::on("logout");
    let started = js_sys::Date::now();
    let result = within(6000, symphony.logout())
        .await
        .expect("answered, not left waiting");
    let took = js_sys::Date::now() - started;
    assert!(
        matches!(
            result,
            Err(SymphonyError::Timeout {
                operation: "logout",
                ..
            })
        ),
        "{result:?}"
    );
    assert!(took < 3000.0, "within the logout timeout (2 s): {took} ms");
    assert!(frames_in("sdk-hang").is_empty(), "frames removed all the same");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    assert!(symphony.server_session_may_be_alive());
    // The next logout calls sdk.js again.
    faults(json!({"sdk": {"logout": "ok"}})).await;
    assert_eq!(within(5000, symphony.logout()).await, Some(Ok(())));
    assert_eq!(logout.calls.get(), 2, "called again after the failure");
    assert_eq!(sessions(&state().await), 0);
}

#[wasm_bindgen_test]
async fn an_error_or_a_rejection_of_logout_is_typed_and_removes_the_frames() {
    for (fault, kind) in [("error", "ERROR"), ("reject", "ERROR")] {
        fresh_sdk(&["sdk-refused"]).await;
        let symphony = rendered("sdk-refused").await;
        faults(json!({"sdk": {"logout": fault}})).await;
        let result = within(5000, symphony.logout()).await.expect("answered");
        let Err(SymphonyError::Sdk { function, error }) = &result else {
            panic!("{fault}: {result:?}");
        };
        assert_eq!(*function, "logout");
        assert_eq!(error.kind, kind, "{fault}");
        let shape = serde_json::to_value(SdkResult::from(&result)).unwrap();
        assert_eq!(shape["error"]["type"], kind, "Symphony's shape: {shape}");
        assert!(frames_in("sdk-refused").is_empty(), "{fault}: frames removed");
        assert_eq!(symphony.state(), SessionState::LoggedOut);
        assert_eq!(sessions(&state().await), 1, "{fault}: the pod session lives on");
        assert!(symphony.server_session_may_be_alive());
    }
}

#[wasm_bindgen_test]
async fn a_frame_sdk_js_leaves_behind_is_removed() {
    fresh_sdk(&["sdk-left"]).await;
    let symphony = rendered("sdk-left").await;
    faults(json!({"sdk": {"leaveFrame": true}})).await;
    assert_eq!(within(5000, symphony.logout()).await, Some(Ok(())));
    assert!(frames_in("sdk-left").is_empty(), "the frame sdk.js left is gone");
}

#[wasm_bindgen_test]
async fn nothing_happens_after_logout_until_the_next_render() {
    fresh_sdk(&["sdk-after"]).await;
    let symphony = rendered("sdk-after").await;
    symphony.logout().await.expect("logged out");
    let open = Spy::on("openStream");
    assert_eq!(
        symphony.open_stream("s2", None).await.map(drop),
        Err(SymphonyError::NotRendered {
            operation: "open stream"
        })
    );
    assert_eq!(open.calls.get(), 0, "sdk.js not called");
    reset().await; // the emulator signs this browser in again
    within(8000, symphony.render("sdk-after", RenderOptions::default()))
        .await
        .expect("answered")
        .expect("rendered again");
    assert_eq!(frames_in("sdk-after").len(), 1);
    symphony.logout().await.expect("logged out");
}

#[wasm_bindgen_test]
async fn another_sdk_js_on_the_page_is_a_conflict() {
    fresh_sdk(&["sdk-first", "sdk-other"]).await;
    let first = rendered("sdk-first").await;
    // The page's sdk.js is Focus mode with partner id test-partner: Collaboration differs.
    let other = Symphony::new(sdk_config(Mode::Collaboration));
    let result = within(5000, other.render("sdk-other", RenderOptions::default()))
        .await
        .expect("answered");
    let Err(SymphonyError::SdkConflict { found }) = &result else {
        panic!("{result:?}");
    };
    assert!(found.contains("/embed/sdk.js"), "{found}");
    assert!(
        result.unwrap_err().to_string().contains("reload"),
        "says what to do"
    );
    assert!(frames_in("sdk-other").is_empty());
    first.logout().await.expect("logged out");
}

#[wasm_bindgen_test]
async fn a_render_waiting_for_sign_in_says_interaction_required_and_a_logout_ends_it() {
    fresh_sdk(&["sdk-sign-in"]).await;
    let symphony = rendered("sdk-sign-in").await;
    symphony.logout().await.expect("logged out");
    // Signed out: the emulator does not sign this browser in again by itself.
    let (sender, answer) = futures::channel::oneshot::channel();
    let waiting = symphony.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = sender.send(waiting.render("sdk-sign-in", RenderOptions::default()).await);
    });
    let (told, mut changes) = futures::channel::mpsc::unbounded();
    let _watch = symphony.on_interaction_required_change(move |required| {
        let _ = told.unbounded_send(required);
    });
    let required = within(5000, futures::StreamExt::next(&mut changes)).await;
    assert_eq!(
        required,
        Some(Some(true)),
        "onUserInteractionRequired reached the app"
    );
    assert!(symphony.interaction_required());
    assert_eq!(frames_in("sdk-sign-in").len(), 1, "the sign-in shows");
    symphony.logout().await.expect("logged out");
    let render = within(2000, answer)
        .await
        .expect("the render answered")
        .expect("sent");
    assert!(
        matches!(render, Err(SymphonyError::Interrupted { .. })),
        "{render:?}"
    );
    assert!(frames_in("sdk-sign-in").is_empty());
}

#[wasm_bindgen_test]
async fn a_render_container_behind_another_of_the_sdks_class_is_refused() {
    fresh_sdk(&["sdk-behind"]).await;
    let symphony = rendered("sdk-behind").await;
    symphony.logout().await.expect("logged out");
    reset().await;
    // An element of the SDK's class before the container in the document.
    let decoy = document().create_element("div").unwrap();
    decoy.set_id("sdk-decoy");
    decoy.set_class_name("symphony-ecm");
    let body = document().body().unwrap();
    body.insert_before(&decoy, body.first_child().as_ref()).unwrap();
    let render = Spy::on("render");
    let result = within(5000, symphony.render("sdk-behind", RenderOptions::default()))
        .await
        .expect("answered");
    let Err(SymphonyError::Sdk {
        function: "render",
        error,
    }) = &result
    else {
        panic!("{result:?}");
    };
    assert!(error.message.contains("sdk-behind"), "{}", error.message);
    assert_eq!(
        render.calls.get(),
        0,
        "sdk.js not asked to render into the wrong element"
    );
    assert!(frames_in("sdk-decoy").is_empty() && frames_in("sdk-behind").is_empty());
}

#[wasm_bindgen_test]
async fn dropping_the_session_removes_the_frames_sdk_js_made() {
    fresh_sdk(&["sdk-dropped"]).await;
    let symphony = rendered("sdk-dropped").await;
    assert_eq!(frames_in("sdk-dropped").len(), 1);
    drop(symphony);
    assert!(frames_in("sdk-dropped").is_empty(), "gone with the last handle");
    // The pod session lives on (nobody logged out): the next page's logout asks sdk.js.
    assert_eq!(sessions(&state().await), 1);
    assert!(
        session_marked(emulator()),
        "the mark of a session that may be alive"
    );
    let next = Symphony::new(sdk_config(Mode::Focus));
    let logout = Spy::on("logout");
    assert_eq!(within(5000, next.logout()).await, Some(Ok(())));
    assert_eq!(logout.calls.get(), 1, "a logout before any render calls sdk.js's");
    assert_eq!(sessions(&state().await), 0, "the earlier session ended");
    assert!(!session_marked(emulator()));
    // Without the mark, a logout before any render asks nobody.
    let third = Symphony::new(sdk_config(Mode::Focus));
    assert_eq!(within(5000, third.logout()).await, Some(Ok(())));
    assert_eq!(logout.calls.get(), 1, "not called without the mark");
}

#[wasm_bindgen_test]
async fn the_apps_other_tabs_hear_the_logout_and_close_on_theirs() {
    fresh_sdk(&["sdk-tabs"]).await;
    let symphony = rendered("sdk-tabs").await;
    let mut tab = OtherTab::open().await;
    symphony.logout().await.expect("logged out");
    assert!(
        matches!(
            tab.heard().await,
            symphony_session::protocol::TabMessage::LoggedOut { ok: true, .. }
        ),
        "the other tab heard it"
    );
    reset().await;
    within(8000, symphony.render("sdk-tabs", RenderOptions::default()))
        .await
        .expect("answered")
        .expect("rendered again");
    let logout = Spy::on("logout");
    tab.announce_logout();
    reaches(&symphony, SessionState::LoggedOut).await;
    assert!(
        frames_in("sdk-tabs").is_empty(),
        "another tab's logout closes the chats here"
    );
    assert_eq!(logout.calls.get(), 0, "without a call of its own");
    assert!(
        symphony.server_session_may_be_alive(),
        "what a tab says is not proof"
    );
}

#[wasm_bindgen_test]
async fn the_inactivity_logout_counts_the_chats_activity_notifications() {
    fresh_sdk(&["sdk-idle"]).await;
    let subscribed_before = state().await["subscriptions"].as_u64().unwrap_or(0);
    let symphony = Symphony::new(sdk_idle_config(1500, 500));
    within(8000, symphony.render("sdk-idle", RenderOptions::default()))
        .await
        .expect("answered")
        .expect("rendered");
    // The session's own ActivityNotifications subscription reaches the chat's frame.
    eventually(
        1000,
        "the activity subscription reaching the pod",
        || async move { state().await["subscriptions"].as_u64().unwrap_or(0) > subscribed_before },
    )
    .await;
    let logout = Spy::on("logout");
    // The user acts in the chat for three idle timeouts: no logout.
    let started = js_sys::Date::now();
    while js_sys::Date::now() - started < 4500.0 {
        admin("POST", "/__emulator/activity", None).await;
        gloo_timers::future::TimeoutFuture::new(250).await;
        assert_eq!(
            symphony.state(),
            SessionState::Rendered,
            "kept alive by the chat's activity"
        );
    }
    // Then nothing: the idle logout calls sdk.js's.
    reaches(&symphony, SessionState::LoggedOut).await;
    assert_eq!(symphony.logout_reason(), Some(symphony_dom::LogoutReason::Idle));
    assert_eq!(logout.calls.get(), 1);
    assert!(frames_in("sdk-idle").is_empty());
    assert_eq!(sessions(&state().await), 0);
}

/// Built without the built-in protocol (`./x`'s sdk.js pass): a config asking for it is
/// refused, saying what to turn on, and sdk.js is the default.
#[cfg(not(feature = "built-in"))]
#[wasm_bindgen_test]
fn without_the_built_in_protocol_a_config_asking_for_it_is_refused() {
    use symphony_dom::{Config, ConfigError, Transport};
    assert!(!symphony_session::BUILT_IN_PROTOCOL);
    let refused = Config::builder(emulator(), page_origin())
        .transport(Transport::BuiltIn)
        .build();
    assert_eq!(refused, Err(ConfigError::BuiltInNotBuilt));
    let config = Config::builder(emulator(), page_origin())
        .build()
        .expect("sdk.js by default");
    assert_eq!(config.transport(), Transport::SdkJs);
}
