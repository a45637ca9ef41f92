//! The Yew integration over Symphony's own `sdk.js` (feature `sdk-js`), against the
//! emulator's stand-in on another origin: a provider and two `<SymphonyChat>`s render
//! through `window.symphony`, the main chat's container carries the SDK's class in Yew's
//! own markup, and logouts from components make one `window.symphony.logout()` call. One
//! page: `window.symphony` is one per page.
#![cfg(target_arch = "wasm32")]

use support::app::Mounted;
use support::sdk::{frames_in, fresh_sdk, Spy};
use support::*;
use symphony_test_support as support;
use wasm_bindgen_test::*;
use yew_symphony::{Mode, SessionState, SDK_CONTAINER_CLASS};

wasm_bindgen_test_configure!(run_in_browser);

fn chats() -> Vec<(String, String)> {
    vec![
        ("yew-sdk-main".into(), "s1".into()),
        ("yew-sdk-side".into(), "s2".into()),
    ]
}

#[wasm_bindgen_test]
async fn a_provider_and_two_chats_render_and_log_out_over_sdk_js() {
    fresh_sdk(&[]).await;
    let app = Mounted::provider_app(sdk_config(Mode::Focus), chats());
    app.until_ready("rendered over sdk.js").await;
    app.until("both chats shown", |_| {
        frames_in("yew-sdk-main").len() == 1 && frames_in("yew-sdk-side").len() == 1
    })
    .await;
    let divs = app.chat_divs();
    assert!(
        divs[0].class_list().contains(SDK_CONTAINER_CLASS),
        "the main chat carries the SDK's class"
    );
    assert!(
        divs[0].class_list().contains("provider-app-chat"),
        "with the app's own"
    );
    assert!(
        !divs[1].class_list().contains(SDK_CONTAINER_CLASS),
        "only the main chat: sdk.js renders into the first of the class"
    );
    assert!(our_frames().is_empty(), "no frame of the built-in protocol");

    let logout = Spy::on("logout");
    let agent = app.agent();
    let results = futures::future::join_all((0..10).map(|_| agent.logout())).await;
    assert!(results.iter().all(|r| *r == Ok(())), "{results:?}");
    assert_eq!(
        logout.calls.get(),
        1,
        "one window.symphony.logout() for ten callers"
    );
    assert_eq!(agent.state(), SessionState::LoggedOut);
    assert!(frames_in("yew-sdk-main").is_empty() && frames_in("yew-sdk-side").is_empty());
    assert_eq!(sessions(&state().await), 0, "the pod session ended");
    drop(agent);
    app.unmount();
}
