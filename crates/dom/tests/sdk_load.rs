//! Loading `sdk.js` fails typed and never hangs: a script the pod does not serve, one that
//! comes too late, one the page's Content-Security-Policy blocks. Its own page: the first
//! `sdk.js` that loads stays for the page's life.
#![cfg(target_arch = "wasm32")]

use serde_json::json;
use support::*;
use symphony_dom::{Mode, RenderOptions, SessionState, Symphony, SymphonyError};
use symphony_test_support as support;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn script_on_page() -> bool {
    document().get_element_by_id("symphony-ecm-sdk").is_some()
}

#[wasm_bindgen_test]
async fn a_missing_or_late_script_fails_typed_and_the_next_render_loads_it() {
    fresh().await;
    container("sdk-load");
    let symphony = Symphony::new(sdk_config(Mode::Focus));

    // 404 (or a network failure: a script's `error` cannot tell them apart).
    faults(json!({"sdk": {"script": "missing"}})).await;
    let result = within(5000, symphony.render("sdk-load", RenderOptions::default()))
        .await
        .expect("answered, not left waiting");
    let url = format!("{}/embed/sdk.js", emulator());
    assert_eq!(result, Err(SymphonyError::SdkLoadFailed { url: url.clone() }));
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("HTTP error") && message.contains("network"),
        "names both causes: {message}"
    );
    assert!(!script_on_page(), "the failed script element is taken out");
    assert_eq!(symphony.state(), SessionState::Unrendered);

    // Later than the load timeout (3 s in the tests).
    faults(json!({"sdk": {"script": {"delayMs": 4500}}})).await;
    let started = js_sys::Date::now();
    let result = within(6000, symphony.render("sdk-load", RenderOptions::default()))
        .await
        .expect("answered, not left waiting");
    let took = js_sys::Date::now() - started;
    assert!(
        matches!(&result, Err(SymphonyError::SdkLoadTimeout { url: u, .. }) if *u == url),
        "{result:?}"
    );
    assert!(took < 4500.0, "bounded by the load timeout: {took} ms");

    // The next render waits for the script still on its way, and renders.
    faults(json!({"sdk": {"script": "ok"}})).await;
    within(8000, symphony.render("sdk-load", RenderOptions::default()))
        .await
        .expect("answered")
        .expect("rendered once the script came");
    assert!(script_on_page());
    assert_eq!(
        document()
            .query_selector_all("script[src$='/embed/sdk.js']")
            .unwrap()
            .length(),
        1,
        "one script element"
    );
    symphony.logout().await.expect("logged out");
    assert_eq!(sessions(&state().await), 0);
}
