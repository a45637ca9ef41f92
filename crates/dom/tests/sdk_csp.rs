//! A page whose Content-Security-Policy does not allow the pod in `script-src` fails an
//! sdk.js render with a typed error naming the directive. Its own page: a policy, once
//! set, stays for the page's life.
#![cfg(target_arch = "wasm32")]

use support::*;
use symphony_dom::{Mode, RenderOptions, SessionState, Symphony, SymphonyError};
use symphony_test_support as support;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn sdk_js_blocked_by_the_pages_policy_fails_the_render() {
    fresh().await;
    // Scripts from the page's own origin only: the pod (another site) is blocked.
    let meta = document().create_element("meta").unwrap();
    meta.set_attribute("http-equiv", "Content-Security-Policy")
        .unwrap();
    meta.set_attribute("content", "script-src-elem 'self'").unwrap();
    document().head().unwrap().append_child(&meta).unwrap();
    container("sdk-csp");
    let symphony = Symphony::new(sdk_config(Mode::Focus));
    let result = within(5000, symphony.render("sdk-csp", RenderOptions::default()))
        .await
        .expect("answered, not left waiting");
    assert_eq!(
        result,
        Err(SymphonyError::SdkBlockedByCsp {
            directive: "script-src-elem".into()
        })
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("script-src"), "says what to allow: {message}");
    assert!(
        document().get_element_by_id("symphony-ecm-sdk").is_none(),
        "taken out"
    );
    assert_eq!(symphony.state(), SessionState::Unrendered);
    assert_eq!(sessions(&state().await), 0, "nothing reached the pod");
}
