//! `yew-symphony` is what a Yew app adds to embed Symphony Messaging chats: a
//! [`SymphonyProvider`] that owns one session for its subtree, an agent
//! ([`SymphonyAgent`]) that serves render, chat and logout requests from any component,
//! hooks ([`use_symphony`], [`use_session_state`], [`use_session_status`], [`use_logout`],
//! [`use_render`]) and
//! a [`SymphonyChat`] component. The browser work is done by `symphony-dom`; this crate only
//! connects it to Yew's components and context.
//!
//! Logout follows Symphony's contract: the pod ends the session, then every frame goes, and
//! the result is `{}` or `{"error":{"type":"ERROR",..}}`. Components that ask at the same time
//! share one server round trip. With `sync_tabs` (on by default), the app's other tabs drop
//! their frames too.
//!
//! # A complete small app
//!
//! ```no_run
//! use yew::prelude::*;
//! use yew_symphony::{
//!     use_logout, use_render, use_session_state, Config, SymphonyChat, SymphonyProvider,
//! };
//!
//! #[function_component]
//! fn Header() -> Html {
//!     let state = use_session_state();
//!     let logout = use_logout(); // start it, whether it runs, the last result
//!     let render = use_render(); // the same, for rendering the chats again
//!     html! {
//!         <header>
//!             <span>{ state.as_str() }</span>
//!             <button onclick={render.callback()} disabled={render.running}>{ "Render" }</button>
//!             <button onclick={logout.callback()} disabled={logout.running}>{ "Log out" }</button>
//!             if let Some(json) = logout.last_json() { <code>{ json }</code> }
//!         </header>
//!     }
//! }
//!
//! #[function_component]
//! fn App() -> Html {
//!     let origin = yew_symphony::page_origin().unwrap_or_default();
//!     let config = Config::builder("https://acme.symphony.com", origin)
//!         .partner_id("acme")
//!         .build()
//!         .expect("a valid config");
//!     html! {
//!         <SymphonyProvider {config}>
//!             <Header />
//!             <SymphonyChat container="main-chat" stream_id="stream-1" />
//!             <SymphonyChat container="side-chat" stream_id="stream-2" />
//!         </SymphonyProvider>
//!     }
//! }
//!
//! fn main() {
//!     yew::Renderer::<App>::new().render();
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod agent;

use std::rc::Rc;

use futures::future::LocalBoxFuture;
use yew::prelude::*;

pub use agent::SymphonyAgent;
pub use symphony_dom::{
    live_counts, page_origin, Config, ConfigBuilder, ConfigError, LiveCounts, Mode, NotificationKind,
    Options, RenderOptions, SdkResult, SendMessageOptions, SessionState, Settings, Symphony, SymphonyError,
    DEFAULT_FRAME_ALLOW,
};

/// The session as components see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionStatus {
    /// `Unrendered`, `Rendered`, `LoggingOut` or `LoggedOut`.
    pub state: SessionState,
    /// The main frame said `clientReady`: the user is signed in.
    pub ready: bool,
}

/// Props of [`SymphonyProvider`].
#[derive(Properties, PartialEq)]
pub struct SymphonyProviderProps {
    /// The SDK configuration. A different config starts a new session.
    pub config: Config,
    /// Session options: tabs shared (on by default), the frames' permissions. A change
    /// starts a new session. See [`Options`].
    #[prop_or_default]
    pub options: Options,
    /// The subtree that may use the hooks.
    #[prop_or_default]
    pub children: Html,
}

/// Owns one Symphony session for its subtree. Unmounting it removes every frame and
/// listener of that session.
#[function_component]
pub fn SymphonyProvider(props: &SymphonyProviderProps) -> Html {
    let agent = use_memo(
        (props.config.clone(), props.options.clone()),
        |(config, options)| SymphonyAgent::new(config.clone(), options.clone()),
    );
    // Compared before it is set: a publish that changes nothing re-renders nothing.
    let status = use_state_eq(|| SessionStatus {
        state: agent.state(),
        ready: agent.is_ready(),
    });
    {
        let status = status.setter();
        use_effect_with(agent.clone(), move |agent| {
            let publish = {
                // Weak: the session holds this callback, and must not keep its agent alive.
                let agent = agent.downgrade();
                Rc::new(move || {
                    if let Some(agent) = agent.upgrade() {
                        status.set(SessionStatus {
                            state: agent.state(),
                            ready: agent.is_ready(),
                        })
                    }
                })
            };
            let (on_state, on_ready) = (publish.clone(), publish.clone());
            let watches = agent.watch(move |_| on_state(), move |_| on_ready());
            // Anything that happened between the first render and this effect.
            publish();
            move || drop(watches)
        });
    }
    // Two contexts, so that a component that only needs the agent (every <SymphonyChat>)
    // does not re-render on every state or readiness change.
    html! {
        <ContextProvider<SymphonyAgent> context={(*agent).clone()}>
            <ContextProvider<SessionStatus> context={*status}>
                { props.children.clone() }
            </ContextProvider<SessionStatus>>
        </ContextProvider<SymphonyAgent>>
    }
}

fn in_provider<T>(context: Option<T>) -> T {
    context.expect("yew-symphony hooks and <SymphonyChat> must be used inside <SymphonyProvider>")
}

/// The agent of the nearest [`SymphonyProvider`]. A component that uses only this hook does
/// not re-render when the session's state changes.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`: that is a mistake in the component tree, not a runtime
/// condition.
#[hook]
pub fn use_symphony() -> SymphonyAgent {
    in_provider(use_context::<SymphonyAgent>())
}

/// The session state; the component re-renders on every change.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_session_state() -> SessionState {
    in_provider(use_context::<SessionStatus>()).state
}

/// The session state and readiness; the component re-renders on every change.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_session_status() -> SessionStatus {
    in_provider(use_context::<SessionStatus>())
}

/// What [`use_logout`] and [`use_render`] return: a way to start the request, whether one
/// started here is running, and the last result. Its callbacks keep their identity across
/// renders (as long as the provider's session is the same), so passing them down does not
/// re-render children.
#[derive(Clone, PartialEq)]
pub struct UseAction {
    run: Callback<()>,
    onclick: Callback<MouseEvent>,
    /// The last result of a request started here, once one finished.
    pub last: Option<Result<(), SymphonyError>>,
    /// A request started here is running.
    pub running: bool,
}

/// What [`use_logout`] returns.
pub type UseLogout = UseAction;
/// What [`use_render`] returns.
pub type UseRender = UseAction;

impl UseAction {
    /// Starts the request (a logout joins any logout already running).
    pub fn run(&self) {
        self.run.emit(());
    }

    /// The request as a `Callback<()>`, the same one on every render.
    pub fn runner(&self) -> Callback<()> {
        self.run.clone()
    }

    /// The request as an `onclick` callback, the same one on every render.
    pub fn callback(&self) -> Callback<MouseEvent> {
        self.onclick.clone()
    }

    /// The last result in Symphony's JSON shape: `{}` or `{"error":{..}}`.
    pub fn last_json(&self) -> Option<String> {
        self.last.as_ref().map(|result| SdkResult::from(result).to_json())
    }
}

#[derive(Default, PartialEq)]
struct ActionState {
    running: u32,
    last: Option<Result<(), SymphonyError>>,
}

enum ActionEvent {
    Started,
    Finished(Result<(), SymphonyError>),
}

impl Reducible for ActionState {
    type Action = ActionEvent;

    fn reduce(self: Rc<Self>, event: ActionEvent) -> Rc<Self> {
        Rc::new(match event {
            ActionEvent::Started => ActionState {
                running: self.running + 1,
                last: self.last.clone(),
            },
            ActionEvent::Finished(result) => ActionState {
                running: self.running.saturating_sub(1),
                last: Some(result),
            },
        })
    }
}

type Request = fn(SymphonyAgent) -> LocalBoxFuture<'static, Result<(), SymphonyError>>;

/// A request to the agent with its running flag and last result, and stable callbacks.
#[hook]
fn use_action(request: Request) -> UseAction {
    let agent = use_symphony();
    let state = use_reducer_eq(ActionState::default);
    let run = {
        let dispatcher = state.dispatcher();
        use_callback(agent, move |(), agent| {
            let (agent, dispatcher) = (agent.clone(), dispatcher.clone());
            dispatcher.dispatch(ActionEvent::Started);
            wasm_bindgen_futures::spawn_local(async move {
                let result = request(agent).await;
                dispatcher.dispatch(ActionEvent::Finished(result));
            });
        })
    };
    let onclick = use_callback(run.clone(), |_: MouseEvent, run| run.emit(()));
    UseAction {
        run,
        onclick,
        last: state.last.clone(),
        running: state.running > 0,
    }
}

/// A logout button in one line: `<button onclick={use_logout().callback()}>`. Every
/// component's logout joins any logout already running (one server round trip).
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_logout() -> UseLogout {
    use_action(|agent| Box::pin(async move { agent.logout().await }))
}

/// A Render button in one line: `<button onclick={use_render().callback()}>` renders every
/// mounted [`SymphonyChat`] again (after a logout, say; see [`SymphonyAgent::render`]).
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_render() -> UseRender {
    use_action(|agent| Box::pin(async move { agent.render().await }))
}

/// Props of [`SymphonyChat`].
#[derive(Properties, PartialEq)]
pub struct SymphonyChatProps {
    /// The id of the `<div>` this component renders; the chat's frame goes inside.
    pub container: AttrValue,
    /// The stream (chat) to show.
    pub stream_id: AttrValue,
    /// Classes of the container.
    #[prop_or_default]
    pub class: Classes,
}

/// A chat: renders its container and shows `stream_id` in it. The first chat mounted before
/// anything is rendered becomes the main frame; later ones become Focus child frames. After
/// a logout nothing renders by itself: call [`SymphonyAgent::render`] (a Render button).
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[function_component]
pub fn SymphonyChat(props: &SymphonyChatProps) -> Html {
    let agent = use_symphony();
    // One registration per session (a provider given a new config has a new agent), kept
    // across prop changes so that the first chat mounted stays the main frame, and dropped
    // (unregistered) with the component. Registered in the effect, not during the render:
    // effects run in mount order, renders do not.
    let registration = use_mut_ref(|| None::<(SymphonyAgent, agent::ChatRegistration)>);
    use_effect_with(
        (agent, props.container.clone(), props.stream_id.clone()),
        move |(agent, container, stream_id)| {
            let mut current = registration.borrow_mut();
            let chat = match &*current {
                Some((registered_with, chat)) if registered_with == agent => {
                    chat.update(container, stream_id);
                    chat.id()
                }
                _ => {
                    let chat = agent.register_chat(container, stream_id);
                    let id = chat.id();
                    *current = Some((agent.clone(), chat));
                    id
                }
            };
            let agent = agent.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // A failure shows in the frame or the session state; nobody awaits it here.
                // A chat whose stream was not confirmed is shown again once the session is
                // ready (a sign-in slower than the request timeout).
                let _ = agent.show_chat(chat).await;
            });
        },
    );
    html! {
        <div id={props.container.clone()} class={props.class.clone()} data-symphony-chat={props.stream_id.clone()}></div>
    }
}
