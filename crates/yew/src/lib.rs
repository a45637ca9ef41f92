//! `yew-symphony` is what a Yew app adds to embed Symphony Messaging chats: a
//! [`SymphonyProvider`] that owns one session for its subtree, an agent
//! ([`SymphonyAgent`]) that serves render, chat and logout requests from any component,
//! hooks ([`use_symphony`], [`use_session_state`], [`use_session_status`], [`use_logout`]) and
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
//!     use_logout, use_session_state, use_symphony, Config, SymphonyChat, SymphonyProvider,
//! };
//!
//! #[function_component]
//! fn Header() -> Html {
//!     let state = use_session_state();
//!     let logout = use_logout();
//!     let agent = use_symphony();
//!     let render = Callback::from(move |_| {
//!         let agent = agent.clone();
//!         wasm_bindgen_futures::spawn_local(async move {
//!             let _ = agent.render().await;
//!         });
//!     });
//!     html! {
//!         <header>
//!             <span>{ state.as_str() }</span>
//!             <button onclick={render}>{ "Render" }</button>
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

/// What [`SymphonyProvider`] puts in context.
#[derive(Clone, Debug, PartialEq)]
pub struct SymphonyContext {
    /// The agent.
    pub agent: SymphonyAgent,
    /// The session now; components re-render when it changes.
    pub status: SessionStatus,
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
    let status = use_state(|| SessionStatus {
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
    let context = SymphonyContext {
        agent: (*agent).clone(),
        status: *status,
    };
    html! {
        <ContextProvider<SymphonyContext> {context}>
            { props.children.clone() }
        </ContextProvider<SymphonyContext>>
    }
}

fn context_or_panic(context: Option<SymphonyContext>) -> SymphonyContext {
    context.expect("yew-symphony hooks and <SymphonyChat> must be used inside <SymphonyProvider>")
}

/// The agent of the nearest [`SymphonyProvider`].
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`: that is a mistake in the component tree, not a runtime
/// condition.
#[hook]
pub fn use_symphony() -> SymphonyAgent {
    context_or_panic(use_context::<SymphonyContext>()).agent
}

/// The session state; the component re-renders on every change.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_session_state() -> SessionState {
    context_or_panic(use_context::<SymphonyContext>()).status.state
}

/// The session state and readiness; the component re-renders on every change.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_session_status() -> SessionStatus {
    context_or_panic(use_context::<SymphonyContext>()).status
}

/// What [`use_logout`] returns.
#[derive(Clone, PartialEq)]
pub struct UseLogout {
    run: Callback<()>,
    /// The last logout's result, once one finished.
    pub last: Option<Result<(), SymphonyError>>,
    /// A logout asked for here is running.
    pub running: bool,
}

impl UseLogout {
    /// Starts a logout (shared with any other running logout).
    pub fn logout(&self) {
        self.run.emit(());
    }

    /// A callback for `onclick` and the like.
    pub fn callback<E>(&self) -> Callback<E> {
        let run = self.run.clone();
        Callback::from(move |_| run.emit(()))
    }

    /// The last result in Symphony's JSON shape: `{}` or `{"error":{..}}`.
    pub fn last_json(&self) -> Option<String> {
        self.last.as_ref().map(|result| SdkResult::from(result).to_json())
    }
}

/// A logout button in one line: `<button onclick={use_logout().callback()}>`.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_logout() -> UseLogout {
    let agent = use_symphony();
    let last = use_state(|| None);
    let running = use_state(|| false);
    let run = {
        let (last, running) = (last.setter(), running.setter());
        use_callback(agent, move |(), agent| {
            let (agent, last, running) = (agent.clone(), last.clone(), running.clone());
            running.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = agent.logout().await;
                last.set(Some(result));
                running.set(false);
            });
        })
    };
    UseLogout {
        run,
        last: (*last).clone(),
        running: *running,
    }
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
    // The agent is a dependency: a provider given a new config has a new agent (a new
    // session), and the chat must register with it and show itself there.
    use_effect_with(
        (agent, props.container.clone(), props.stream_id.clone()),
        move |(agent, container, stream_id)| {
            let agent = agent.clone();
            let registration = agent.register_chat(container, stream_id);
            let (container, stream_id) = (container.to_string(), stream_id.to_string());
            wasm_bindgen_futures::spawn_local(async move {
                // A failure shows in the frame or the session state; nobody awaits it here.
                let _ = agent.show_chat(&container, &stream_id).await;
            });
            move || drop(registration)
        },
    );
    html! {
        <div id={props.container.clone()} class={props.class.clone()} data-symphony-chat={props.stream_id.clone()}></div>
    }
}
