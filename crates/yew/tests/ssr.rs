//! Server-side rendering: the provider, `<SymphonyChat>` and every hook render under Yew's
//! server renderer, natively as on a server, without touching a browser API (any call into
//! JavaScript panics off wasm32). On the server the hooks give an agent whose session has not
//! started: `Unrendered`, not signed in, no idle warning; the session starts in the browser,
//! at hydration (the hydration test in `components` shows it).
#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use yew::prelude::*;
use yew_symphony::{
    page_origin, use_idle, use_interaction_required, use_logout, use_render, use_session_state,
    use_session_status, use_symphony, Config, SymphonyChat, SymphonyProvider,
};

#[function_component]
fn Header() -> Html {
    let agent = use_symphony();
    let state = use_session_state();
    let status = use_session_status();
    let waiting = use_interaction_required();
    let logout = use_logout();
    let render = use_render();
    let idle = use_idle();
    html! {
        <header>
            <span class="state">{ state.as_str() }</span>
            <span class="agent-state">{ agent.state().as_str() }</span>
            <span class="signed-in">{ status.signed_in.to_string() }</span>
            <span class="server-session">{ status.server_session_may_be_alive.to_string() }</span>
            <span class="chat-error">{ status.chat_error.is_some().to_string() }</span>
            <span class="waiting">{ waiting.to_string() }</span>
            <span class="idle">{ idle.warning().to_string() }</span>
            <span class="pod">{ agent.config().pod_url() }</span>
            <button onclick={render.onclick()} disabled={render.running}>{ "Render" }</button>
            <button onclick={logout.onclick()} disabled={logout.running}>{ "Log out" }</button>
        </header>
    }
}

#[function_component]
fn App() -> Html {
    // No window on a server: the app knows the origin it is served from.
    let origin = page_origin().unwrap_or_else(|| "https://app.example.com".to_owned());
    let config = Config::builder("https://acme.symphony.com", origin)
        .build()
        .expect("a valid config");
    html! {
        <SymphonyProvider {config} idle_timeout={Duration::from_secs(900)}>
            <Header />
            <SymphonyChat container="main-chat" stream_id="stream-1" class="chat" />
            <SymphonyChat container="side-chat" stream_id="stream-2" class="chat" />
        </SymphonyProvider>
    }
}

fn server_render() -> String {
    futures::executor::block_on(yew::ServerRenderer::<App>::new().render())
}

#[test]
fn the_provider_the_chats_and_every_hook_render_on_a_server() {
    let html = server_render();
    for expected in [
        r#"<span class="state">Unrendered</span>"#,
        r#"<span class="agent-state">Unrendered</span>"#,
        r#"<span class="signed-in">false</span>"#,
        r#"<span class="server-session">false</span>"#,
        r#"<span class="chat-error">false</span>"#,
        r#"<span class="waiting">false</span>"#,
        r#"<span class="idle">false</span>"#,
        r#"<span class="pod">https://acme.symphony.com/</span>"#,
        r#"<div id="main-chat" data-symphony-chat="stream-1" class="chat"></div>"#,
        r#"<div id="side-chat" data-symphony-chat="stream-2" class="chat"></div>"#,
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    assert!(!html.contains("<iframe"), "no frame rendered on a server: {html}");
}

#[test]
fn the_page_origin_is_unknown_on_a_server() {
    assert_eq!(page_origin(), None);
}

#[test]
fn server_renders_are_the_same_every_time() {
    // What hydration needs: nothing in the markup depends on a session.
    assert_eq!(server_render(), server_render());
}
