//! Render resolves when the chat is ready (`clientReady`), as Symphony's `render` does; a
//! loaded frame that waits for the user says so after the interaction timeout.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use std::time::Duration;

use futures::channel::mpsc;
use futures::StreamExt;
use serde_json::json;
use support::*;
use symphony_dom::{Config, Mode, RenderOptions, SessionState, Symphony, SymphonyError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn render_resolves_once_the_chat_is_ready() {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    let (sender, mut loaded) = mpsc::unbounded();
    let _watch = symphony.on_loaded_change(move |l| {
        let _ = sender.unbounded_send(l);
    });
    symphony
        .render("main", RenderOptions::stream("s"))
        .await
        .expect("render");
    assert!(symphony.is_ready(), "answered at clientReady, not at load");
    assert!(symphony.is_loaded());
    assert_eq!(loaded.next().await, Some(true), "loading announced");
    assert!(!symphony.interaction_required());
    symphony.logout().await.expect("logout");
    assert_eq!(loaded.next().await, Some(false));
}

#[wasm_bindgen_test]
async fn a_frame_that_waits_for_the_user_is_reported_and_the_render_waits_with_it() {
    fresh().await;
    container("main");
    faults(json!({"mainFrame": "neverReady"})).await;
    let config = Config::builder(emulator(), page_origin())
        .request_timeout(Duration::from_millis(1000))
        .interaction_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let symphony = Symphony::new(config);
    let (sender, mut signal) = mpsc::unbounded();
    let _watch = symphony.on_interaction_required_change(move |required| {
        let _ = sender.unbounded_send(required);
    });
    let started = js_sys::Date::now();
    let mut rendering = render_loaded(&symphony, "main", RenderOptions::stream("s")).await;
    assert_eq!(
        within(3000, signal.next()).await,
        Some(Some(true)),
        "interaction may be required"
    );
    assert!(symphony.interaction_required());
    assert!(js_sys::Date::now() - started >= 300.0);
    // Past the request timeout (1 s), the render still waits: it bounds loading only.
    gloo_timers::future::TimeoutFuture::new(1200).await;
    assert_eq!(rendering.try_recv(), Ok(None));
    assert_eq!(symphony.state(), SessionState::Rendered);
    // A logout answers the render and clears the signal.
    symphony.logout().await.expect("logout");
    assert_eq!(signal.next().await, Some(false));
    assert!(!symphony.interaction_required());
    assert_eq!(
        rendering.await,
        Ok(Err(SymphonyError::Interrupted {
            operation: "render",
            by: "logout"
        }))
    );
    faults(json!({"mainFrame": "ok"})).await;
}

#[wasm_bindgen_test]
async fn a_theme_is_sent_once_the_chat_is_ready_and_the_render_waits_for_it() {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config(Mode::Focus));
    let theme = json!({"primary": "#0f6fde"});
    let options =
        RenderOptions::stream("s").with_settings(symphony_dom::Settings::new().with("theme", theme.clone()));
    symphony
        .render("main", options)
        .await
        .expect("render with a theme");
    assert!(symphony.is_ready());
    let src = our_frames()[0].src();
    assert!(!src.contains("theme"), "the URL carries scalars only: {src}");
    symphony.logout().await.expect("logout");

    // Collaboration mode has no theme: refused before any frame is made.
    let collaboration = Symphony::new(config(Mode::Collaboration));
    let options = RenderOptions::default().with_settings(symphony_dom::Settings::new().with("theme", theme));
    let result = collaboration.render("main", options).await;
    assert!(
        matches!(
            result,
            Err(SymphonyError::InvalidArgument {
                argument: "settings",
                ..
            })
        ),
        "{result:?}"
    );
    assert!(our_frames().is_empty());
}
