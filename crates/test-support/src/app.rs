//! Yew apps mounted by the tests: [`Mounted`] mounts any root component in a new `<div>`
//! and reads the page it renders; [`Probe`] hands the provider's agent to the test and
//! shows the session's state; [`ProviderApp`] is the small app of the bench and reliability
//! suites (a `<SymphonyProvider>` with a probe and optional `<SymphonyChat>`s).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;
use yew_symphony::{use_session_status, use_symphony, Config, SymphonyAgent, SymphonyChat, SymphonyProvider};

use crate::{document, eventually};

/// Where a [`Probe`] puts the provider's agent for the test.
pub type AgentSlot = Rc<RefCell<Option<SymphonyAgent>>>;

/// The props of [`Probe`].
#[derive(Properties)]
pub struct ProbeProps {
    /// Receives the agent at every render.
    pub slot: AgentSlot,
}

impl PartialEq for ProbeProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.slot, &other.slot)
    }
}

/// Hands the provider's agent to the test, and shows the session's state (text), whether
/// the user is signed in (`data-ready`), whether the server session may be alive
/// (`data-server-session`) and the code of the last chat failure (`data-chat-error`) in
/// `<span class="probe">`.
#[function_component]
pub fn Probe(props: &ProbeProps) -> Html {
    *props.slot.borrow_mut() = Some(use_symphony());
    let status = use_session_status();
    html! {
        <span class="probe" data-ready={status.signed_in.to_string()}
            data-server-session={status.server_session_may_be_alive.to_string()}
            data-chat-error={status.chat_error.as_ref().map(|error| error.code())}>
            { status.state.as_str() }
        </span>
    }
}

/// An app mounted in a new `<div>` at the end of the body, with the slot its [`Probe`]
/// fills.
pub struct Mounted<C: BaseComponent> {
    root: Element,
    handle: Option<yew::AppHandle<C>>,
    slot: AgentSlot,
}

impl<C: BaseComponent> Mounted<C> {
    /// Mounts `C` with the props `props` makes from a new slot (to give to its probe).
    pub fn mount(props: impl FnOnce(AgentSlot) -> C::Properties) -> Self {
        let root = new_root();
        let slot: AgentSlot = Rc::new(RefCell::new(None));
        let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props(slot.clone())).render();
        Self {
            root,
            handle: Some(handle),
            slot,
        }
    }

    /// Renders `C` as a server does (Yew's server renderer, hydratable markup), puts that
    /// HTML in a new `<div>` and hydrates it there; also gives the server's HTML.
    pub async fn hydrate(props: impl Fn(AgentSlot) -> C::Properties) -> (Self, String) {
        let slot: AgentSlot = Rc::new(RefCell::new(None));
        let html = yew::LocalServerRenderer::<C>::with_props(props(slot.clone()))
            .render()
            .await;
        // The server render's agent (never started) goes with its render.
        slot.borrow_mut().take();
        let root = new_root();
        root.set_inner_html(&html);
        let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props(slot.clone())).hydrate();
        let mounted = Self {
            root,
            handle: Some(handle),
            slot,
        };
        (mounted, html)
    }

    /// Renders the app again with new props (made from the same slot).
    pub fn update(&mut self, props: impl FnOnce(AgentSlot) -> C::Properties) {
        let props = props(self.slot.clone());
        self.handle.as_mut().expect("mounted").update(props);
    }

    /// The provider's agent, as the probe captured it (Yew has rendered).
    pub fn agent(&self) -> SymphonyAgent {
        self.slot.borrow().clone().expect("the probe captured the agent")
    }

    /// The provider's agent; waits (a few event-loop turns at most) for Yew's first render.
    pub async fn rendered_agent(&self) -> SymphonyAgent {
        for _ in 0..200 {
            if let Some(agent) = self.slot.borrow().clone() {
                return agent;
            }
            gloo_timers::future::TimeoutFuture::new(5).await;
        }
        panic!("the provider never rendered its probe");
    }

    /// The elements of the app that match `selector`, in document order.
    pub fn all(&self, selector: &str) -> Vec<HtmlElement> {
        let list = self.root.query_selector_all(selector).expect("selector");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into().ok())
            .collect()
    }

    /// The text of each element that matches `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }

    /// The text of the first element that matches `selector`.
    pub fn text(&self, selector: &str) -> Option<String> {
        self.texts(selector).into_iter().next()
    }

    /// Waits (up to 8 s) for the rendered page to say `what`.
    pub async fn until(&self, what: &str, condition: impl Fn(&Self) -> bool) {
        eventually(8000, what, || {
            let ok = condition(self);
            async move { ok }
        })
        .await;
    }

    /// Waits until the probe shows the session ready (the main frame said `clientReady`).
    pub async fn until_ready(&self, what: &str) {
        self.until(what, |app| {
            app.all(".probe")
                .first()
                .is_some_and(|p| p.get_attribute("data-ready").as_deref() == Some("true"))
        })
        .await;
    }

    /// Unmounts the app (the test's copy of the agent first: it would keep the session
    /// alive) and removes its `<div>`.
    pub fn unmount(mut self) {
        self.slot.borrow_mut().take();
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

/// A new `<div>` at the end of the body, for an app to mount in.
pub fn new_root() -> Element {
    let root = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    root
}

/// The props of [`ProviderApp`].
#[derive(Properties)]
pub struct ProviderAppProps {
    config: Config,
    slot: AgentSlot,
    /// `(container, stream id)` of each `<SymphonyChat>`; the first one is the main frame.
    chats: Rc<Vec<(String, String)>>,
}

impl PartialEq for ProviderAppProps {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && Rc::ptr_eq(&self.slot, &other.slot)
            && Rc::ptr_eq(&self.chats, &other.chats)
    }
}

/// A provider (tabs not synced), its probe, and a `<SymphonyChat>` per chat.
#[function_component]
pub fn ProviderApp(props: &ProviderAppProps) -> Html {
    html! {
        <SymphonyProvider config={props.config.clone()} options={yew_symphony::Options::new().sync_tabs(false)}>
            <Probe slot={props.slot.clone()} />
            { for props.chats.iter().map(|(container, stream)| html! {
                <SymphonyChat
                    key={container.clone()}
                    container={AttrValue::from(container.clone())}
                    stream_id={AttrValue::from(stream.clone())}
                    class={classes!("provider-app-chat")}
                />
            }) }
        </SymphonyProvider>
    }
}

impl Mounted<ProviderApp> {
    /// Mounts a [`ProviderApp`] with these chats.
    pub fn provider_app(config: Config, chats: Vec<(String, String)>) -> Self {
        Self::mount(|slot| ProviderAppProps {
            config,
            slot,
            chats: Rc::new(chats),
        })
    }

    /// The `<div>`s the chats rendered, in order.
    pub fn chat_divs(&self) -> Vec<HtmlElement> {
        self.all(".provider-app-chat")
    }
}
