//! `bench-hello-symphony` over Symphony's own `sdk.js` (the `sdk-js` feature on, the
//! transport chosen in the config): the library's share of an app on that backend. Built
//! like the others.
#![forbid(unsafe_code)]

use yew::prelude::*;
use yew_symphony::{use_logout, Config, SymphonyChat, SymphonyProvider, Transport};

#[function_component]
fn LogoutButton() -> Html {
    let logout = use_logout();
    html! { <button onclick={logout.onclick()}>{ "Log out" }</button> }
}

#[function_component]
fn App() -> Html {
    let origin = yew_symphony::page_origin().unwrap_or_default();
    match Config::builder("http://127.0.0.1:9090", origin)
        .transport(Transport::SdkJs)
        .build()
    {
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
