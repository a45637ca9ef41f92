//! Inactivity logout in the browser, against the pod emulator: the warning, the activity
//! of the chats, of another document and of "stay signed in", the claim among tabs.
//! Two `Symphony` handles in this page stand for two tabs: each has its own tab channel
//! object and asks for Web Locks on its own, as a tab would. (Activity in the page itself
//! needs trusted events, which only WebDriver can make: the demo's end-to-end test covers
//! it; here a script's synthetic events are shown not to count.)
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use futures::channel::mpsc;
use futures::StreamExt;
use serde_json::json;
use support::*;
use symphony_dom::{LogoutReason, RenderOptions, SessionState, StateListener, Symphony, Timestamp};
use symphony_session::protocol::TabMessage;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The warning news of one handle, in order.
struct Warnings {
    _listener: StateListener,
    news: mpsc::UnboundedReceiver<Option<Timestamp>>,
}

impl Warnings {
    fn of(symphony: &Symphony) -> Self {
        let (sender, news) = mpsc::unbounded();
        let listener = symphony.on_idle_warning(move |deadline| {
            let _ = sender.unbounded_send(deadline);
        });
        Self {
            _listener: listener,
            news,
        }
    }

    /// The next change: `Some(deadline)` when a warning starts, `None` when it ends.
    async fn next(&mut self, what: &str) -> Option<Timestamp> {
        within(8000, self.news.next())
            .await
            .flatten()
            .unwrap_or_else(|| panic!("no idle warning news within 8 s: {what}"))
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

async fn render(symphony: &Symphony, container_id: &str) {
    container(container_id);
    symphony
        .render(container_id, RenderOptions::stream("s"))
        .await
        .expect("render");
    ready(symphony).await;
}

/// A fresh session with this idle policy, rendered and signed in, once its warning stood.
async fn warned(timeout_ms: u64, warning_ms: u64) -> (Symphony, Warnings, Timestamp) {
    fresh().await;
    let symphony = Symphony::new(idle_config(timeout_ms, warning_ms));
    let mut warnings = Warnings::of(&symphony);
    render(&symphony, "main").await;
    let deadline = warnings.next("the warning").await.expect("a warning starts");
    (symphony, warnings, deadline)
}

#[wasm_bindgen_test]
async fn no_activity_warns_then_logs_out_and_ends_the_pod_session() {
    fresh().await;
    let symphony = Symphony::new(idle_config(1500, 1000));
    let mut warnings = Warnings::of(&symphony);
    render(&symphony, "main").await;
    assert_eq!(sessions(&state().await), 1, "signed in");
    let deadline = warnings.next("the warning").await.expect("a warning starts");
    assert_eq!(symphony.idle_warning(), Some(deadline));
    let left = deadline.0 as f64 - now();
    assert!(
        left > 0.0 && left <= 1000.0,
        "warned {left} ms before the deadline"
    );
    assert_eq!(warnings.next("the end of the warning").await, None);
    reaches(&symphony, SessionState::LoggedOut).await;
    assert!(now() >= deadline.0 as f64 - 5.0, "not before the deadline");
    assert_eq!(symphony.logout_reason(), Some(LogoutReason::Idle));
    assert!(our_frames().is_empty());
    let pod = state().await;
    assert_eq!(sessions(&pod), 0, "the pod session ended");
    assert_eq!(
        logout_requests(&pod),
        (1, 0),
        "asked through the ready main frame"
    );
}

#[wasm_bindgen_test]
async fn activity_inside_a_chat_postpones_it_and_follows_renders() {
    fresh().await;
    let symphony = Symphony::new(idle_config(3000, 2500));
    let mut warnings = Warnings::of(&symphony);
    for round in 0..2 {
        render(&symphony, "main").await;
        let first = warnings.next("the warning").await.expect("a warning starts");
        let told = admin("POST", "/__emulator/activity", Some(json!({"frame": "main"}))).await;
        assert_eq!(told["told"], 1, "round {round}: the main frame was told");
        assert_eq!(
            warnings.next("the chat's activity").await,
            None,
            "round {round}: the chat's activity ended the warning"
        );
        let second = warnings.next("the next warning").await.expect("warned again");
        assert!(
            second > first,
            "round {round}: the deadline moved: {first:?} -> {second:?}"
        );
        assert_eq!(symphony.state(), SessionState::Rendered);
        // A logout ends the subscription; the next render makes a new one.
        assert_eq!(symphony.logout().await, Ok(()));
        assert_eq!(warnings.next("the end of the warning").await, None);
        // The pod forgets the browser, so that the next frame signs in again by itself.
        fresh().await;
    }
}

#[wasm_bindgen_test]
async fn activity_in_another_document_postpones_it() {
    let tab = OtherTab::open().await;
    let (symphony, mut warnings, first) = warned(3000, 2500).await;
    tab.announce_activity();
    assert_eq!(warnings.next("the other document's activity").await, None);
    let second = warnings.next("the next warning").await.expect("warned again");
    assert!(second > first, "the deadline moved: {first:?} -> {second:?}");
    // Another pod's activity is not ours.
    tab.say(&TabMessage::Activity {
        pod: other_emulator().to_owned(),
        at: now() as u64,
    });
    reaches(&symphony, SessionState::LoggedOut).await;
    assert!(
        now() >= second.0 as f64 - 5.0,
        "the other pod's activity did not postpone it"
    );
}

#[wasm_bindgen_test]
async fn stay_signed_in_clears_the_warning_in_every_tab() {
    fresh().await;
    let mut tab = OtherTab::open().await;
    let here = Symphony::new(idle_config(3000, 2500));
    let there = Symphony::new(idle_config(3000, 2500));
    let mut warned_here = Warnings::of(&here);
    let mut warned_there = Warnings::of(&there);
    render(&here, "main").await;
    render(&there, "other").await;
    warned_here.next("the warning here").await.expect("warned here");
    warned_there
        .next("the warning there")
        .await
        .expect("warned there");
    let pressed = now() as u64;
    here.stay_signed_in();
    assert_eq!(warned_here.next("stay signed in").await, None);
    assert_eq!(warned_there.next("stay signed in, there").await, None);
    assert_eq!(there.idle_warning(), None);
    // The other document heard it too.
    loop {
        if let TabMessage::Activity { at, .. } = tab.heard().await {
            if at >= pressed {
                break;
            }
        }
    }
    drop((here, there));
}

#[wasm_bindgen_test]
async fn two_tabs_idle_together_make_one_server_request() {
    fresh().await;
    let here = Symphony::new(idle_config(1500, 500));
    let there = Symphony::new(idle_config(1500, 500));
    render(&here, "main").await;
    render(&there, "other").await;
    reaches(&here, SessionState::LoggedOut).await;
    reaches(&there, SessionState::LoggedOut).await;
    let (frame, http) = logout_requests(&state().await);
    assert_eq!(frame + http, 1, "one tab asked the pod, the other followed");
    assert_eq!(sessions(&state().await), 0);
    let reasons = [here.logout_reason(), there.logout_reason()];
    assert!(
        reasons.contains(&Some(LogoutReason::Idle)) && reasons.iter().all(Option::is_some),
        "{reasons:?}"
    );
    assert!(our_frames().is_empty());
}

#[wasm_bindgen_test]
async fn a_logout_during_the_warning_is_one_logout() {
    let (symphony, mut warnings, deadline) = warned(1500, 1200).await;
    assert_eq!(symphony.logout().await, Ok(()));
    assert_eq!(warnings.next("the end of the warning").await, None);
    assert_eq!(symphony.logout_reason(), Some(LogoutReason::Requested));
    // Past the old deadline, nothing more happens: no idle logout after the requested one.
    let wait = (deadline.0 as f64 - now()).max(0.0) as u32 + 500;
    gloo_timers::future::TimeoutFuture::new(wait).await;
    assert_eq!(logout_requests(&state().await), (1, 0));
    assert_eq!(symphony.logout_reason(), Some(LogoutReason::Requested));
}

#[wasm_bindgen_test]
async fn a_scripts_synthetic_events_are_not_activity() {
    let (symphony, mut warnings, deadline) = warned(2000, 1500).await;
    let window = web_sys::window().expect("window");
    for name in ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"] {
        let event = web_sys::Event::new(name).expect("an event");
        window.dispatch_event(&event).expect("dispatched");
    }
    assert_eq!(warnings.next("the logout").await, None);
    assert!(
        now() >= deadline.0 as f64 - 5.0,
        "the warning stood until the deadline"
    );
    reaches(&symphony, SessionState::LoggedOut).await;
    assert_eq!(symphony.logout_reason(), Some(LogoutReason::Idle));
}

/// A browser that refuses Web Locks (the request's promise rejects, as Chromium's does when
/// site data is blocked): the claim counts as granted, so the idle logout still happens and
/// ends the pod session.
#[wasm_bindgen_test]
async fn a_refused_web_lock_still_logs_out() {
    fresh().await;
    let refused = PrototypeStub::install(
        "LockManager",
        "request",
        "return Promise.reject(new DOMException('site data blocked', 'SecurityError'))",
    );
    let symphony = Symphony::new(idle_config(1500, 500));
    render(&symphony, "main").await;
    reaches(&symphony, SessionState::LoggedOut).await;
    drop(refused);
    assert_eq!(symphony.logout_reason(), Some(LogoutReason::Idle));
    assert!(our_frames().is_empty());
    assert_eq!(sessions(&state().await), 0, "the pod session ended");
}

/// The same where `request` throws at once (an older refusal path).
#[wasm_bindgen_test]
async fn a_web_lock_request_that_throws_still_logs_out() {
    fresh().await;
    let refused = PrototypeStub::install("LockManager", "request", "throw new TypeError('no locks here')");
    let symphony = Symphony::new(idle_config(1500, 500));
    render(&symphony, "main").await;
    reaches(&symphony, SessionState::LoggedOut).await;
    drop(refused);
    assert_eq!(sessions(&state().await), 0, "the pod session ended");
}

/// A chat route unmounted: the main frame left the page, the pod session did not. The idle
/// clock runs on and, when due, logs out over HTTP.
#[wasm_bindgen_test]
async fn the_idle_logout_still_comes_after_the_chat_left_the_page() {
    fresh().await;
    let symphony = Symphony::new(idle_config(1500, 500));
    render(&symphony, "main").await;
    document().get_element_by_id("main").expect("main").remove();
    reaches(&symphony, SessionState::Unrendered).await;
    assert!(symphony.server_session_may_be_alive());
    assert_eq!(sessions(&state().await), 1, "still signed in");
    reaches(&symphony, SessionState::LoggedOut).await;
    assert_eq!(symphony.logout_reason(), Some(LogoutReason::Idle));
    let pod = state().await;
    assert_eq!(sessions(&pod), 0, "the pod session ended");
    assert_eq!(logout_requests(&pod), (0, 1), "over HTTP: no frame left");
}
