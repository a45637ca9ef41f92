//! The hello-world with one embedded chat and a logout button through `yew-symphony`: the
//! library's own share of an app's size, without the demo's pages. Built like the others.
#![forbid(unsafe_code)]

use yew::prelude::*;
use yew_symphony::{use_logout, Config, SymphonyChat, SymphonyProvider};

#[function_component]
fn LogoutButton() -> Html {
    let logout = use_logout();
    html! { <button onclick={logout.onclick()}>{ "Log out" }</button> }
}

#[function_component]
fn App() -> Html {
    let origin = yew_symphony::page_origin().unwrap_or_default();
    match Config::builder("http://127.0.0.1:9090", origin).build() {
        Ok(config) => html! {
            <SymphonyProvider {config}>
                <h1>{ "Hello, world" }</h1>
                <LogoutButton />
                <SymphonyChat container="chat" stream_id="stream-1" />
            </SymphonyProvider>
        },
        Err(err) => html! { <p>{ err.to_string() }</p> },
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
