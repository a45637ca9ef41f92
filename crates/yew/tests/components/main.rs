//! The Yew integration in headless browsers, against the pod emulator on another origin:
//! the app below ([`App`]: a provider, two chats, three components with a Log out button)
//! and smaller ones, one module per concern.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;
use support::app::{new_root, AgentSlot, Mounted, Probe};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;
use yew_symphony::{
    use_logout, use_session_state, use_session_status, use_symphony, Config, Mode, SymphonyAgent,
    SymphonyChat, SymphonyError, SymphonyProvider,
};

wasm_bindgen_test_configure!(run_in_browser);

mod callbacks;
mod chats;
mod config;
mod hydration;
mod idle;
mod lifecycle;
mod logout;
mod state;

#[derive(Properties, PartialEq)]
struct RequesterProps {
    name: AttrValue,
}

/// A component with a logout button, its result and the state it sees.
#[function_component]
fn Requester(props: &RequesterProps) -> Html {
    let logout = use_logout();
    let state = use_session_state();
    html! {
        <div class="requester" data-name={props.name.clone()}>
            <button onclick={logout.onclick()}>{ "Log out" }</button>
            <span class="state">{ state.as_str() }</span>
            <span class="result">{ logout.last_json().unwrap_or_default() }</span>
        </div>
    }
}

/// Mounted on demand, after the fact: it renders again from a component.
#[function_component]
fn Latecomer() -> Html {
    let state = use_session_state();
    let agent = use_symphony();
    let render = Callback::from(move |_| {
        let agent = agent.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = agent.render().await;
        });
    });
    html! {
        <div class="late">
            <span class="state">{ state.as_str() }</span>
            <button class="render" onclick={render}>{ "Render" }</button>
        </div>
    }
}

#[derive(Properties)]
struct AppProps {
    config: Config,
    slot: AgentSlot,
    prefix: AttrValue,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && Rc::ptr_eq(&self.slot, &other.slot) && self.prefix == other.prefix
    }
}

/// A provider with two chats (`{prefix}-main`, `{prefix}-side`), three [`Requester`]s, and
/// a button that mounts a [`Latecomer`].
#[function_component]
fn App(props: &AppProps) -> Html {
    let late = use_state(|| false);
    let mount_late = {
        let late = late.clone();
        Callback::from(move |_| late.set(true))
    };
    let p = &props.prefix;
    html! {
        <SymphonyProvider config={props.config.clone()}>
            <Probe slot={props.slot.clone()} />
            <SymphonyChat container={format!("{p}-main")} stream_id="stream-main" />
            <SymphonyChat container={format!("{p}-side")} stream_id="stream-side" />
            <Requester name="a" />
            <Requester name="b" />
            <Requester name="c" />
            <button class="mount-late" onclick={mount_late}>{ "Mount" }</button>
            if *late { <Latecomer /> }
        </SymphonyProvider>
    }
}

fn mount(prefix: &str, config: Config) -> Mounted<App> {
    let prefix = AttrValue::from(prefix.to_owned());
    Mounted::mount(|slot| AppProps { config, slot, prefix })
}

async fn mounted_and_ready(prefix: &str) -> Mounted<App> {
    let app = mount(prefix, config(Mode::Focus));
    app.until_ready("the main chat ready").await;
    app.until("the side chat's frame", |_| our_frames().len() == 2)
        .await;
    app
}
