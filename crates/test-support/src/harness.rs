//! A small Yew app for the bench and reliability suites: a `<SymphonyProvider>` with a probe
//! that hands its agent to the test, and optional `<SymphonyChat>`s.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;
use yew_symphony::{use_symphony, Config, SymphonyAgent, SymphonyChat, SymphonyProvider};

type AgentSlot = Rc<RefCell<Option<SymphonyAgent>>>;

#[derive(Properties)]
struct ProbeProps {
    slot: AgentSlot,
}

impl PartialEq for ProbeProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.slot, &other.slot)
    }
}

#[function_component]
fn Probe(props: &ProbeProps) -> Html {
    *props.slot.borrow_mut() = Some(use_symphony());
    html! {}
}

#[derive(Properties)]
pub struct AppProps {
    config: Config,
    slot: AgentSlot,
    /// `(container, stream id)` of each `<SymphonyChat>`; the first one is the main frame.
    chats: Rc<Vec<(String, String)>>,
}

impl PartialEq for AppProps {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && Rc::ptr_eq(&self.slot, &other.slot)
            && Rc::ptr_eq(&self.chats, &other.chats)
    }
}

#[function_component]
pub fn ProviderApp(props: &AppProps) -> Html {
    html! {
        <SymphonyProvider config={props.config.clone()} options={yew_symphony::Options::new().sync_tabs(false)}>
            <Probe slot={props.slot.clone()} />
            { for props.chats.iter().map(|(container, stream)| html! {
                <SymphonyChat
                    key={container.clone()}
                    container={AttrValue::from(container.clone())}
                    stream_id={AttrValue::from(stream.clone())}
                    class={classes!("harness-chat")}
                />
            }) }
        </SymphonyProvider>
    }
}

/// A mounted [`ProviderApp`].
pub struct Mounted {
    root: Element,
    handle: Option<yew::AppHandle<ProviderApp>>,
    slot: AgentSlot,
}

impl Mounted {
    /// Mounts the app in a new `<div>` at the end of the body. The agent is available once
    /// Yew has rendered (see [`Mounted::agent`]).
    pub fn new(config: Config, chats: Vec<(String, String)>) -> Self {
        let document = web_sys::window().and_then(|w| w.document()).expect("a document");
        let root = document.create_element("div").expect("div");
        root.set_class_name("harness-root");
        document
            .body()
            .expect("body")
            .append_child(&root)
            .expect("append");
        let slot: AgentSlot = Rc::new(RefCell::new(None));
        let handle = yew::Renderer::<ProviderApp>::with_root_and_props(
            root.clone(),
            AppProps {
                config,
                slot: slot.clone(),
                chats: Rc::new(chats),
            },
        )
        .render();
        Self {
            root,
            handle: Some(handle),
            slot,
        }
    }

    /// The provider's agent; waits (a few event-loop turns at most) for Yew's first render.
    pub async fn agent(&self) -> SymphonyAgent {
        for _ in 0..200 {
            if let Some(agent) = self.slot.borrow().clone() {
                return agent;
            }
            gloo_timers::future::TimeoutFuture::new(5).await;
        }
        panic!("the provider never rendered its probe");
    }

    /// The `<div>`s the chats rendered, in order.
    pub fn chat_divs(&self) -> Vec<web_sys::HtmlElement> {
        let list = self.root.query_selector_all(".harness-chat").expect("selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into().ok())
            .collect()
    }

    /// Unmounts the app: the provider's session goes with it.
    pub fn unmount(mut self) {
        self.slot.borrow_mut().take();
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}
