//! A header with the session's state and a Log out button, and two chats: the main frame
//! and a Focus child frame. `trunk serve`, then open http://localhost:8080/.
use yew::prelude::*;
use yew_symphony::{use_logout, use_session_status, Config, SymphonyChat, SymphonyProvider};

/// Your pod. For local work, the pod emulator on port 9090; `?pod=` in the page's address
/// overrides it.
const POD: &str = "http://127.0.0.1:9090";

#[function_component]
fn Header() -> Html {
    let status = use_session_status(); // re-renders on every change
    let logout = use_logout(); // a callback, whether it runs, the last result
    html! {
        <header>
            <span class="state">{ status.state.as_str() }</span>
            if status.signed_in { <span class="signed-in">{ "Signed in" }</span> }
            <button onclick={logout.onclick()} disabled={logout.running}>{ "Log out" }</button>
            // Symphony's result: {} or {"error":{..}}.
            if let Some(json) = logout.last_json() { <code class="result">{ json }</code> }
            if status.server_session_may_be_alive && logout.last.as_ref().is_some_and(Result::is_err) {
                <p class="error">{ "Sign-out may not have completed: try again." }</p>
            }
            if let Some(error) = &status.chat_error { <p class="error">{ error.to_string() }</p> }
        </header>
    }
}

#[function_component]
fn App() -> Html {
    let origin = yew_symphony::page_origin().unwrap_or_default();
    // A bad pod URL or partner id is a typed error whose message says what to fix.
    match Config::builder(pod(), origin).build() {
        Ok(config) => html! {
            <SymphonyProvider {config}>
                <Header />
                <main>
                    // The first chat is the main frame, the next a Focus child frame; the
                    // class sizes them (style.css).
                    <SymphonyChat container="main-chat" stream_id="stream-1" class="chat" />
                    <SymphonyChat container="side-chat" stream_id="stream-2" class="chat" />
                </main>
            </SymphonyProvider>
        },
        Err(error) => html! { <p class="error">{ error.to_string() }</p> },
    }
}

/// `?pod=` of the page's address, else [`POD`].
fn pod() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok())
        .and_then(|params| params.get("pod"))
        .unwrap_or_else(|| POD.to_owned())
}

fn main() {
    yew::Renderer::<App>::new().render();
}
