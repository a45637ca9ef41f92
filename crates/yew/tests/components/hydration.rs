//! Server-side rendering and hydration: the app's HTML as Yew's server renderer makes it
//! (no browser API touched: the session has not started), then hydrated in the page, where
//! the session starts, the chats render and Log out works.

use super::*;

#[wasm_bindgen_test]
async fn a_server_rendered_app_hydrates_renders_its_chats_and_logs_out() {
    fresh().await;
    let (app, html) = Mounted::<App>::hydrate(|slot| AppProps {
        config: config(Mode::Focus),
        slot,
        prefix: "ssr".into(),
    })
    .await;
    // The server's HTML: the chats' containers and the session as it is before it starts.
    assert!(html.contains(r#"id="ssr-main""#), "{html}");
    assert!(html.contains(r#"data-symphony-chat="stream-side""#), "{html}");
    assert!(html.contains(">Unrendered<"), "{html}");
    assert!(!html.contains("<iframe"), "no frame in the server's HTML: {html}");
    // Hydrated: the session starts and renders both chats into the server's containers.
    app.until_ready("the hydrated app's main chat ready").await;
    app.until("the side chat's frame", |_| our_frames().len() == 2)
        .await;
    for frame in our_frames() {
        let parent = frame.parent_element().map(|p| p.id()).unwrap_or_default();
        assert!(parent.starts_with("ssr-"), "a frame in {parent}");
    }
    app.all(".requester button")[0].click();
    app.until("the logout's result", |app| {
        !app.texts(".requester .result")[0].is_empty()
    })
    .await;
    assert_eq!(app.texts(".requester .result")[0], "{}");
    assert!(our_frames().is_empty(), "the frames are gone");
    assert_eq!(sessions(&state().await), 0, "the pod session ended");
    app.unmount();
}
