//! The smallest Yew app that renders something: what every Yew app pays before it does
//! anything. `./x bench` builds it the same way as the demo (release, wasm-bindgen,
//! `wasm-opt -Oz`, `gzip -9`) and compares their sizes.
#![forbid(unsafe_code)]

use yew::prelude::*;

#[function_component]
fn App() -> Html {
    html! { <h1>{ "Hello, world" }</h1> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
