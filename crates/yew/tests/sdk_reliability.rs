//! The reliability suite over Symphony's own `sdk.js` (feature `sdk-js`), against the
//! emulator's stand-in on another origin, through the Yew agent of a mounted
//! `<SymphonyProvider>`: every fault of the stand-in crossed with render and logout, and a
//! thousand concurrent logout requesters under each logout fault (one `window.symphony.logout()`
//! call each time). One page, as `window.symphony` is one per page: the script's own faults
//! come first, while no `sdk.js` is on it. It prints one summary line (`./x test` shows it).
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use futures::future::join_all;
use futures::StreamExt;
use serde_json::{json, Value};
use support::app::Mounted;
use support::sdk::{frames_in, fresh_sdk, Spy};
use support::{document, emulator, faults, page_origin, sessions, state, within};
use symphony_test_support as support;
use wasm_bindgen_test::*;
use yew_symphony::{Config, Mode, RenderOptions, SessionState, SymphonyAgent, SymphonyError, Transport};

wasm_bindgen_test_configure!(run_in_browser);

const LOGOUT_TIMEOUT: Duration = Duration::from_millis(1200);
const SDK_LOAD_TIMEOUT: Duration = Duration::from_millis(1500);
/// The one container every render of this suite uses (sdk.js renders into the first element
/// of its class).
const CHAT: &str = "rel-sdk";

/// Short timeouts, so that the hanging faults stay quick.
fn quick_config() -> Config {
    Config::builder(emulator(), page_origin())
        .partner_id("reliability")
        .mode(Mode::Focus)
        .transport(Transport::SdkJs)
        .logout_timeout(LOGOUT_TIMEOUT)
        .sdk_load_timeout(SDK_LOAD_TIMEOUT)
        .build()
        .expect("a valid config")
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn script_on_page() -> bool {
    document().get_element_by_id("symphony-ecm-sdk").is_some()
}

async fn render(agent: &SymphonyAgent) -> Result<(), SymphonyError> {
    within(8000, agent.render_into(CHAT, RenderOptions::stream("s")))
        .await
        .expect("the render answered, not left waiting")
        .map(drop)
}

/// The script's faults, before any `sdk.js` is on the page: a script the pod does not serve
/// and one slower than the load timeout fail the render typed, leave no frame and no
/// script element behind; a logout then has nothing to call and loads nothing. Returns the
/// cases and how many held.
async fn script_faults(agent: &SymphonyAgent) -> (usize, usize) {
    let url = format!("{}/embed/sdk.js", emulator());
    let mut held = 0;

    faults(json!({"sdk": {"script": "missing"}})).await;
    let result = render(agent).await;
    assert_eq!(result, Err(SymphonyError::SdkLoadFailed { url: url.clone() }));
    assert!(frames_in(CHAT).is_empty(), "missing script: no frame");
    assert!(!script_on_page(), "missing script: its element is taken out");
    assert_eq!(agent.state(), SessionState::Unrendered);
    assert_eq!(
        within(3000, agent.logout()).await,
        Some(Ok(())),
        "nothing was rendered: nothing to log out of"
    );
    assert!(!script_on_page(), "a logout with nothing rendered loads nothing");
    held += 1;

    faults(json!({"sdk": {"script": {"delayMs": 2500}}})).await;
    let started = now();
    let result = render(agent).await;
    let took = now() - started;
    assert!(
        matches!(&result, Err(SymphonyError::SdkLoadTimeout { url: u, .. }) if *u == url),
        "slow script: {result:?}"
    );
    assert!(took < 2500.0, "bounded by the load timeout: {took} ms");
    assert!(frames_in(CHAT).is_empty(), "slow script: no frame");
    held += 1;

    // The next render waits for the script still on its way, and renders.
    faults(json!({"sdk": {"script": "ok"}})).await;
    render(agent).await.expect("rendered once the script came");
    assert_eq!(frames_in(CHAT).len(), 1);
    agent.logout().await.expect("logged out");
    (held, 2)
}

/// Whether a logout under one of `logout()`'s faults answered what it must.
fn answered_as_expected(fault: &Value, result: &Result<(), SymphonyError>) -> bool {
    match fault.as_str() {
        Some("hang") => {
            *result
                == Err(SymphonyError::Timeout {
                    operation: "logout",
                    after: LOGOUT_TIMEOUT,
                })
        }
        Some("error" | "reject") => {
            matches!(result, Err(SymphonyError::Sdk { function: "logout", error }) if error.kind == "ERROR")
        }
        // "ok", and a frame left behind after an answer of `{}`.
        _ => *result == Ok(()),
    }
}

/// Whether the pod session outlives a logout under that fault (it failed).
fn session_outlives(fault: &Value) -> bool {
    matches!(fault.as_str(), Some("hang" | "error" | "reject"))
}

/// Every fault of `logout()` crossed with logout and render: a thousand requesters share
/// one call and its typed result, every iframe in the container goes; the render after it
/// shows the chat (the pod session outlived a failed logout) or the sign-in, and tells the
/// app that the user must act (it ended). Returns (logouts that held, renders that held,
/// cases).
async fn logout_faults(agent: &SymphonyAgent) -> (usize, usize, usize) {
    let cases = [
        json!({"logout": "ok"}),
        json!({"logout": "hang"}),
        json!({"logout": "error"}),
        json!({"logout": "reject"}),
        json!({"logout": "ok", "leaveFrame": true}),
    ];
    let (mut logouts, mut renders) = (0, 0);
    for sdk_fault in &cases {
        let what = sdk_fault.to_string();
        fresh_sdk(&[CHAT]).await;
        render(agent).await.expect("rendered");
        assert_eq!(frames_in(CHAT).len(), 1, "{what}: the chat shows");

        faults(json!({ "sdk": sdk_fault })).await;
        let calls = Spy::on("logout");
        let results = within(5000, join_all((0..1000).map(|_| agent.logout())))
            .await
            .expect("every requester answered");
        let alive = session_outlives(&sdk_fault["logout"]);
        assert!(
            answered_as_expected(&sdk_fault["logout"], &results[0]),
            "{what}: {:?}",
            results[0]
        );
        assert!(
            results.iter().all(|r| *r == results[0]),
            "{what}: one shared result"
        );
        assert_eq!(
            calls.calls.get(),
            1,
            "{what}: one window.symphony.logout() for 1000 requesters"
        );
        assert!(frames_in(CHAT).is_empty(), "{what}: every iframe removed");
        assert_eq!(agent.state(), SessionState::LoggedOut, "{what}");
        assert_eq!(
            agent.symphony().server_session_may_be_alive(),
            alive,
            "{what}: the status says whether the pod session may be alive"
        );
        assert_eq!(
            sessions(&state().await),
            usize::from(alive),
            "{what}: the pod session"
        );
        logouts += 1;
        drop(calls);

        // The render after it.
        faults(json!({"sdk": {"logout": "ok"}})).await;
        if alive {
            render(agent)
                .await
                .expect("the pod session lived on: the chat shows");
            assert_eq!(frames_in(CHAT).len(), 1, "{what}: rendered again");
            agent.logout().await.expect("logged out");
        } else {
            // Signed out: the sign-in shows and the app hears that the user must act; a
            // logout ends the waiting render.
            let (told, mut changes) = futures::channel::mpsc::unbounded();
            let _watch = agent.symphony().on_interaction_required_change(move |required| {
                let _ = told.unbounded_send(required);
            });
            let (sent, answer) = futures::channel::oneshot::channel();
            let waiting = agent.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = sent.send(
                    waiting
                        .render_into(CHAT, RenderOptions::stream("s"))
                        .await
                        .map(drop),
                );
            });
            assert_eq!(
                within(5000, changes.next()).await,
                Some(Some(true)),
                "{what}: the user must sign in"
            );
            assert_eq!(frames_in(CHAT).len(), 1, "{what}: the sign-in shows");
            agent.logout().await.expect("logged out");
            let render = within(3000, answer)
                .await
                .expect("the render answered")
                .expect("sent");
            assert!(
                matches!(render, Err(SymphonyError::Interrupted { .. })),
                "{what}: {render:?}"
            );
            assert!(frames_in(CHAT).is_empty(), "{what}: the sign-in removed");
        }
        renders += 1;
    }
    (logouts, renders, cases.len())
}

#[wasm_bindgen_test]
async fn reliability_suite_over_sdk_js() {
    let started = now();
    fresh_sdk(&[CHAT]).await;
    let app = Mounted::<support::app::ProviderApp>::provider_app(quick_config(), Vec::new());
    let agent = app.rendered_agent().await;
    assert!(!script_on_page(), "this suite starts on a page without sdk.js");
    let (scripts, script_cases) = script_faults(&agent).await;
    let (logouts, renders, cases) = logout_faults(&agent).await;
    drop(agent);
    app.unmount();
    faults(json!({"sdk": {"logout": "ok", "script": "ok"}})).await;
    console_log!(
        "reliability over sdk.js: script faults {scripts}/{script_cases} renders typed; \
         logout faults {logouts}/{cases} fail-closed, one logout() call for 1000 requesters each; \
         renders after them {renders}/{cases}; {:.1} s",
        (now() - started) / 1000.0
    );
}
