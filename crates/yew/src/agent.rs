//! The agent: serves render, chat and logout requests from any component, in order where
//! order matters.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::Either;
use symphony_dom::{
    ChatOpened, Config, LogoutReason, MessageSent, Mode, NotificationKind, NotificationListener, Options,
    RenderOptions, Resolved, SendMessageOptions, SessionState, Settings, StateListener, Symphony,
    SymphonyError, Timestamp,
};

type Reply = oneshot::Sender<Result<(), SymphonyError>>;

/// A chat a [`SymphonyChat`](crate::SymphonyChat) component asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ChatSpec {
    id: u64,
    container: String,
    stream_id: String,
    /// The stream this chat's frame was last asked to show in this session (kept once the
    /// pod confirmed it); `None` before, or when the attempt failed: it is tried again once
    /// the session is ready.
    shown: Option<String>,
}

type Chats = Rc<RefCell<Vec<ChatSpec>>>;

/// Rendering requests, served one after the other (a render must be done before a child
/// frame can join it). Logouts are not among them: they go to the session at once, even
/// while a render waits for the pod, so that a logout is never held up by a render and
/// concurrent logouts meet in the session and share one server round trip.
enum RenderJob {
    RenderChats(Reply),
    Render {
        container: String,
        options: RenderOptions,
        reply: Reply,
    },
    ShowChat {
        chat: u64,
        reply: Reply,
    },
    /// The session became ready: show again the chats whose stream is not confirmed.
    RetryChats,
}

struct Inner {
    /// What the session is started with.
    config: Config,
    options: Options,
    /// The session, started on first use ([`session`]): only in the browser, as only
    /// effects and callbacks use it (a server render reads the defaults).
    symphony: OnceCell<Symphony>,
    /// Rendering requests waiting for their turn ([`serve_in_order`]).
    queue: RefCell<VecDeque<RenderJob>>,
    /// A task is serving the queue.
    serving: Cell<bool>,
    chats: Chats,
    next_chat: RefCell<u64>,
    /// Asks for [`RenderJob::RetryChats`] each time the session becomes ready.
    ready_watch: RefCell<Option<StateListener>>,
    /// The provider's `on_error`, for failures nobody awaits.
    on_error: RefCell<Option<yew::Callback<SymphonyError>>>,
    /// The last failure of a `<SymphonyChat>` since the chats were last rendered on request.
    chat_error: RefCell<Option<SymphonyError>>,
    /// The provider's status publisher, told when `chat_error` changes.
    on_status: RefCell<Option<Rc<dyn Fn()>>>,
}

/// The Symphony agent of a [`SymphonyProvider`](crate::SymphonyProvider): cheap to clone,
/// compared by identity. Get it with [`use_symphony`](crate::use_symphony).
///
/// Every method answers with Symphony's result: `Ok(())` (`{}`) or a [`SymphonyError`]
/// (`{"error":{"type":"ERROR",..}}` through [`SdkResult`](crate::SdkResult)).
#[derive(Clone)]
pub struct SymphonyAgent {
    inner: Rc<Inner>,
}

impl PartialEq for SymphonyAgent {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for SymphonyAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymphonyAgent")
            .field("symphony", &self.inner.symphony.get())
            .finish()
    }
}

/// Unregisters a chat when dropped (the component unmounted).
pub(crate) struct ChatRegistration {
    chats: Chats,
    id: u64,
}

impl ChatRegistration {
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Whether this chat is the first mounted (the one the main frame renders into).
    #[cfg(feature = "sdk-js")]
    pub(crate) fn is_first(&self) -> bool {
        self.chats.borrow().first().is_some_and(|chat| chat.id == self.id)
    }

    /// New props for the same chat: it keeps its place (the first mounted stays the main
    /// frame), and is shown again only if what it shows changed.
    pub(crate) fn update(&self, container: &str, stream_id: &str) {
        if let Some(chat) = self.chats.borrow_mut().iter_mut().find(|chat| chat.id == self.id) {
            if chat.container != container || chat.stream_id != stream_id {
                chat.container = container.to_owned();
                chat.stream_id = stream_id.to_owned();
                chat.shown = None;
            }
        }
    }
}

impl Drop for ChatRegistration {
    fn drop(&mut self) {
        self.chats.borrow_mut().retain(|chat| chat.id != self.id);
    }
}

/// A handle on an agent that does not keep it alive (callbacks registered with the
/// session hold this, so that no reference cycle outlives the provider).
#[derive(Clone)]
pub(crate) struct WeakAgent(std::rc::Weak<Inner>);

impl WeakAgent {
    pub(crate) fn upgrade(&self) -> Option<SymphonyAgent> {
        self.0.upgrade().map(|inner| SymphonyAgent { inner })
    }
}

impl SymphonyAgent {
    pub(crate) fn downgrade(&self) -> WeakAgent {
        WeakAgent(Rc::downgrade(&self.inner))
    }

    /// An agent owning a new session for `config`, with these [`Options`]. Nothing touches
    /// the browser until the session is first used (see [`symphony`](Self::symphony)): the
    /// agent can be made, and read, during a Yew server-side render.
    pub fn new(config: Config, options: Options) -> Self {
        Self {
            inner: Rc::new(Inner {
                config,
                options,
                symphony: OnceCell::new(),
                queue: RefCell::new(VecDeque::new()),
                serving: Cell::new(false),
                chats: Rc::new(RefCell::new(Vec::new())),
                next_chat: RefCell::new(0),
                ready_watch: RefCell::new(None),
                on_error: RefCell::new(None),
                chat_error: RefCell::new(None),
                on_status: RefCell::new(None),
            }),
        }
    }

    /// The session if it started, without starting it (what a render reads).
    fn started(&self) -> Option<&Symphony> {
        self.inner.symphony.get()
    }

    /// Queues a rendering request, and starts serving the queue unless a task already does.
    fn enqueue(&self, request: RenderJob) {
        self.inner.queue.borrow_mut().push_back(request);
        if !self.inner.serving.replace(true) {
            wasm_bindgen_futures::spawn_local(serve_in_order(self.inner.clone()));
        }
    }

    /// Queues a rendering request when first polled, and waits for its answer. It holds
    /// the agent weakly: a render waiting for the user (sign-in, no timeout) must not keep
    /// the session, and its frames, alive once the provider dropped it (it then answers
    /// that the provider went).
    fn ask(
        &self,
        make: impl FnOnce(Reply) -> RenderJob + 'static,
        operation: &'static str,
    ) -> impl std::future::Future<Output = Result<(), SymphonyError>> + 'static {
        let agent = self.downgrade();
        async move {
            let (reply, answer) = oneshot::channel();
            match agent.upgrade() {
                Some(agent) => agent.enqueue(make(reply)),
                None => return Err(gone(operation)),
            }
            answer.await.unwrap_or(Err(gone(operation)))
        }
    }

    /// Logs the user out of the pod and removes every frame (see
    /// [`Symphony::logout`]). Any number of components may ask at the same time: they share
    /// one server round trip and all get the same result.
    ///
    /// Once asked (the returned future polled once), the logout is carried out even if the
    /// caller stops waiting: it runs in a task of its own.
    pub async fn logout(&self) -> Result<(), SymphonyError> {
        let symphony = self.symphony().clone();
        in_own_task(async move { symphony.logout().await })
            .await
            .unwrap_or(Err(gone("logout")))
    }

    /// Renders every mounted [`SymphonyChat`](crate::SymphonyChat): the first one mounted
    /// gets the main frame, the others child frames (Focus mode), opened once the main frame
    /// has loaded. Resolves when the chats are ready (the user signed in), as Symphony's
    /// `render` does: while the pod shows its sign-in page it waits, without a timeout
    /// ([`SessionStatus::interaction_required`](crate::SessionStatus) tells when that takes
    /// long); a logout or a new render answers it. This is how an app renders again after
    /// a logout.
    pub fn render(&self) -> impl std::future::Future<Output = Result<(), SymphonyError>> + 'static {
        self.set_chat_error(None);
        self.ask(RenderJob::RenderChats, "render")
    }

    /// Renders the main frame into `container` explicitly; resolves when the chat is ready,
    /// like [`render`](Self::render).
    pub fn render_into(
        &self,
        container: &str,
        options: RenderOptions,
    ) -> impl std::future::Future<Output = Result<(), SymphonyError>> + 'static {
        let container = container.to_owned();
        self.set_chat_error(None);
        self.ask(
            |reply| RenderJob::Render {
                container,
                options,
                reply,
            },
            "render",
        )
    }

    /// The provider's `on_error` (as of its last render).
    pub(crate) fn set_on_error(&self, callback: Option<yew::Callback<SymphonyError>>) {
        *self.inner.on_error.borrow_mut() = callback;
    }

    /// The provider's status publisher (`None` when its effect is cleaned up).
    pub(crate) fn set_on_status(&self, publish: Option<Rc<dyn Fn()>>) {
        *self.inner.on_status.borrow_mut() = publish;
    }

    /// The last failure of a `<SymphonyChat>` ([`SessionStatus::chat_error`](crate::SessionStatus)).
    pub(crate) fn chat_error(&self) -> Option<SymphonyError> {
        self.inner.chat_error.borrow().clone()
    }

    /// Records a chat's failure (or clears it), and tells the provider.
    pub(crate) fn set_chat_error(&self, error: Option<SymphonyError>) {
        if self.inner.chat_error.replace(error).is_none() && self.inner.chat_error.borrow().is_none() {
            return;
        }
        let publish = self.inner.on_status.borrow().clone();
        if let Some(publish) = publish {
            publish();
        }
    }

    /// A failure nobody awaits: to the provider's `on_error`, else the browser console (its
    /// code only: every error's text would weigh on every app).
    pub(crate) fn report_unawaited(&self, error: SymphonyError) {
        let callback = self.inner.on_error.borrow().clone();
        match callback {
            Some(callback) => callback.emit(error),
            None => gloo::console::error!(
                "yew-symphony: a chat could not be shown:",
                error.code(),
                "(give <SymphonyChat on_error> or the provider's on_error to handle it)"
            ),
        }
    }

    pub(crate) fn register_chat(&self, container: &str, stream_id: &str) -> ChatRegistration {
        let id = {
            let mut next = self.inner.next_chat.borrow_mut();
            *next += 1;
            *next
        };
        self.inner.chats.borrow_mut().push(ChatSpec {
            id,
            container: container.to_owned(),
            stream_id: stream_id.to_owned(),
            shown: None,
        });
        ChatRegistration {
            chats: self.inner.chats.clone(),
            id,
        }
    }

    /// Shows a registered chat: renders every chat if nothing is rendered yet, else opens
    /// its stream unless it already shows it.
    pub(crate) fn show_chat(
        &self,
        chat: u64,
    ) -> impl std::future::Future<Output = Result<(), SymphonyError>> + 'static {
        self.ask(move |reply| RenderJob::ShowChat { chat, reply }, "open stream")
    }

    /// Shows a stream in the main frame, or in Focus mode in `container`'s frame.
    ///
    /// This and the other actions ([`send_message`](Self::send_message),
    /// [`start_room`](Self::start_room), [`update_settings`](Self::update_settings)) go to
    /// the session at once: they are not queued behind a render still in progress. While
    /// that render's main frame waits for sign-in they wait with it (up to the request
    /// timeout); before any render they answer `NotRendered`. Await
    /// [`render`](Self::render) first to act on what it shows.
    pub async fn open_stream(
        &self,
        stream_id: &str,
        container: Option<&str>,
    ) -> Result<ChatOpened, SymphonyError> {
        self.symphony().open_stream(stream_id, container).await
    }

    /// Opens the send-message dialog, pre-filled; resolves with what was sent (see
    /// [`Symphony::send_message`]).
    pub async fn send_message(
        &self,
        message: &str,
        options: SendMessageOptions,
    ) -> Result<MessageSent, SymphonyError> {
        self.symphony().send_message(message, options).await
    }

    /// Starts a room with these users: Symphony user ids or email addresses (see
    /// [`Symphony::start_room`]).
    pub async fn start_room(
        &self,
        users: &[&str],
        container: Option<&str>,
    ) -> Result<ChatOpened, SymphonyError> {
        self.symphony().start_room(users, container).await
    }

    /// Creates a room; see [`Symphony::create_room`] (not available over the built-in
    /// protocol: it answers [`SymphonyError::NotAvailable`]).
    pub async fn create_room(
        &self,
        name: &str,
        users: &[&str],
        options: serde_json::Value,
    ) -> Result<Resolved, SymphonyError> {
        self.symphony().create_room(name, users, options).await
    }

    /// Whether the user is already authenticated; see [`Symphony::check_auth`] (not
    /// available over the built-in protocol).
    pub async fn check_auth(&self) -> Result<Resolved, SymphonyError> {
        self.symphony().check_auth().await
    }

    /// Changes the theme's colours; see [`Symphony::update_theme`] (not available over the
    /// built-in protocol).
    pub async fn update_theme(&self, theme: serde_json::Value) -> Result<(), SymphonyError> {
        self.symphony().update_theme(theme).await
    }

    /// Changes the settings of every frame.
    pub async fn update_settings(&self, settings: Settings) -> Result<(), SymphonyError> {
        self.symphony().update_settings(settings).await
    }

    /// Notifications until the returned handle is dropped; see [`Symphony::listen`].
    pub fn listen(
        &self,
        kind: NotificationKind,
        stream_id: Option<&str>,
        callback: impl Fn(&serde_json::Value) + 'static,
    ) -> Result<NotificationListener, SymphonyError> {
        self.symphony().listen(kind, stream_id, callback)
    }

    /// The session state now.
    pub fn state(&self) -> SessionState {
        self.started().map_or(SessionState::Unrendered, Symphony::state)
    }

    /// True once the main frame said `clientReady` (the user is signed in).
    pub fn is_ready(&self) -> bool {
        self.started().is_some_and(Symphony::is_ready)
    }

    /// Why the session is logging out or logged out; `None` before the first logout and
    /// after a new render.
    pub fn logout_reason(&self) -> Option<LogoutReason> {
        self.started().and_then(Symphony::logout_reason)
    }

    /// When the idle logout will be due, while the idle warning stands.
    pub fn idle_warning(&self) -> Option<Timestamp> {
        self.started().and_then(Symphony::idle_warning)
    }

    /// Counts as the user's activity now, in every tab of the app (see
    /// [`Symphony::stay_signed_in`]).
    pub fn stay_signed_in(&self) {
        self.symphony().stay_signed_in();
    }

    /// The session handle underneath, for anything the agent does not wrap. The first call
    /// starts the session (the provider does it in its first effect): call it in the
    /// browser only, from an effect or a callback, never while rendering on a server.
    ///
    /// # Panics
    ///
    /// Without a browser window, as [`Symphony::new`] does.
    pub fn symphony(&self) -> &Symphony {
        session(&self.inner)
    }

    /// The configuration the session starts with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The chat most likely waits for the user (false before the session starts).
    pub(crate) fn interaction_required(&self) -> bool {
        self.started().is_some_and(Symphony::interaction_required)
    }

    /// The pod may still hold the user's session (false before the session starts).
    pub(crate) fn server_session_may_be_alive(&self) -> bool {
        self.started().is_some_and(Symphony::server_session_may_be_alive)
    }

    /// Follows the state, and readiness and the interaction signal (`on_flag`).
    pub(crate) fn watch(
        &self,
        on_state: impl Fn(SessionState) + 'static,
        on_flag: impl Fn(bool) + 'static,
    ) -> [StateListener; 3] {
        let on_flag = Rc::new(on_flag);
        let again = on_flag.clone();
        [
            self.symphony().on_state_change(on_state),
            self.symphony().on_ready_change(move |v| on_flag(v)),
            self.symphony().on_interaction_required_change(move |v| again(v)),
        ]
    }
}

/// The agent's session, started on first use: with it, the watch that shows again the chats
/// whose stream is not confirmed each time the session becomes ready.
fn session(inner: &Rc<Inner>) -> &Symphony {
    inner.symphony.get_or_init(|| {
        let symphony = Symphony::with_options(inner.config.clone(), inner.options.clone());
        // Weak: the session holds this callback and must not keep the agent alive.
        let weak = WeakAgent(Rc::downgrade(inner));
        let watch = symphony.on_ready_change(move |ready| {
            if let (true, Some(agent)) = (ready, weak.upgrade()) {
                agent.enqueue(RenderJob::RetryChats);
            }
        });
        *inner.ready_watch.borrow_mut() = Some(watch);
        symphony
    })
}

fn gone(operation: &'static str) -> SymphonyError {
    SymphonyError::Interrupted {
        operation,
        by: "the SymphonyProvider being unmounted",
    }
}

/// Serves the queued rendering requests one after the other, then stops (the next request
/// starts it again). It holds the agent while it serves, so that a provider unmounted
/// meanwhile still answers what it was asked.
async fn serve_in_order(inner: Rc<Inner>) {
    loop {
        let next = inner.queue.borrow_mut().pop_front();
        let Some(request) = next else {
            inner.serving.set(false);
            return;
        };
        let (symphony, chats) = (session(&inner), &inner.chats);
        match request {
            RenderJob::Render {
                container,
                options,
                reply,
            } => {
                // Like every render: the queue moves on once the main frame has loaded.
                match start_render(symphony, container, options).await {
                    Started::Answered(result) => {
                        let _ = reply.send(result);
                    }
                    Started::Loaded(rendering) => wasm_bindgen_futures::spawn_local(async move {
                        let _ = reply.send(rendering.await.unwrap_or(Err(gone("render"))));
                    }),
                }
            }
            RenderJob::RenderChats(reply) => {
                // The queue moves on once the main frame has loaded; the answer comes when
                // the chats are ready (the user may be signing in meanwhile).
                let rest = render_chats(symphony, chats).await;
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = reply.send(rest.await);
                });
            }
            RenderJob::ShowChat { chat, reply } => match symphony.state() {
                // Never rendered: the first chat mounted becomes the main frame.
                SessionState::Unrendered => {
                    let rest = render_chats(symphony, chats).await;
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = reply.send(rest.await);
                    });
                }
                SessionState::Rendered => {
                    let _ = reply.send(show_unconfirmed(symphony, chats, Some(chat)).await);
                }
                // After a logout, rendering again is the app's explicit choice.
                SessionState::LoggingOut | SessionState::LoggedOut => {
                    let _ = reply.send(Ok(()));
                }
            },
            RenderJob::RetryChats => {
                if symphony.state() == SessionState::Rendered {
                    // A failure shows in that chat's frame; it is tried again next time.
                    let _ = show_unconfirmed(symphony, chats, None).await;
                }
            }
        }
    }
}

/// Starts `work` in a task of its own, which goes on whether or not anyone waits for its
/// answer on the returned channel.
fn in_own_task(
    work: impl std::future::Future<Output = Result<(), SymphonyError>> + 'static,
) -> oneshot::Receiver<Result<(), SymphonyError>> {
    let (reply, answer) = oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = reply.send(work.await);
    });
    answer
}

/// Opens the streams of these chats side by side, each in a task of its own, and gives the
/// results in the chats' order.
async fn open_streams(symphony: &Symphony, chats: &[ChatSpec]) -> Vec<Result<(), SymphonyError>> {
    collect(start_streams(symphony, chats)).await
}

/// Asks for the streams of these chats, each in a task of its own; the answers come later.
fn start_streams(
    symphony: &Symphony,
    chats: &[ChatSpec],
) -> Vec<oneshot::Receiver<Result<(), SymphonyError>>> {
    chats
        .iter()
        .map(|chat| {
            let opening = symphony.open_stream(&chat.stream_id, Some(&chat.container));
            in_own_task(async move { opening.await.map(drop) })
        })
        .collect()
}

/// Like [`start_streams`], each answer recorded ([`confirm`]) as soon as it comes: a child
/// refused while the main frame waits for a sign-in must be unmarked before the session is
/// ready, so that [`RenderJob::RetryChats`] shows it again.
fn start_streams_confirmed(
    symphony: &Symphony,
    chats: &Chats,
    specs: &[ChatSpec],
) -> Vec<oneshot::Receiver<Result<(), SymphonyError>>> {
    mark_asked(chats, specs);
    specs
        .iter()
        .map(|spec| {
            let opening = symphony.open_stream(&spec.stream_id, Some(&spec.container));
            let (chats, spec) = (chats.clone(), spec.clone());
            in_own_task(async move {
                let result = opening.await.map(drop);
                confirm(&chats, std::slice::from_ref(&spec), std::slice::from_ref(&result));
                result
            })
        })
        .collect()
}

/// The answers of [`start_streams`], in order.
async fn collect(
    answers: Vec<oneshot::Receiver<Result<(), SymphonyError>>>,
) -> Vec<Result<(), SymphonyError>> {
    let mut results = Vec::with_capacity(answers.len());
    for answer in answers {
        results.push(answer.await.unwrap_or(Err(gone("open stream"))));
    }
    results
}

/// Opens the stream of `only` (or of every chat) unless the pod already confirmed it
/// shows it; records what the pod confirms.
async fn show_unconfirmed(
    symphony: &Symphony,
    chats: &Chats,
    only: Option<u64>,
) -> Result<(), SymphonyError> {
    let pending: Vec<ChatSpec> = chats
        .borrow()
        .iter()
        .filter(|chat| only.is_none_or(|id| chat.id == id))
        .filter(|chat| chat.shown.as_ref() != Some(&chat.stream_id))
        .cloned()
        .collect();
    mark_asked(chats, &pending);
    let results = open_streams(symphony, &pending).await;
    confirm(chats, &pending, &results);
    results.into_iter().collect()
}

/// Marks these chats as showing the stream just asked for, so that a request served
/// meanwhile does not ask again; [`confirm`] takes the mark back if the pod refuses.
fn mark_asked(chats: &Chats, asked: &[ChatSpec]) {
    let mut chats = chats.borrow_mut();
    for spec in asked {
        if let Some(chat) = chats.iter_mut().find(|chat| chat.id == spec.id) {
            if chat.stream_id == spec.stream_id {
                chat.shown = Some(spec.stream_id.clone());
            }
        }
    }
}

/// Records the pod's answers: a chat whose request succeeded shows the stream it asked for;
/// one whose request failed shows nothing confirmed (it is tried again once ready).
fn confirm(chats: &Chats, asked: &[ChatSpec], results: &[Result<(), SymphonyError>]) {
    let mut chats = chats.borrow_mut();
    for (spec, result) in asked.iter().zip(results) {
        let Some(chat) = chats.iter_mut().find(|chat| chat.id == spec.id) else {
            continue;
        };
        match result {
            Ok(()) if chat.stream_id == spec.stream_id => chat.shown = Some(spec.stream_id.clone()),
            Err(_) if chat.shown.as_ref() == Some(&spec.stream_id) => chat.shown = None,
            _ => {}
        }
    }
}

/// The rest of a render of every chat: its answer, once the chats are ready.
type RenderRest = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), SymphonyError>>>>;

/// Renders the first chat as the main frame and, in Focus mode, once that frame has loaded,
/// the others as children: every chat's frame is on the page at once even while the main
/// frame is not ready yet (the pod's sign-in page). Returns when the children were asked
/// for (or the render ended first), with the rest to await: the render's answer, which comes
/// at `clientReady` (the user may be signing in: no timeout), and the children's. A child
/// whose request times out (a sign-in slower than the request timeout) is shown again once
/// the session is ready ([`RenderJob::RetryChats`]).
async fn render_chats(symphony: &Symphony, chats: &Chats) -> RenderRest {
    let specs: Vec<ChatSpec> = {
        let mut chats = chats.borrow_mut();
        for chat in chats.iter_mut() {
            chat.shown = None;
        }
        chats.clone()
    };
    let Some((main, others)) = specs.split_first() else {
        return Box::pin(std::future::ready(Err(SymphonyError::InvalidArgument {
            argument: "chats",
            reason: "no <SymphonyChat> is mounted; mount one, or call render_into(container, ..)".to_owned(),
        })));
    };
    let started = start_render(
        symphony,
        main.container.clone(),
        RenderOptions::stream(main.stream_id.clone()),
    )
    .await;
    let main = main.clone();
    let chats = chats.clone();
    let rendering = match started {
        // Answered before a load was seen: ready at once, or failed.
        Started::Answered(rendered) => {
            confirm(
                &chats,
                std::slice::from_ref(&main),
                std::slice::from_ref(&rendered),
            );
            if rendered.is_err() || symphony.config().mode() != Mode::Focus {
                return Box::pin(std::future::ready(rendered));
            }
            let children = start_streams_confirmed(symphony, &chats, others);
            return Box::pin(async move { collect(children).await.into_iter().collect() });
        }
        Started::Loaded(rendering) => rendering,
    };
    // Loaded: the main frame shows the pod's page (perhaps its sign-in page), with the main
    // chat's stream in its URL.
    mark_asked(&chats, std::slice::from_ref(&main));
    let children = if symphony.config().mode() == Mode::Focus {
        start_streams_confirmed(symphony, &chats, others)
    } else {
        Vec::new()
    };
    Box::pin(async move {
        let rendered = rendering.await.unwrap_or(Err(gone("render")));
        confirm(
            &chats,
            std::slice::from_ref(&main),
            std::slice::from_ref(&rendered),
        );
        let opened = collect(children).await;
        rendered?;
        opened.into_iter().collect()
    })
}

/// How far a render got when [`start_render`] returned.
enum Started {
    /// It was answered before its main frame was seen loading.
    Answered(Result<(), SymphonyError>),
    /// Its main frame loaded; the answer comes later (at `clientReady`).
    Loaded(oneshot::Receiver<Result<(), SymphonyError>>),
}

/// Starts a render in a task of its own and returns once its main frame has loaded, or it
/// was answered first: a render waits for the user (sign-in) without a timeout, and the
/// agent's queue must not wait with it.
async fn start_render(symphony: &Symphony, container: String, options: RenderOptions) -> Started {
    // The render's future holds the session weakly: a render waiting for the user does not
    // keep the session (and its frames) alive once the provider is gone.
    let rendering = in_own_task(symphony.render(&container, options));
    let loaded = Box::pin(main_frame_loaded(symphony));
    match futures::future::select(rendering, loaded).await {
        Either::Left((answer, _)) => Started::Answered(answer.unwrap_or(Err(gone("render")))),
        Either::Right((_, rendering)) => Started::Loaded(rendering),
    }
}

/// Resolves once a main frame loads after this is called (the news, not the state now: a
/// frame of an earlier render may be loaded still, until the render in progress replaces
/// it). Never resolves when none loads: the render's own answer ends the wait then.
async fn main_frame_loaded(symphony: &Symphony) {
    let (sender, mut changes) = futures::channel::mpsc::unbounded();
    let _watch = symphony.on_loaded_change(move |loaded| {
        let _ = sender.unbounded_send(loaded);
    });
    while let Some(loaded) = futures::StreamExt::next(&mut changes).await {
        if loaded {
            return;
        }
    }
    std::future::pending::<()>().await;
}
