//! `symphony-dom` runs a Symphony Messaging Embedded Mode session in the browser. It is the
//! only crate that touches the DOM: it creates and removes the chat iframes, talks to the
//! pod's main frame with `postMessage` (accepting only messages from the pod origin and the
//! main frame's window), runs the timers, and sends the HTTP logout fallback with `gloo-net`.
//! What to do, and when, is decided by the sans-IO core in `symphony-session`; this crate
//! only carries its effects out and reports the browser's events back. It knows nothing of
//! Yew (that is `yew-symphony`).
//!
//! # Example
//!
//! ```no_run
//! use symphony_dom::{Config, RenderOptions, Symphony};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let origin = symphony_dom::page_origin().ok_or("no window")?;
//! let config = Config::builder("https://acme.symphony.com", origin)
//!     .partner_id("acme")
//!     .build()?;
//! let symphony = Symphony::new(config);
//! symphony.render("chat", RenderOptions::stream("stream-id")).await?;
//! symphony.open_stream("other-stream", Some("side-chat")).await?;
//! // Later, from anywhere (a clone of the handle is cheap):
//! let result = symphony.logout().await;
//! // Symphony's documented shape: `{}` or `{"error": {...}}`.
//! println!("{}", symphony_dom::SdkResult::from(&result).to_json());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]

// The README is the crates.io page; its examples run as doctests so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod driver;
mod json;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU32, Ordering};

use futures::channel::oneshot;
use futures::FutureExt;
use serde_json::Value;
use symphony_session::{Command, Session, SubscriptionId};

pub use driver::{live_counts, DomDiagnostics, LiveCounts};
use driver::{pump, when_free, ChangeCallback, Driver, Flag, Registered, Shared, Snapshot};
pub use symphony_session::{
    ChatOpened, Config, ConfigBuilder, ConfigError, ErrorPayload, IdlePolicy, LogoutReason, MessageSent,
    Mode, NotificationKind, Resolved, SdkResult, SentMessage, SessionState, Settings, SymphonyError,
    Timestamp, Transport, SDK_CONTAINER_CLASS,
};

/// The data attribute every iframe created here carries (its value: the instance number).
pub const FRAME_MARKER_ATTRIBUTE: &str = driver::INSTANCE_ATTRIBUTE;

static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(1);

/// The page's origin (`window.location.origin`), to pass to [`Config::builder`]. `None`
/// outside a browser (a Yew server-side render): give the origin the app is served from.
pub fn page_origin() -> Option<String> {
    if cfg!(not(target_arch = "wasm32")) {
        return None;
    }
    web_sys::window().and_then(|w| w.location().origin().ok())
}

/// The page's window and document, or a panic that says what to do instead.
fn browser() -> (web_sys::Window, web_sys::Document) {
    if cfg!(not(target_arch = "wasm32")) {
        panic!("symphony-dom runs in a browser; on a server, render yew-symphony's provider, which starts its session in the browser only");
    }
    let window = web_sys::window().expect("symphony-dom needs a browser window");
    let document = window.document().expect("symphony-dom needs a document");
    (window, document)
}

/// The answer of a call Symphony documents as resolving `{}` (render, logout, settings).
fn done(result: Result<Resolved, SymphonyError>) -> Result<(), SymphonyError> {
    result.map(drop)
}

/// The permissions the chat frames get by default (their `allow` attribute): clipboard for
/// copy and paste, full screen, camera, microphone and display capture for calls and screen
/// sharing, autoplay for call sounds.
pub const DEFAULT_FRAME_ALLOW: &str =
    "clipboard-read; clipboard-write; fullscreen; camera; microphone; display-capture; autoplay";

/// Options of [`Symphony::with_options`], built from [`Options::new`] (the defaults).
///
/// ```
/// let options = symphony_dom::Options::new()
///     .sync_tabs(false)
///     .frame_allow("clipboard-write; fullscreen"); // no camera, microphone or screen sharing
/// assert!(!options.sync_tabs);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Share logouts with the app's other tabs (documents of the same origin embedding the
    /// same pod), over a `BroadcastChannel`. On by default. When a logout finishes here,
    /// the other tabs hear it and remove their frames without a request of their own; when
    /// one of them says the same, the frames here go. What a tab hears can only make it
    /// close more: it is not taken as proof that the server session ended, so the next
    /// [`Symphony::logout`] here still asks the pod. Any script of the app's origin can post
    /// on that channel: at worst it makes the frames of this tab go (which that script could
    /// do to the DOM anyway); it can never make a logout skip a request.
    pub sync_tabs: bool,
    /// The frames' `allow` attribute (permissions policy); [`DEFAULT_FRAME_ALLOW`] by default.
    /// An empty string grants none of those permissions.
    pub frame_allow: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sync_tabs: true,
            frame_allow: DEFAULT_FRAME_ALLOW.to_owned(),
        }
    }
}

impl Options {
    /// The defaults: tabs synchronised, [`DEFAULT_FRAME_ALLOW`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to share logouts with the app's other tabs; see [`Options::sync_tabs`].
    pub fn sync_tabs(mut self, sync_tabs: bool) -> Self {
        self.sync_tabs = sync_tabs;
        self
    }

    /// The frames' `allow` attribute; see [`Options::frame_allow`].
    pub fn frame_allow(mut self, allow: impl Into<String>) -> Self {
        self.frame_allow = allow.into();
        self
    }
}

/// What to render first: `RenderOptions::stream("id").with_settings(..)`, or
/// `RenderOptions::default()` for no stream.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// The chat to show in the main frame.
    pub stream_id: Option<String>,
    /// Settings for every frame (`mode=dark`, `sound=false`, ...).
    pub settings: Settings,
}

impl RenderOptions {
    /// Show this stream first.
    pub fn stream(stream_id: impl Into<String>) -> Self {
        Self {
            stream_id: Some(stream_id.into()),
            settings: Settings::new(),
        }
    }

    /// Adds settings.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }
}

/// Where and to whom [`Symphony::send_message`] sends:
/// `SendMessageOptions::to(["stream-1"]).in_container("side-chat")`.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SendMessageOptions {
    /// Target streams (at least one).
    pub stream_ids: Vec<String>,
    /// The container of the frame to use; the main frame when `None`.
    pub container: Option<String>,
}

impl SendMessageOptions {
    /// To these streams, in the main frame.
    pub fn to(stream_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            stream_ids: stream_ids.into_iter().map(Into::into).collect(),
            container: None,
        }
    }

    /// In the frame of this container (a Focus child frame) instead of the main frame.
    pub fn in_container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }
}

/// A handle to one embedded Symphony session. Cheap to clone; every clone drives the same
/// session. When the last clone is dropped, every frame it created is removed and every
/// listener, timer and request is released; a logout in progress first finishes (its server
/// step included: an app may drop the session as soon as the logout begins), for at most
/// the logout timeout ([`ConfigBuilder::logout_timeout`]) after the drop.
#[derive(Clone)]
pub struct Symphony {
    /// Dropped with the last clone, before `shared`: lets a logout in progress finish.
    _owner: Rc<Owner>,
    shared: Shared,
    /// What the accessors answer while the driver is at work (see [`Snapshot`]).
    snapshot: Rc<Cell<Snapshot>>,
    config: Config,
}

impl PartialEq for Symphony {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.shared, &other.shared)
    }
}

impl std::fmt::Debug for Symphony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Symphony")
            .field("state", &self.state())
            .field("diagnostics", &self.diagnostics())
            .finish()
    }
}

impl Symphony {
    /// A session for this config, in the `Unrendered` state.
    ///
    /// # Panics
    ///
    /// Outside a browser window, as [`with_options`](Self::with_options).
    pub fn new(config: Config) -> Self {
        Self::with_options(config, Options::default())
    }

    /// A session with options; see [`Options`].
    ///
    /// # Panics
    ///
    /// Outside a browser window (no `window` or `document`; any target but wasm32, such as
    /// a server rendering a Yew app): this crate is for browsers. `yew-symphony`'s provider
    /// starts its session in the browser only, so it renders on a server.
    pub fn with_options(config: Config, options: Options) -> Self {
        let (window, document) = browser();
        let instance = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        let shared = Driver::new_shared(Session::new(config.clone()), instance, window, document, options);
        let snapshot = shared.borrow().snapshot.clone();
        let owner = Rc::new(Owner {
            shared: Rc::downgrade(&shared),
            snapshot: snapshot.clone(),
            logout_timeout: config.logout_timeout(),
        });
        Self {
            _owner: owner,
            shared,
            snapshot,
            config,
        }
    }

    /// The one future behind every request method (they build the command and return this,
    /// its answer mapped to their type, rather than wrap it in a future of their own). It
    /// holds the session weakly: a request does not keep the session alive, so that a render
    /// waiting for the user (sign-in, no timeout) does not keep frames in a page whose app
    /// dropped the session; it then answers `Interrupted`.
    fn request(&self, command: Command) -> impl Future<Output = Result<Resolved, SymphonyError>> + 'static {
        let shared = Rc::downgrade(&self.shared);
        async move {
            let operation = command.operation();
            let dropped = || SymphonyError::Interrupted {
                operation,
                by: "the Symphony handle being dropped",
            };
            let (sender, receiver) = oneshot::channel();
            let mut asked = Some((command, sender));
            while let Some((command, sender)) = asked.take() {
                let Some(shared) = shared.upgrade() else {
                    return Err(dropped());
                };
                // Called from inside our own work (a DOM event we caused): go on once it is done.
                let Ok(mut driver) = shared.try_borrow_mut() else {
                    asked = Some((command, sender));
                    drop(shared);
                    next_microtask().await;
                    continue;
                };
                let request = driver.session.handle_command(command);
                driver.waiters.insert(request, sender);
                drop(driver);
                pump(&shared);
            }
            receiver.await.unwrap_or_else(|_| Err(dropped()))
        }
    }

    /// Renders the main frame into the element with id `container`. Resolves when the chat
    /// is ready (`clientReady`: the user is signed in), as Symphony's `render` does. The
    /// request timeout ([`ConfigBuilder::request_timeout`]) bounds the frame's loading only:
    /// once it has loaded ([`Symphony::on_loaded_change`]) the render waits for the user
    /// (sign-in, EULA) without a timeout, and [`Symphony::interaction_required`] tells when
    /// that takes long; a logout or a new render answers it. A frame the page's
    /// Content-Security-Policy blocks fails it with [`SymphonyError::FrameBlockedByCsp`].
    /// Rendering again replaces the frames.
    pub fn render(
        &self,
        container: &str,
        options: RenderOptions,
    ) -> impl Future<Output = Result<(), SymphonyError>> + 'static {
        self.request(Command::Render {
            container: container.to_owned(),
            stream_id: options.stream_id,
            settings: options.settings,
        })
        .map(done)
    }

    /// Shows a stream in the main frame (`container` `None` or the render container) or, in
    /// Focus mode, in a child frame in another container (created on first use). Resolves
    /// with what the pod says of the chat shown (`{streamId?, userIds?}`, as Symphony
    /// documents it).
    pub fn open_stream(
        &self,
        stream_id: &str,
        container: Option<&str>,
    ) -> impl Future<Output = Result<ChatOpened, SymphonyError>> + 'static {
        self.request(Command::OpenStream {
            stream_id: stream_id.to_owned(),
            container: container.map(str::to_owned),
        })
        .map(|result| result.map(ChatOpened::from))
    }

    /// Starts (or opens) a room with these users, given as Symphony user ids or email
    /// addresses (`["71811853189212", "ada@example.com"]`), in the main frame or the frame of
    /// `container`. An empty list, or an entry that is neither, is a typed error. Resolves
    /// like [`Symphony::open_stream`], with the room's stream and members when the pod says.
    pub fn start_room(
        &self,
        users: &[&str],
        container: Option<&str>,
    ) -> impl Future<Output = Result<ChatOpened, SymphonyError>> + 'static {
        self.request(Command::StartRoom {
            user_ids: users.iter().map(|u| (*u).to_owned()).collect(),
            container: container.map(str::to_owned),
        })
        .map(|result| result.map(ChatOpened::from))
    }

    /// Creates a room (Symphony's `createRoom`): its members (user ids or emails) and
    /// Symphony's room options as a JSON object. Not available over the built-in protocol
    /// (Symphony publishes no wire form for it): answers [`SymphonyError::NotAvailable`].
    /// Symphony does not document what it resolves to: the object comes as it is.
    pub fn create_room(
        &self,
        name: &str,
        users: &[&str],
        options: Value,
    ) -> impl Future<Output = Result<Resolved, SymphonyError>> + 'static {
        self.request(Command::CreateRoom {
            name: name.to_owned(),
            users: users.iter().map(|u| (*u).to_owned()).collect(),
            options,
        })
    }

    /// Whether the user is already authenticated (Symphony's `checkAuth`). Not available
    /// over the built-in protocol: answers [`SymphonyError::NotAvailable`]. Symphony does not
    /// document the object it resolves to: it comes as it is.
    pub fn check_auth(&self) -> impl Future<Output = Result<Resolved, SymphonyError>> + 'static {
        self.request(Command::CheckAuth)
    }

    /// Changes the theme's colours (Symphony's `updateTheme`, Focus mode). Not available
    /// over the built-in protocol: answers [`SymphonyError::NotAvailable`].
    pub fn update_theme(&self, theme: Value) -> impl Future<Output = Result<(), SymphonyError>> + 'static {
        self.request(Command::UpdateTheme(theme)).map(done)
    }

    /// Opens the send-message dialog, pre-filled with `message`, for these streams.
    /// Resolves with what the pod says was sent (`{streamId?, userIds?, messages?}`, as
    /// Symphony documents it).
    pub fn send_message(
        &self,
        message: &str,
        options: SendMessageOptions,
    ) -> impl Future<Output = Result<MessageSent, SymphonyError>> + 'static {
        self.request(Command::SendMessage {
            message: message.to_owned(),
            stream_ids: options.stream_ids,
            container: options.container,
        })
        .map(|result| result.map(MessageSent::from))
    }

    /// Changes the settings of every frame.
    pub fn update_settings(
        &self,
        settings: Settings,
    ) -> impl Future<Output = Result<(), SymphonyError>> + 'static {
        self.request(Command::UpdateSettings(settings)).map(done)
    }

    /// Logs the user out of the pod, then removes every frame; the session is then as if
    /// [`Symphony::render`] had never been called. Frames are hidden at once. Fails closed:
    /// on a server error or timeout the frames are removed all the same and the error is
    /// returned; calling `logout` again retries the server part. Concurrent calls share one
    /// server round and get the same result.
    ///
    /// The pod is asked through the main frame when it is ready, and over HTTP when the
    /// frame is not ready, stays silent or refuses (both forms are this library's assumption:
    /// see [`ConfigBuilder::logout_action`] and [`ConfigBuilder::logout_method`]). Before any
    /// render, the pod is asked only when `localStorage` holds the mark an earlier page of
    /// this browser left for it, or cannot be read; else the answer is `{}` at once.
    ///
    /// Mind Symphony's warning: this ends the user's session in every app of this browser.
    pub fn logout(&self) -> impl Future<Output = Result<(), SymphonyError>> + 'static {
        self.request(Command::Logout).map(done)
    }

    /// Calls `callback` with each notification of `kind` (for `stream_id`, or every stream)
    /// until the returned handle is dropped.
    ///
    /// An argument the session refuses is an error here. Over sdk.js
    /// ([`Transport::SdkJs`]) the subscription is then asked of `window.symphony.listen`,
    /// whose answer comes later: if it fails, the callback is never called and
    /// [`DomDiagnostics::failed_subscriptions`] counts it.
    pub fn listen(
        &self,
        kind: NotificationKind,
        stream_id: Option<&str>,
        callback: impl Fn(&Value) + 'static,
    ) -> Result<NotificationListener, SymphonyError> {
        let (sender, mut receiver) = oneshot::channel();
        let (subscription, live) = {
            let Ok(mut driver) = self.shared.try_borrow_mut() else {
                return Err(SymphonyError::Interrupted {
                    operation: "subscribe",
                    by: "a call from inside the session's own work (a DOM event it caused); subscribe from a later task",
                });
            };
            let request = driver.session.handle_command(Command::Subscribe {
                kind,
                stream_id: stream_id.map(str::to_owned),
            });
            driver.waiters.insert(request, sender);
            let subscription = SubscriptionId(request.0);
            let callback: driver::NotificationCallback = Rc::new(callback);
            let registered = Registered::new(callback);
            let live = registered.live.clone();
            driver.notification_listeners.insert(subscription, registered);
            (subscription, live)
        };
        pump(&self.shared);
        let listener = || NotificationListener {
            shared: Rc::downgrade(&self.shared),
            subscription,
            live: live.clone(),
        };
        // The built-in protocol answers a subscription at once; over sdk.js the answer is
        // `window.symphony.listen`'s, which comes later.
        let result = match receiver.try_recv() {
            Ok(Some(result)) => result,
            #[cfg(feature = "sdk-js")]
            Ok(None) => {
                let shared = Rc::downgrade(&self.shared);
                let live = live.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(Err(_)) = receiver.await {
                        live.set(false);
                        if let Some(shared) = shared.upgrade() {
                            driver::subscription_failed(&shared, subscription);
                        }
                    }
                });
                return Ok(listener());
            }
            _ => Err(SymphonyError::Interrupted {
                operation: "subscribe",
                by: "an unexpected pending answer",
            }),
        };
        match result {
            Ok(_) => Ok(listener()),
            Err(err) => {
                self.shared
                    .borrow_mut()
                    .notification_listeners
                    .remove(&subscription);
                Err(err)
            }
        }
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        self.now().state
    }

    /// Whether a [`Symphony::logout`] now would ask the pod to end the session (see
    /// [`symphony_session::Session::server_session_may_be_alive`]).
    pub fn server_session_may_be_alive(&self) -> bool {
        self.now().server_session_may_be_alive
    }

    /// True once the main frame said `clientReady` (loaded, user signed in).
    pub fn is_ready(&self) -> bool {
        self.now().ready
    }

    /// Calls `callback` on every state change until the returned handle is dropped.
    pub fn on_state_change(&self, callback: impl Fn(SessionState) + 'static) -> StateListener {
        self.add_listener(ChangeCallback::State(Rc::new(callback)))
    }

    /// Calls `callback` when readiness changes ([`Symphony::is_ready`]) until the returned
    /// handle is dropped.
    pub fn on_ready_change(&self, callback: impl Fn(bool) + 'static) -> StateListener {
        self.add_listener(ChangeCallback::Flag(Flag::Ready, Rc::new(callback)))
    }

    /// True once the current render's main frame has loaded: the pod's page shows (perhaps
    /// its sign-in page), and child chats may be opened. The render itself resolves later,
    /// at `clientReady`.
    pub fn is_loaded(&self) -> bool {
        self.now().loaded
    }

    /// Calls `callback` when [`Symphony::is_loaded`] changes until the returned handle is
    /// dropped.
    pub fn on_loaded_change(&self, callback: impl Fn(bool) + 'static) -> StateListener {
        self.add_listener(ChangeCallback::Flag(Flag::Loaded, Rc::new(callback)))
    }

    /// True when the main frame has loaded but has not said `clientReady` within the
    /// interaction timeout ([`ConfigBuilder::interaction_timeout`], 8 s by default): the
    /// user most likely has to act in it (sign in, accept the EULA or terms). Show the chat
    /// then if you kept it hidden. Symphony's SDK reports this with
    /// `onUserInteractionRequired`, whose wire form is not public: over the built-in
    /// protocol it is this library's heuristic.
    pub fn interaction_required(&self) -> bool {
        self.now().interaction_required
    }

    /// Calls `callback` when [`Symphony::interaction_required`] changes until the returned
    /// handle is dropped.
    pub fn on_interaction_required_change(&self, callback: impl Fn(bool) + 'static) -> StateListener {
        self.add_listener(ChangeCallback::Flag(Flag::InteractionRequired, Rc::new(callback)))
    }

    fn add_listener(&self, callback: ChangeCallback) -> StateListener {
        add_listener(&self.shared, callback)
    }

    /// Calls `callback` when the idle warning starts (with the moment the idle logout will
    /// be due) or ends (`None`), until the returned handle is dropped. Only with an idle
    /// policy in the configuration ([`ConfigBuilder::idle`]).
    pub fn on_idle_warning(&self, callback: impl Fn(Option<Timestamp>) + 'static) -> StateListener {
        self.add_listener(ChangeCallback::IdleWarning(Rc::new(callback)))
    }

    /// Calls `callback` each time a logout ends, whatever started it (the app, the idle
    /// logout, another tab), with why and how it ended, until the returned handle is
    /// dropped: the one place to hear of logouts nobody here awaited. It comes once the
    /// frames are gone and the state is `LoggedOut`. For another tab's logout the result is
    /// `Ok` when the pod confirmed it there, else [`SymphonyError::LogoutUnconfirmed`].
    pub fn on_logout(
        &self,
        callback: impl Fn(LogoutReason, &Result<(), SymphonyError>) + 'static,
    ) -> StateListener {
        self.add_listener(ChangeCallback::LoggedOut(Rc::new(callback)))
    }

    /// The moment the idle logout will be due, while the idle warning stands.
    pub fn idle_warning(&self) -> Option<Timestamp> {
        self.now().idle_warning
    }

    /// Counts as the user's activity now, in this tab and the app's other tabs (a "Stay
    /// signed in" button): clears the idle warning everywhere. Does nothing without an
    /// idle policy or outside `Rendered`.
    pub fn stay_signed_in(&self) {
        driver::stay_signed_in(&self.shared);
    }

    /// Why the session is logging out or logged out; `None` before the first logout and
    /// after a new render.
    pub fn logout_reason(&self) -> Option<LogoutReason> {
        self.now().logout_reason
    }

    /// Counters: refused messages, frames, listeners, timers, requests in flight.
    pub fn diagnostics(&self) -> DomDiagnostics {
        self.now().diagnostics
    }

    /// The configuration.
    pub fn config(&self) -> Config {
        self.config.clone()
    }

    /// The session as it is now; from inside our own work (a DOM event it caused), as it
    /// was when that step began.
    fn now(&self) -> Snapshot {
        match self.shared.try_borrow() {
            Ok(driver) => driver.snapshot_now(),
            Err(_) => self.snapshot.get(),
        }
    }
}

/// Registers a change callback on the driver; it stops when the returned handle is dropped.
fn add_listener(shared: &Shared, callback: ChangeCallback) -> StateListener {
    let id = NEXT_LISTENER.with(|next| {
        next.set(next.get() + 1);
        next.get()
    });
    let shared = Rc::downgrade(shared);
    let registered = Registered::new(callback);
    let live = registered.live.clone();
    // Registered at once, or (called from inside our own work) right after it, unless
    // the handle is dropped by then.
    when_free(&shared, move |shared| {
        if registered.live.get() {
            shared.borrow_mut().change_listeners.insert(id, registered);
        }
    });
    StateListener { shared, id, live }
}

/// The application's ownership of a session: dropped with the last [`Symphony`] clone.
struct Owner {
    shared: Weak<RefCell<Driver>>,
    snapshot: Rc<Cell<Snapshot>>,
    logout_timeout: std::time::Duration,
}

impl Drop for Owner {
    /// A logout in progress keeps the session alive until it ends (its server step done,
    /// its frames removed, its waiting callers answered), for at most the logout timeout;
    /// then the driver goes as it does at once otherwise.
    fn drop(&mut self) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        let state = match shared.try_borrow() {
            Ok(driver) => driver.session.state(),
            // Dropped inside our own work: the state that step began with.
            Err(_) => self.snapshot.get().state,
        };
        if state != SessionState::LoggingOut {
            return;
        }
        let (ended, logged_out) = oneshot::channel::<()>();
        let ended = RefCell::new(Some(ended));
        let listener = add_listener(
            &shared,
            ChangeCallback::State(Rc::new(move |state| {
                if state != SessionState::LoggingOut {
                    if let Some(ended) = ended.borrow_mut().take() {
                        let _ = ended.send(());
                    }
                }
            })),
        );
        let (expired, timed_out) = oneshot::channel::<()>();
        let cap =
            gloo::timers::callback::Timeout::new(driver::timer_millis(self.logout_timeout), move || {
                let _ = expired.send(());
            });
        wasm_bindgen_futures::spawn_local(async move {
            let _ = futures::future::select(logged_out, timed_out).await;
            drop((listener, cap));
            // Likely the last strong reference: the driver goes here, in a task of its own.
            drop(shared);
        });
    }
}

/// Stops a notification subscription when dropped.
#[must_use = "the subscription ends when this handle is dropped"]
pub struct NotificationListener {
    shared: Weak<RefCell<Driver>>,
    subscription: SubscriptionId,
    live: Rc<Cell<bool>>,
}

impl std::fmt::Debug for NotificationListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationListener")
            .field("subscription", &self.subscription)
            .field("live", &self.live.get())
            .finish()
    }
}

impl Drop for NotificationListener {
    fn drop(&mut self) {
        // Never called again, even before the driver is free to forget it.
        self.live.set(false);
        let subscription = self.subscription;
        when_free(&self.shared, move |shared| {
            let callback = {
                let mut driver = shared.borrow_mut();
                // Answered NotRendered after a logout: nothing to undo then.
                driver.session.handle_command(Command::Unsubscribe(subscription));
                driver.notification_listeners.remove(&subscription)
            };
            // The user's closure is dropped with the driver released (its captures may call us).
            drop(callback);
            pump(shared);
        });
    }
}

thread_local! {
    static NEXT_LISTENER: Cell<u64> = const { Cell::new(0) };
}

/// Resolves on the next microtask: after the synchronous work in progress.
async fn next_microtask() {
    let resolved = js_sys::Promise::resolve(&wasm_bindgen::JsValue::UNDEFINED);
    let _ = wasm_bindgen_futures::JsFuture::from(resolved).await;
}

/// Stops a state or readiness callback when dropped.
#[must_use = "the callback stops when this handle is dropped"]
pub struct StateListener {
    shared: Weak<RefCell<Driver>>,
    id: u64,
    live: Rc<Cell<bool>>,
}

impl std::fmt::Debug for StateListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateListener")
            .field("id", &self.id)
            .field("live", &self.live.get())
            .finish()
    }
}

impl Drop for StateListener {
    fn drop(&mut self) {
        // Never called again, even before the driver is free to forget it.
        self.live.set(false);
        let id = self.id;
        when_free(&self.shared, move |shared| {
            let callback = shared.borrow_mut().change_listeners.remove(&id);
            drop(callback);
        });
    }
}
