//! `yew-symphony` is what a Yew app adds to embed Symphony Messaging chats: a
//! [`SymphonyProvider`] that owns one session for its subtree, an agent
//! ([`SymphonyAgent`]) that serves render, chat and logout requests from any component,
//! hooks ([`use_symphony`], [`use_session_state`], [`use_session_status`], [`use_logout`],
//! [`use_render`], [`use_idle`]) and
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
//!             <button onclick={render.onclick()} disabled={render.running}>{ "Render" }</button>
//!             <button onclick={logout.onclick()} disabled={logout.running}>{ "Log out" }</button>
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
//!
//! # Server-side rendering
//!
//! Everything here renders under Yew's `ssr` feature without touching a browser API: on a
//! server the hooks give an agent whose session has not started (`Unrendered`, not signed
//! in). The session starts in the browser, at the provider's first effect (after hydration
//! or the first client render). [`page_origin`] is `None` on a server: give the origin the
//! app is served from.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

// The README is the crates.io page; its examples run as doctests so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod agent;

use std::rc::Rc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use yew::prelude::*;

pub use agent::SymphonyAgent;
pub use symphony_dom::{
    live_counts, page_origin, ChatOpened, Config, ConfigBuilder, ConfigError, IdlePolicy, LiveCounts,
    LogoutReason, MessageSent, Mode, NotificationKind, Options, RenderOptions, Resolved, SdkResult,
    SendMessageOptions, SentMessage, SessionState, Settings, Symphony, SymphonyError, Timestamp, Transport,
    DEFAULT_FRAME_ALLOW, SDK_CONTAINER_CLASS,
};

/// The session as components see it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SessionStatus {
    /// `Unrendered`, `Rendered`, `LoggingOut` or `LoggedOut`.
    pub state: SessionState,
    /// The user is signed in: the chat said it is ready (over the built-in protocol, the
    /// main frame's `clientReady`; over sdk.js, its `render` resolved).
    pub signed_in: bool,
    /// The main frame loaded but has not said `clientReady` within the interaction timeout
    /// (8 s by default, [`ConfigBuilder::interaction_timeout`](crate::Config)): the user most
    /// likely has to act in the chat (sign in, accept the EULA or terms), so show it if you
    /// kept it hidden. This library's heuristic over the built-in protocol (Symphony's SDK
    /// reports it with `onUserInteractionRequired`, whose wire form is not public).
    pub interaction_required: bool,
    /// Why the session is logging out or logged out (requested, idle, another tab); `None`
    /// before the first logout and after a new render.
    pub logout_reason: Option<LogoutReason>,
    /// The pod may still hold the user's session: from the moment a chat may have reached
    /// the pod until a logout of this session ended it for certain. True after a logout
    /// that failed (the frames are gone, the sign-out may not have completed: offer to try
    /// again, which asks the pod again) and after another tab's logout (what a tab says
    /// cannot be verified).
    pub server_session_may_be_alive: bool,
    /// Why a [`SymphonyChat`] could not be shown (its render or its stream: a pod blocked
    /// by the page's policy, sdk.js that did not load, a stream refused, a timeout): the
    /// last such failure, also when an `on_error` callback handled it. Cleared when the app
    /// renders the chats again ([`use_render`], [`SymphonyAgent::render`]).
    pub chat_error: Option<SymphonyError>,
}

impl SessionStatus {
    fn of(agent: &SymphonyAgent) -> Self {
        Self {
            state: agent.state(),
            signed_in: agent.is_ready(),
            interaction_required: agent.interaction_required(),
            logout_reason: agent.logout_reason(),
            server_session_may_be_alive: agent.server_session_may_be_alive(),
            chat_error: agent.chat_error(),
        }
    }
}

/// Props of [`SymphonyProvider`].
#[derive(Debug, Properties, PartialEq)]
pub struct SymphonyProviderProps {
    /// The SDK configuration. A different config starts a new session.
    pub config: Config,
    /// Session options: tabs shared (on by default), the frames' permissions. A change
    /// starts a new session. See [`Options`].
    #[prop_or_default]
    pub options: Options,
    /// Inactivity logout: log out after this long without activity in the page, in the
    /// chats or in the app's other tabs, warning [`idle_warning`](Self::idle_warning)
    /// before ([`use_idle`]). Replaces the config's [`IdlePolicy`]; `None` (the default)
    /// keeps it. A value out of range (zero, over a day) is brought to the nearest valid
    /// one, with an error in the console: never no idle logout at all. A change starts a
    /// new session.
    #[prop_or_default]
    pub idle_timeout: Option<Duration>,
    /// With [`idle_timeout`](Self::idle_timeout): how long before the idle logout the
    /// warning starts (default 60 s; at most the timeout, zero for none).
    #[prop_or_default]
    pub idle_warning: Option<Duration>,
    /// Called each time a logout ends, whatever started it (a component, the idle logout,
    /// another tab), with why and how it ended (for another tab's logout,
    /// [`SymphonyError::LogoutUnconfirmed`] when the pod did not confirm it there). It comes
    /// once the frames are gone. `SdkResult::from(&result)` gives Symphony's JSON (`{}` or
    /// `{"error":{..}}`); the typed result is given so that an app that never shows the JSON
    /// does not carry every error's text.
    #[prop_or_default]
    pub on_logout: Option<Callback<(LogoutReason, Result<(), SymphonyError>)>>,
    /// Called with the failures nobody awaits: a chat's render or stream that failed when
    /// its `<SymphonyChat>` has no `on_error` of its own (a pod blocked by the page's
    /// policy, sdk.js that did not load, a missing container, a timeout).
    #[prop_or_default]
    pub on_error: Option<Callback<SymphonyError>>,
    /// The subtree that may use the hooks.
    #[prop_or_default]
    pub children: Html,
}

/// Owns one Symphony session for its subtree. Unmounting it removes every frame and
/// listener of that session; a logout in progress first finishes (its server step
/// included), for at most the logout timeout after the unmount.
#[function_component]
pub fn SymphonyProvider(props: &SymphonyProviderProps) -> Html {
    let agent = use_memo(
        (
            props.config.clone(),
            props.options.clone(),
            props.idle_timeout,
            props.idle_warning,
        ),
        |(config, options, timeout, warning)| {
            SymphonyAgent::new(with_idle_props(config, *timeout, *warning), options.clone())
        },
    );
    // The app's callbacks as of this render, for the session's listeners to call.
    agent.set_on_error(props.on_error.clone());
    let on_logout = use_mut_ref(|| None::<Callback<(LogoutReason, Result<(), SymphonyError>)>>);
    *on_logout.borrow_mut() = props.on_logout.clone();
    // Compared before it is set: a publish that changes nothing re-renders nothing.
    let status = use_state_eq(|| SessionStatus::of(&agent));
    {
        let status = status.setter();
        use_effect_with(agent.clone(), move |agent| {
            let publish = {
                // Weak: the session holds this callback, and must not keep its agent alive.
                let agent = agent.downgrade();
                Rc::new(move || {
                    if let Some(agent) = agent.upgrade() {
                        status.set(SessionStatus::of(&agent))
                    }
                })
            };
            agent.set_on_status(Some(publish.clone()));
            let (on_state, on_flag) = (publish.clone(), publish.clone());
            let watches = agent.watch(move |_| on_state(), move |_| on_flag());
            let logouts = agent.symphony().on_logout(move |reason, result| {
                let callback = on_logout.borrow().clone();
                if let Some(callback) = callback {
                    callback.emit((reason, result.clone()));
                }
            });
            // Anything that happened between the first render and this effect.
            publish();
            let agent = agent.clone();
            move || {
                agent.set_on_status(None);
                drop((watches, logouts))
            }
        });
    }
    // Two contexts, so that a component that only needs the agent (every <SymphonyChat>)
    // does not re-render on every state or readiness change.
    html! {
        <ContextProvider<SymphonyAgent> context={(*agent).clone()}>
            <ContextProvider<SessionStatus> context={(*status).clone()}>
                { props.children.clone() }
            </ContextProvider<SessionStatus>>
        </ContextProvider<SymphonyAgent>>
    }
}

/// The provider's idle props applied to its config.
fn with_idle_props(config: &Config, timeout: Option<Duration>, warning: Option<Duration>) -> Config {
    let Some(timeout) = timeout else {
        return config.clone();
    };
    let policy = |timeout| {
        let policy = IdlePolicy::new(timeout);
        match warning {
            Some(warning) => policy.with_warning_lead(warning),
            None => policy,
        }
    };
    match config.with_idle(Some(policy(timeout))) {
        Ok(config) => config,
        Err(error) => {
            // Fail closed: the nearest valid timeout rather than no idle logout.
            let nearest = timeout.clamp(Duration::from_millis(1), IdlePolicy::MAX);
            gloo::console::error!(format!(
                "SymphonyProvider idle_timeout: {error}; using {} ms instead",
                // Whole milliseconds (1 ms or a day), as a u64: no 128-bit formatting.
                nearest.as_secs() * 1000 + u64::from(nearest.subsec_millis())
            ));
            config
                .with_idle(Some(policy(nearest)))
                .unwrap_or_else(|_| config.clone())
        }
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

/// Whether the chat most likely waits for the user ([`SessionStatus::interaction_required`]);
/// the component re-renders when it changes. Show a chat you kept hidden when it is true.
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_interaction_required() -> bool {
    in_provider(use_context::<SessionStatus>()).interaction_required
}

/// What [`use_logout`] and [`use_render`] return: a way to start the request, whether one
/// started here is running, and the last result. Its callbacks keep their identity across
/// renders (as long as the provider's session is the same), so passing them down does not
/// re-render children.
#[derive(Clone, Debug, PartialEq)]
pub struct UseActionHandle {
    run: Callback<()>,
    onclick: Callback<MouseEvent>,
    /// The last result of a request started here, once one finished.
    pub last: Option<Result<(), SymphonyError>>,
    /// A request started here is running.
    pub running: bool,
}

/// What [`use_logout`] returns.
pub type UseLogoutHandle = UseActionHandle;
/// What [`use_render`] returns.
pub type UseRenderHandle = UseActionHandle;

impl UseActionHandle {
    /// Starts the request (a logout joins any logout already running).
    pub fn run(&self) {
        self.run.emit(());
    }

    /// The request as a `Callback<()>`, the same one on every render.
    pub fn run_callback(&self) -> Callback<()> {
        self.run.clone()
    }

    /// The request as an `onclick` callback, the same one on every render.
    pub fn onclick(&self) -> Callback<MouseEvent> {
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
fn use_action(request: Request) -> UseActionHandle {
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
    UseActionHandle {
        run,
        onclick,
        last: state.last.clone(),
        running: state.running > 0,
    }
}

/// A logout button in one line: `<button onclick={use_logout().onclick()}>`. Every
/// component's logout joins any logout already running (one server round trip).
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_logout() -> UseLogoutHandle {
    use_action(|agent| Box::pin(async move { agent.logout().await }))
}

/// A Render button in one line: `<button onclick={use_render().onclick()}>` renders every
/// mounted [`SymphonyChat`] again (after a logout, say; see [`SymphonyAgent::render`]).
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_render() -> UseRenderHandle {
    use_action(|agent| Box::pin(agent.render()))
}

/// What [`use_idle`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct UseIdleHandle {
    /// While the idle warning stands: the time left before the idle logout, counting down
    /// (the component re-renders once a second while it stands).
    pub remaining: Option<Duration>,
    /// While the idle warning stands: when the idle logout will be due.
    pub deadline: Option<Timestamp>,
    /// Counts as activity in every tab of the app, ending the warning everywhere; the same
    /// callback on every render.
    pub stay_signed_in: Callback<()>,
    onclick: Callback<MouseEvent>,
}

impl UseIdleHandle {
    /// True while the idle warning stands.
    pub fn warning(&self) -> bool {
        self.deadline.is_some()
    }

    /// [`stay_signed_in`](Self::stay_signed_in) as an `onclick` callback, the same one on
    /// every render.
    pub fn onclick(&self) -> Callback<MouseEvent> {
        self.onclick.clone()
    }
}

/// The idle warning, for a "you will be signed out" prompt with a **Stay signed in** button.
/// Needs an idle policy (the provider's `idle_timeout`, or the config's); without one, the
/// warning never stands.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_symphony::use_idle;
///
/// #[function_component]
/// fn IdlePrompt() -> Html {
///     let idle = use_idle();
///     match idle.remaining {
///         Some(left) => html! {
///             <div role="alertdialog">
///                 { format!("Signing out in {} s", left.as_secs()) }
///                 <button onclick={idle.onclick()}>{ "Stay signed in" }</button>
///             </div>
///         },
///         None => html! {},
///     }
/// }
/// ```
///
/// # Panics
///
/// Outside a `<SymphonyProvider>`, like [`use_symphony`].
#[hook]
pub fn use_idle() -> UseIdleHandle {
    let agent = use_symphony();
    let deadline = use_state_eq(|| agent.idle_warning());
    {
        let deadline = deadline.setter();
        use_effect_with(agent.clone(), move |agent| {
            // Anything that happened before this effect, then every change.
            deadline.set(agent.idle_warning());
            let listener = agent.symphony().on_idle_warning(move |news| deadline.set(news));
            move || drop(listener)
        });
    }
    let update = use_force_update();
    use_effect_with(*deadline, move |deadline| {
        // One timer, only while the warning stands, for the countdown.
        let ticks =
            deadline.map(|_| gloo::timers::callback::Interval::new(1000, move || update.force_update()));
        move || drop(ticks)
    });
    let stay_signed_in = use_callback(agent, |(), agent| agent.stay_signed_in());
    let onclick = use_callback(stay_signed_in.clone(), |_: MouseEvent, stay| stay.emit(()));
    let remaining = deadline.map(|deadline| {
        let now = Timestamp::from_millis_f64(js_sys::Date::now());
        now.until(deadline)
    });
    UseIdleHandle {
        remaining,
        deadline: *deadline,
        stay_signed_in,
        onclick,
    }
}

/// Props of [`SymphonyChat`].
#[derive(Debug, Properties, PartialEq)]
pub struct SymphonyChatProps {
    /// The id of the `<div>` this component renders; the chat's frame goes inside.
    pub container: AttrValue,
    /// The stream (chat) to show.
    pub stream_id: AttrValue,
    /// Classes of the container.
    #[prop_or_default]
    pub class: Classes,
    /// Called when showing this chat fails (its render or its stream: a pod blocked by the
    /// page's policy, sdk.js that did not load, a timeout); without it, the provider's
    /// `on_error` is. Not called for a request a logout or a new render cut short.
    #[prop_or_default]
    pub on_error: Option<Callback<SymphonyError>>,
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
    // This render's `on_error`, for a failure that comes later.
    let on_error = use_mut_ref(|| None::<Callback<SymphonyError>>);
    *on_error.borrow_mut() = props.on_error.clone();
    // Over sdk.js the main chat's container carries the class its `render` looks for, in
    // this component's own markup so that Yew keeps it. (Only built with the backend.)
    #[cfg(feature = "sdk-js")]
    let sdk_container = use_state_eq(|| false);
    #[cfg(feature = "sdk-js")]
    let sdk_main = (
        agent.config().transport() == Transport::SdkJs,
        sdk_container.clone(),
    );
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
            #[cfg(feature = "sdk-js")]
            if let Some((_, registered)) = &*current {
                let (sdk, container) = &sdk_main;
                container.set(*sdk && registered.is_first());
            }
            // Holds the agent weakly: a render waiting for a sign-in does not keep the
            // session alive once the provider dropped it.
            let showing = agent.show_chat(chat);
            let (agent, on_error) = (agent.downgrade(), on_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // A chat whose stream was not confirmed is shown again once the session is
                // ready (a sign-in slower than the request timeout). A failure goes to this
                // chat's `on_error`, else to the provider's.
                match showing.await {
                    Err(SymphonyError::Interrupted { .. }) | Ok(()) => {}
                    Err(error) => {
                        let agent = agent.upgrade();
                        if let Some(agent) = &agent {
                            agent.set_chat_error(Some(error.clone()));
                        }
                        let own = on_error.borrow().clone();
                        match own {
                            Some(callback) => callback.emit(error),
                            None => {
                                if let Some(agent) = agent {
                                    agent.report_unawaited(error);
                                }
                            }
                        }
                    }
                }
            });
        },
    );
    #[cfg_attr(not(feature = "sdk-js"), allow(unused_mut))]
    let mut class = props.class.clone();
    #[cfg(feature = "sdk-js")]
    if *sdk_container {
        class.push(symphony_dom::SDK_CONTAINER_CLASS);
    }
    html! {
        <div id={props.container.clone()} {class} data-symphony-chat={props.stream_id.clone()}></div>
    }
}
