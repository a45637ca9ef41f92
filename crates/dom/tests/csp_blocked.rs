//! A main frame that the page's Content-Security-Policy blocks fails the render with a
//! typed error. Its own test page: a policy, once set, stays for the page's life.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use support::*;
use symphony_dom::{Mode, RenderOptions, SdkResult, SessionState, Symphony, SymphonyError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_main_frame_blocked_by_the_pages_policy_fails_the_render() {
    fresh().await;
    // The page allows frames from itself only: the pod (another site) is blocked.
    let meta = document().create_element("meta").unwrap();
    meta.set_attribute("http-equiv", "Content-Security-Policy")
        .unwrap();
    meta.set_attribute("content", "frame-src 'self'").unwrap();
    document().head().unwrap().append_child(&meta).unwrap();
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    let result = within(5000, symphony.render("main", RenderOptions::stream("s")))
        .await
        .expect("answered, not left waiting");
    assert_eq!(
        result,
        Err(SymphonyError::FrameBlockedByCsp {
            directive: "frame-src".into()
        })
    );
    let json = serde_json::to_value(SdkResult::from(&result)).unwrap();
    assert_eq!(json["error"]["data"]["code"], "FRAME_BLOCKED_BY_CSP");
    assert!(our_frames().is_empty(), "the blocked frame is removed");
    assert_eq!(symphony.state(), SessionState::Unrendered);
    assert_eq!(sessions(&state().await), 0, "nothing reached the pod");
}
