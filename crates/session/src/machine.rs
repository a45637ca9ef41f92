//! The session state machine: commands and events in, effects out.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::config::{Config, Mode};
use crate::error::{SdkResult, SymphonyError};
use crate::protocol::{
    Action, ActionKind, EmptyParams, HostMessage, NotificationKind, PodMessage, Register, SendMessageOptions,
    Settings, Subscription, SubscriptionParams,
};
use crate::validate;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies one command; its [`Effect::Answer`] carries the same id, exactly once.
    RequestId
);
id_type!(
    /// Identifies one iframe for the life of the session (never reused).
    FrameId
);
id_type!(
    /// Identifies one timer started with [`Effect::StartTimer`].
    TimerId
);
id_type!(
    /// Identifies one HTTP logout request started with [`Effect::SendLogoutRequest`].
    LogoutAttemptId
);
id_type!(
    /// Identifies one notification subscription; equal to the subscribing request's id.
    SubscriptionId
);

impl FrameId {
    /// The id this frame carries in the DOM and in the protocol (`sdk-register`, `#container`).
    pub fn dom_id(self) -> String {
        format!("symphony-frame-{}", self.0)
    }
}

/// The session's state, as Symphony's SDK would describe it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// `render` has never been called (or the main frame was removed by someone else).
    Unrendered,
    /// Frames are on the page.
    Rendered,
    /// A logout is running: frames are hidden, the server is being asked.
    LoggingOut,
    /// Logged out: no frame left; `render` must be called again.
    LoggedOut,
}

impl SessionState {
    /// The state's name: `Unrendered`, `Rendered`, `LoggingOut` or `LoggedOut`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unrendered => "Unrendered",
            Self::Rendered => "Rendered",
            Self::LoggingOut => "LoggingOut",
            Self::LoggedOut => "LoggedOut",
        }
    }
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// The main frame: the one the host talks to.
    Main,
    /// A Focus-mode child frame, driven through the main frame.
    Child,
}

/// A request from the application.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Render the main frame into the element with id `container`.
    Render {
        /// DOM id of the container element.
        container: String,
        /// The chat to show first, if any.
        stream_id: Option<String>,
        /// Settings sent as query parameters.
        settings: Settings,
    },
    /// Show a stream: in the main frame (no container, or the render container), or in
    /// Focus mode in a child frame of another container (created on first use).
    OpenStream {
        /// The stream to show.
        stream_id: String,
        /// Where; `None` for the main frame.
        container: Option<String>,
    },
    /// Start a room with these users, in the main frame or an existing child frame.
    StartRoom {
        /// Symphony user ids.
        user_ids: Vec<u64>,
        /// Where; `None` for the main frame.
        container: Option<String>,
    },
    /// Open the send-message dialog pre-filled for these streams.
    SendMessage {
        /// The message text.
        message: String,
        /// Target streams.
        stream_ids: Vec<String>,
        /// Where; `None` for the main frame.
        container: Option<String>,
    },
    /// Change the settings of every frame.
    UpdateSettings(Settings),
    /// Be notified; answered at once, notifications follow as [`Effect::Notify`] with
    /// the [`SubscriptionId`] equal to this command's [`RequestId`].
    Subscribe {
        /// The notification type.
        kind: NotificationKind,
        /// Only this stream (required for unread counts of one stream).
        stream_id: Option<String>,
    },
    /// Stop a subscription.
    Unsubscribe(SubscriptionId),
    /// Log out of the pod, then remove every frame.
    Logout,
}

impl Command {
    /// A short name for errors.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Render { .. } => "render",
            Self::OpenStream { .. } => "open stream",
            Self::StartRoom { .. } => "start room",
            Self::SendMessage { .. } => "send message",
            Self::UpdateSettings(_) => "update settings",
            Self::Subscribe { .. } => "subscribe",
            Self::Unsubscribe(_) => "unsubscribe",
            Self::Logout => "logout",
        }
    }
}

/// Something that happened outside the machine.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The frame's `load` event fired.
    FrameLoaded(FrameId),
    /// The frame could not be inserted: its container is not in the document.
    FrameContainerMissing(FrameId),
    /// The frame was removed from the document by someone else.
    FrameRemoved(FrameId),
    /// A message from the main frame. The driver has already checked that `origin` is the
    /// pod origin and `source` the current main frame's window.
    Message(Value),
    /// The HTTP logout got an answer.
    LogoutAnswered {
        /// Which request.
        attempt: LogoutAttemptId,
        /// The HTTP status.
        status: u16,
    },
    /// The HTTP logout failed without an answer.
    LogoutFailed {
        /// Which request.
        attempt: LogoutAttemptId,
        /// The transport's description.
        message: String,
    },
    /// A timer started with [`Effect::StartTimer`] elapsed.
    TimerFired(TimerId),
    /// Another document of this app (another tab) finished a logout from the same pod. The
    /// frames here go too, without a second server request. `server_confirmed` tells
    /// whether the pod confirmed the end of the session there.
    LoggedOutElsewhere {
        /// The other document's logout succeeded on the server.
        server_confirmed: bool,
    },
}

/// Something the driver must do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Insert an iframe with this id and URL into the container element.
    CreateFrame {
        /// The new frame.
        frame: FrameId,
        /// Main or child.
        kind: FrameKind,
        /// DOM id of the container element.
        container: String,
        /// The frame's `src`.
        url: String,
    },
    /// Hide these frames at once (one style change, no layout change).
    HideFrames {
        /// Every frame of the session.
        frames: Vec<FrameId>,
    },
    /// Remove the iframe from the document.
    RemoveFrame {
        /// The frame.
        frame: FrameId,
    },
    /// `postMessage` this to the main frame, with the pod origin as target origin.
    Post(HostMessage),
    /// `POST` to this URL with credentials; report [`Event::LogoutAnswered`] or
    /// [`Event::LogoutFailed`].
    SendLogoutRequest {
        /// The request.
        attempt: LogoutAttemptId,
        /// The pod's logout URL.
        url: String,
    },
    /// The HTTP logout is no longer wanted (abort it if possible; its answer is ignored).
    AbortLogoutRequest {
        /// The request.
        attempt: LogoutAttemptId,
    },
    /// Fire [`Event::TimerFired`] after this long.
    StartTimer {
        /// The timer.
        timer: TimerId,
        /// Delay.
        after: Duration,
    },
    /// The timer is no longer needed.
    CancelTimer {
        /// The timer.
        timer: TimerId,
    },
    /// The request's one and only answer.
    Answer {
        /// The request.
        request: RequestId,
        /// Its result; [`SdkResult::from`] gives Symphony's JSON shape.
        result: Result<(), SymphonyError>,
    },
    /// The state changed.
    StateChanged(SessionState),
    /// Readiness changed: `true` once the main frame said `clientReady` (user signed in),
    /// `false` when that main frame goes (logout, new render, removal).
    ReadyChanged(bool),
    /// A notification for a subscription.
    Notify {
        /// The subscription.
        subscription: SubscriptionId,
        /// The notification object from the pod.
        data: Value,
    },
}

impl Effect {
    /// The answer in Symphony's JSON shape, when this effect is an answer.
    pub fn sdk_result(&self) -> Option<(RequestId, SdkResult)> {
        match self {
            Self::Answer { request, result } => Some((*request, SdkResult::from(result))),
            _ => None,
        }
    }
}

/// Counters of what the machine ignored, for diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// Messages that were not protocol messages, or not understood.
    pub malformed_messages: u64,
    /// Events that referred to a frame, action, timer or request no longer current.
    pub stale_events: u64,
}

#[derive(Clone, Debug, PartialEq)]
enum TimerPurpose {
    Action(String),
    Render,
    LogoutFrame,
    LogoutDeadline,
}

#[derive(Clone, Debug, PartialEq)]
struct PendingAction {
    request: RequestId,
    timer: TimerId,
    operation: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
struct ChildFrame {
    container: String,
    loaded: bool,
    /// Actions for this frame, posted once it is loaded and registered.
    queued: Vec<HostMessage>,
}

/// The frames of one render and what waits on them.
#[derive(Clone, Debug, PartialEq)]
struct View {
    container: String,
    main: Option<FrameId>,
    main_loaded: bool,
    ready: bool,
    children: BTreeMap<FrameId, ChildFrame>,
    /// Messages waiting for `clientReady`.
    outbox: Vec<HostMessage>,
    render_request: Option<(RequestId, TimerId)>,
    pending: BTreeMap<String, PendingAction>,
}

impl View {
    fn frames(&self) -> Vec<FrameId> {
        self.children.keys().copied().chain(self.main).collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
struct LogoutRun {
    waiters: Vec<RequestId>,
    deadline: TimerId,
    /// The `logout` action posted to the main frame and its answer timer.
    frame_attempt: Option<(String, TimerId)>,
    http_attempt: Option<LogoutAttemptId>,
    /// The frames, hidden, removed when the server part is done.
    view: Option<View>,
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Unrendered,
    Rendered(View),
    LoggingOut(LogoutRun),
    LoggedOut,
}

/// Output queue, id counters and timers: everything that is not the phase.
#[derive(Clone, Debug, PartialEq)]
struct Io {
    effects: VecDeque<Effect>,
    timers: BTreeMap<TimerId, TimerPurpose>,
    next_request: u64,
    next_frame: u64,
    next_timer: u64,
    next_action: u64,
    next_attempt: u64,
}

impl Io {
    fn emit(&mut self, effect: Effect) {
        self.effects.push_back(effect);
    }

    fn answer(&mut self, request: RequestId, result: Result<(), SymphonyError>) {
        self.emit(Effect::Answer { request, result });
    }

    fn start_timer(&mut self, purpose: TimerPurpose, after: Duration) -> TimerId {
        self.next_timer += 1;
        let timer = TimerId(self.next_timer);
        self.timers.insert(timer, purpose);
        self.emit(Effect::StartTimer { timer, after });
        timer
    }

    fn cancel_timer(&mut self, timer: TimerId) {
        if self.timers.remove(&timer).is_some() {
            self.emit(Effect::CancelTimer { timer });
        }
    }

    fn new_frame(&mut self) -> FrameId {
        self.next_frame += 1;
        FrameId(self.next_frame)
    }

    fn new_action_id(&mut self, kind: &ActionKind) -> String {
        self.next_action += 1;
        format!("{}-{}", kind.name(), self.next_action)
    }

    /// Posts now if the main frame is ready, else queues until `clientReady`.
    fn send(&mut self, view: &mut View, message: HostMessage) {
        if view.ready {
            self.emit(Effect::Post(message));
        } else {
            view.outbox.push(message);
        }
    }

    /// Answers everything waiting on `view` with `error` and stops its timers.
    fn interrupt(&mut self, view: &mut View, error: impl Fn(&'static str) -> SymphonyError) {
        if let Some((request, timer)) = view.render_request.take() {
            self.cancel_timer(timer);
            self.answer(request, Err(error("render")));
        }
        for (_, pending) in std::mem::take(&mut view.pending) {
            self.cancel_timer(pending.timer);
            self.answer(pending.request, Err(error(pending.operation)));
        }
    }
}

/// The session state machine. See the [crate documentation](crate) for an example.
///
/// Feed it [`Command`]s ([`Session::handle_command`]) and [`Event`]s
/// ([`Session::handle_event`]); drain [`Effect`]s with [`Session::poll_effect`] after each.
#[derive(Clone, Debug)]
pub struct Session {
    config: Config,
    phase: Phase,
    io: Io,
    subscriptions: BTreeMap<String, (SubscriptionId, Subscription)>,
    /// True from a render until a logout's server part succeeds.
    server_session_may_be_alive: bool,
    /// The readiness last announced with [`Effect::ReadyChanged`].
    announced_ready: bool,
    generation: u64,
    diagnostics: Diagnostics,
}

impl Session {
    /// A session in the `Unrendered` state.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            phase: Phase::Unrendered,
            io: Io {
                effects: VecDeque::new(),
                timers: BTreeMap::new(),
                next_request: 0,
                next_frame: 0,
                next_timer: 0,
                next_action: 0,
                next_attempt: 0,
            },
            subscriptions: BTreeMap::new(),
            server_session_may_be_alive: false,
            announced_ready: false,
            generation: 0,
            diagnostics: Diagnostics::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        match self.phase {
            Phase::Unrendered => SessionState::Unrendered,
            Phase::Rendered(_) => SessionState::Rendered,
            Phase::LoggingOut(_) => SessionState::LoggingOut,
            Phase::LoggedOut => SessionState::LoggedOut,
        }
    }

    /// True when the main frame has said `clientReady` (loaded, user signed in).
    pub fn is_ready(&self) -> bool {
        matches!(&self.phase, Phase::Rendered(view) if view.ready)
    }

    /// Frames currently in the document (created and not yet removed).
    pub fn frames(&self) -> Vec<FrameId> {
        match &self.phase {
            Phase::Rendered(view) => view.frames(),
            Phase::LoggingOut(LogoutRun { view: Some(view), .. }) => view.frames(),
            _ => Vec::new(),
        }
    }

    /// The main frame, while there is one.
    pub fn main_frame(&self) -> Option<FrameId> {
        match &self.phase {
            Phase::Rendered(view) => view.main,
            Phase::LoggingOut(LogoutRun { view: Some(view), .. }) => view.main,
            _ => None,
        }
    }

    /// False once a logout's server part has succeeded (here or, as reported, in another
    /// tab) and nothing was rendered since; true from a render until then.
    pub fn server_session_may_be_alive(&self) -> bool {
        self.server_session_may_be_alive
    }

    /// Increases with every render and every completed logout.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// What was ignored so far.
    pub fn diagnostics(&self) -> Diagnostics {
        self.diagnostics
    }

    /// The next effect to execute, or `None` when there is nothing left to do.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.io.effects.pop_front()
    }

    /// Takes a command; its answer comes later (or at once) as [`Effect::Answer`] with the
    /// returned id.
    pub fn handle_command(&mut self, command: Command) -> RequestId {
        self.io.next_request += 1;
        let request = RequestId(self.io.next_request);
        match command {
            Command::Logout => self.logout(request),
            Command::Render {
                container,
                stream_id,
                settings,
            } => {
                if let Err(err) = self.render(request, container, stream_id, settings) {
                    self.io.answer(request, Err(err));
                }
            }
            other => {
                let operation = other.operation();
                let result = match &mut self.phase {
                    Phase::Rendered(view) => act(
                        &self.config,
                        &mut self.io,
                        view,
                        &mut self.subscriptions,
                        request,
                        other,
                    ),
                    _ => Err(SymphonyError::NotRendered { operation }),
                };
                if let Err(err) = result {
                    self.io.answer(request, Err(err));
                }
            }
        }
        self.announce_readiness();
        request
    }

    /// Emits [`Effect::ReadyChanged`] when readiness differs from what was last announced.
    fn announce_readiness(&mut self) {
        let ready = self.is_ready();
        if ready != self.announced_ready {
            self.announced_ready = ready;
            self.io.emit(Effect::ReadyChanged(ready));
        }
    }

    /// Takes an event.
    pub fn handle_event(&mut self, event: Event) {
        let handled = match event {
            Event::FrameLoaded(frame) => self.frame_loaded(frame),
            Event::FrameContainerMissing(frame) => self.frame_gone(frame, true),
            Event::FrameRemoved(frame) => self.frame_gone(frame, false),
            Event::Message(value) => match PodMessage::parse(&value) {
                Ok(message) => self.message(message),
                Err(_) => {
                    self.diagnostics.malformed_messages += 1;
                    true
                }
            },
            Event::LogoutAnswered { attempt, status } => {
                let result = if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(SymphonyError::ServerStatus { status })
                };
                self.http_logout_done(attempt, result)
            }
            Event::LogoutFailed { attempt, message } => {
                self.http_logout_done(attempt, Err(SymphonyError::Network { message }))
            }
            Event::TimerFired(timer) => self.timer_fired(timer),
            Event::LoggedOutElsewhere { server_confirmed } => self.logged_out_elsewhere(server_confirmed),
        };
        if !handled {
            self.diagnostics.stale_events += 1;
        }
        self.announce_readiness();
    }

    /// Enters `phase`, announcing the state if it differs from `before`.
    fn enter(&mut self, before: SessionState, phase: Phase) {
        self.phase = phase;
        let after = self.state();
        if before != after {
            self.io.emit(Effect::StateChanged(after));
        }
    }

    fn render(
        &mut self,
        request: RequestId,
        container: String,
        stream_id: Option<String>,
        settings: Settings,
    ) -> Result<(), SymphonyError> {
        validate::container(&container)?;
        if let Some(stream_id) = &stream_id {
            validate::stream_id(stream_id)?;
        }
        validate::settings(&settings)?;
        let url = crate::urls::main_frame(&self.config, stream_id.as_deref(), &settings)?;
        let before = self.state();
        match &mut self.phase {
            Phase::LoggingOut(_) => return Err(SymphonyError::LogoutInProgress),
            Phase::Rendered(old) => {
                self.io.interrupt(old, |operation| SymphonyError::Interrupted {
                    operation,
                    by: "a new render",
                });
                for frame in old.frames() {
                    self.io.emit(Effect::RemoveFrame { frame });
                }
            }
            Phase::Unrendered | Phase::LoggedOut => self.subscriptions.clear(),
        }
        self.generation += 1;
        self.server_session_may_be_alive = true;
        let main = self.io.new_frame();
        let timer = self
            .io
            .start_timer(TimerPurpose::Render, self.config.request_timeout());
        let mut view = View {
            container: container.clone(),
            main: Some(main),
            main_loaded: false,
            ready: false,
            children: BTreeMap::new(),
            outbox: Vec::new(),
            render_request: Some((request, timer)),
            pending: BTreeMap::new(),
        };
        // Subscriptions outlive a re-render: the new main frame learns them once ready.
        view.outbox.extend(
            self.subscriptions
                .values()
                .map(|(_, sub)| HostMessage::Subscription(sub.clone())),
        );
        self.io.emit(Effect::CreateFrame {
            frame: main,
            kind: FrameKind::Main,
            container,
            url,
        });
        self.enter(before, Phase::Rendered(view));
        Ok(())
    }

    fn logout(&mut self, request: RequestId) {
        let before = self.state();
        match std::mem::replace(&mut self.phase, Phase::Unrendered) {
            Phase::LoggingOut(mut run) => {
                run.waiters.push(request);
                self.phase = Phase::LoggingOut(run);
            }
            Phase::Rendered(mut view) => {
                // Nothing of the session stays visible while the server answers: hide first.
                self.io.emit(Effect::HideFrames {
                    frames: view.frames(),
                });
                self.io
                    .interrupt(&mut view, |operation| SymphonyError::Interrupted {
                        operation,
                        by: "logout",
                    });
                let deadline = self
                    .io
                    .start_timer(TimerPurpose::LogoutDeadline, self.config.logout_timeout());
                let mut run = LogoutRun {
                    waiters: vec![request],
                    deadline,
                    frame_attempt: None,
                    http_attempt: None,
                    view: None,
                };
                if view.ready && view.main.is_some() {
                    let kind = ActionKind::Logout(EmptyParams {});
                    let id = self.io.new_action_id(&kind);
                    self.io
                        .emit(Effect::Post(HostMessage::Action(Action { id: id.clone(), kind })));
                    let timer = self
                        .io
                        .start_timer(TimerPurpose::LogoutFrame, self.config.frame_logout_timeout());
                    run.frame_attempt = Some((id, timer));
                } else {
                    run.http_attempt = Some(self.send_http_logout());
                }
                run.view = Some(view);
                self.enter(before, Phase::LoggingOut(run));
            }
            other @ (Phase::Unrendered | Phase::LoggedOut) => {
                self.phase = other;
                if self.server_session_may_be_alive {
                    // The frames are gone already; only the server part is left to do.
                    let deadline = self
                        .io
                        .start_timer(TimerPurpose::LogoutDeadline, self.config.logout_timeout());
                    let attempt = self.send_http_logout();
                    self.enter(
                        before,
                        Phase::LoggingOut(LogoutRun {
                            waiters: vec![request],
                            deadline,
                            frame_attempt: None,
                            http_attempt: Some(attempt),
                            view: None,
                        }),
                    );
                } else {
                    self.io.answer(request, Ok(()));
                }
            }
        }
    }

    fn send_http_logout(&mut self) -> LogoutAttemptId {
        self.io.next_attempt += 1;
        let attempt = LogoutAttemptId(self.io.next_attempt);
        self.io.emit(Effect::SendLogoutRequest {
            attempt,
            url: self.config.logout_url().to_owned(),
        });
        attempt
    }

    /// The frame did not answer the logout in time, or vanished: ask over HTTP instead.
    fn fall_back_to_http(&mut self) {
        let needs_http = match &mut self.phase {
            Phase::LoggingOut(run) if run.http_attempt.is_none() => {
                if let Some((_, timer)) = run.frame_attempt.take() {
                    self.io.cancel_timer(timer);
                }
                true
            }
            _ => false,
        };
        if needs_http {
            let attempt = self.send_http_logout();
            if let Phase::LoggingOut(run) = &mut self.phase {
                run.http_attempt = Some(attempt);
            }
        }
    }

    /// Ends the logout: removes the frames, then answers every waiter with `result`.
    /// `from_http` tells whether `result` is the HTTP request's own answer.
    fn finish_logout(&mut self, result: Result<(), SymphonyError>, from_http: bool) {
        let Phase::LoggingOut(run) = std::mem::replace(&mut self.phase, Phase::LoggedOut) else {
            return;
        };
        self.io.cancel_timer(run.deadline);
        if let Some((_, timer)) = &run.frame_attempt {
            self.io.cancel_timer(*timer);
        }
        if let (Some(attempt), false) = (run.http_attempt, from_http) {
            self.io.emit(Effect::AbortLogoutRequest { attempt });
        }
        if let Some(view) = &run.view {
            for frame in view.frames() {
                self.io.emit(Effect::RemoveFrame { frame });
            }
        }
        self.subscriptions.clear();
        self.server_session_may_be_alive = result.is_err();
        self.generation += 1;
        self.io.emit(Effect::StateChanged(SessionState::LoggedOut));
        for request in run.waiters {
            self.io.answer(request, result.clone());
        }
    }

    fn http_logout_done(&mut self, attempt: LogoutAttemptId, result: Result<(), SymphonyError>) -> bool {
        match &self.phase {
            Phase::LoggingOut(run) if run.http_attempt == Some(attempt) => {
                self.finish_logout(result, true);
                true
            }
            _ => false,
        }
    }

    fn timer_fired(&mut self, timer: TimerId) -> bool {
        let Some(purpose) = self.io.timers.remove(&timer) else {
            return false;
        };
        match purpose {
            TimerPurpose::LogoutDeadline => self.finish_logout(
                Err(SymphonyError::Timeout {
                    operation: "logout",
                    after: self.config.logout_timeout(),
                }),
                false,
            ),
            TimerPurpose::LogoutFrame => {
                if let Phase::LoggingOut(run) = &mut self.phase {
                    // The timer is already gone; forget the frame attempt, its answer is now stale.
                    run.frame_attempt = None;
                }
                self.fall_back_to_http();
            }
            TimerPurpose::Render => {
                if let Phase::Rendered(view) = &mut self.phase {
                    if let Some((request, _)) = view.render_request.take() {
                        self.io.answer(
                            request,
                            Err(SymphonyError::Timeout {
                                operation: "render",
                                after: self.config.request_timeout(),
                            }),
                        );
                    }
                }
            }
            TimerPurpose::Action(id) => {
                if let Phase::Rendered(view) = &mut self.phase {
                    if let Some(pending) = view.pending.remove(&id) {
                        self.io.answer(
                            pending.request,
                            Err(SymphonyError::Timeout {
                                operation: pending.operation,
                                after: self.config.request_timeout(),
                            }),
                        );
                    }
                }
            }
        }
        true
    }

    fn frame_loaded(&mut self, frame: FrameId) -> bool {
        let Phase::Rendered(view) = &mut self.phase else {
            return false;
        };
        if view.main == Some(frame) {
            if !view.main_loaded {
                view.main_loaded = true;
                if let Some((request, timer)) = view.render_request.take() {
                    self.io.cancel_timer(timer);
                    self.io.answer(request, Ok(()));
                }
            }
            return true;
        }
        let Some(child) = view.children.get_mut(&frame) else {
            return false;
        };
        if child.loaded {
            return true;
        }
        child.loaded = true;
        let queued = std::mem::take(&mut child.queued);
        self.io.send(
            view,
            HostMessage::Register(Register {
                iframe_id: frame.dom_id(),
            }),
        );
        for message in queued {
            if still_pending(view, &message) {
                self.io.send(view, message);
            }
        }
        true
    }

    fn frame_gone(&mut self, frame: FrameId, container_missing: bool) -> bool {
        match &mut self.phase {
            Phase::Rendered(view) if view.main == Some(frame) => {
                let mut view = view.clone();
                let container = view.container.clone();
                self.io.interrupt(&mut view, move |operation| {
                    if container_missing {
                        SymphonyError::ContainerNotFound {
                            container: container.clone(),
                        }
                    } else {
                        SymphonyError::Interrupted {
                            operation,
                            by: "removal of the main frame",
                        }
                    }
                });
                for child in view.children.keys() {
                    self.io.emit(Effect::RemoveFrame { frame: *child });
                }
                self.subscriptions.clear();
                self.generation += 1;
                self.enter(SessionState::Rendered, Phase::Unrendered);
                true
            }
            Phase::Rendered(view) => {
                let Some(child) = view.children.remove(&frame) else {
                    return false;
                };
                for message in child.queued {
                    if let HostMessage::Action(action) = message {
                        if let Some(pending) = view.pending.remove(&action.id) {
                            self.io.cancel_timer(pending.timer);
                            let error = if container_missing {
                                SymphonyError::ContainerNotFound {
                                    container: child.container.clone(),
                                }
                            } else {
                                SymphonyError::Interrupted {
                                    operation: pending.operation,
                                    by: "removal of its frame",
                                }
                            };
                            self.io.answer(pending.request, Err(error));
                        }
                    }
                }
                true
            }
            Phase::LoggingOut(run) => {
                let Some(view) = &mut run.view else {
                    return false;
                };
                if view.main == Some(frame) {
                    view.main = None;
                    let frame_pending = run.frame_attempt.is_some();
                    if frame_pending {
                        self.fall_back_to_http();
                    }
                    true
                } else {
                    view.children.remove(&frame).is_some()
                }
            }
            _ => false,
        }
    }

    fn logged_out_elsewhere(&mut self, server_confirmed: bool) -> bool {
        if server_confirmed {
            self.server_session_may_be_alive = false;
        }
        match &mut self.phase {
            Phase::Rendered(view) => {
                let mut view = view.clone();
                self.io.emit(Effect::HideFrames {
                    frames: view.frames(),
                });
                self.io
                    .interrupt(&mut view, |operation| SymphonyError::Interrupted {
                        operation,
                        by: "a logout in another tab",
                    });
                for frame in view.frames() {
                    self.io.emit(Effect::RemoveFrame { frame });
                }
                self.subscriptions.clear();
                self.generation += 1;
                self.enter(SessionState::Rendered, Phase::LoggedOut);
                true
            }
            // Our own logout is running and will answer its callers; the rest has no frames.
            Phase::LoggingOut(_) | Phase::Unrendered | Phase::LoggedOut => server_confirmed,
        }
    }

    fn message(&mut self, message: PodMessage) -> bool {
        match message {
            PodMessage::ClientReady => {
                let Phase::Rendered(view) = &mut self.phase else {
                    return false;
                };
                if view.ready {
                    // The main frame reloaded (after a sign-in): tell it again what it lost.
                    let registers: Vec<_> = view
                        .children
                        .iter()
                        .filter(|(_, child)| child.loaded)
                        .map(|(frame, _)| {
                            HostMessage::Register(Register {
                                iframe_id: frame.dom_id(),
                            })
                        })
                        .collect();
                    for message in registers {
                        self.io.emit(Effect::Post(message));
                    }
                    for (_, sub) in self.subscriptions.values() {
                        self.io.emit(Effect::Post(HostMessage::Subscription(sub.clone())));
                    }
                } else {
                    view.ready = true;
                    for message in std::mem::take(&mut view.outbox) {
                        if still_pending(view, &message) {
                            self.io.emit(Effect::Post(message));
                        }
                    }
                }
                true
            }
            PodMessage::Resolve { id, data } => match &mut self.phase {
                Phase::Rendered(view) => {
                    let Some(pending) = view.pending.remove(&id) else {
                        return false;
                    };
                    self.io.cancel_timer(pending.timer);
                    let result = match data.error {
                        None => Ok(()),
                        Some(error) => Err(SymphonyError::Pod {
                            operation: pending.operation,
                            message: error.message,
                            data: error.data,
                        }),
                    };
                    self.io.answer(pending.request, result);
                    true
                }
                Phase::LoggingOut(run) if run.frame_attempt.as_ref().is_some_and(|(a, _)| *a == id) => {
                    let result = match data.error {
                        None => Ok(()),
                        Some(error) => Err(logout_error_from_frame(error.message, error.data)),
                    };
                    self.finish_logout(result, false);
                    true
                }
                _ => false,
            },
            PodMessage::CallbackData { id, data } => {
                if !matches!(self.phase, Phase::Rendered(_)) {
                    return false;
                }
                let Some((subscription, _)) = self.subscriptions.get(&id) else {
                    return false;
                };
                self.io.emit(Effect::Notify {
                    subscription: *subscription,
                    data,
                });
                true
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn core_snapshot(&self) -> impl PartialEq + fmt::Debug {
        (
            self.phase.clone(),
            self.io.clone(),
            self.subscriptions.clone(),
            self.server_session_may_be_alive,
            self.announced_ready,
            self.generation,
        )
    }

    #[cfg(test)]
    pub(crate) fn active_timers(&self) -> Vec<TimerId> {
        self.io.timers.keys().copied().collect()
    }
}

/// Maps the main frame's answer to our `logout` action. Its error `data` may carry
/// `{"status": N}` (the pod's HTTP status) or `{"reason": "network"}`.
fn logout_error_from_frame(message: String, data: Option<Value>) -> SymphonyError {
    let status = data
        .as_ref()
        .and_then(|d| d.get("status"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    let network = data
        .as_ref()
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str)
        == Some("network");
    match (status, network) {
        (Some(status), _) => SymphonyError::ServerStatus { status },
        (None, true) => SymphonyError::Network { message },
        (None, false) => SymphonyError::Pod {
            operation: "logout",
            message,
            data,
        },
    }
}

/// Queued actions whose request was answered meanwhile (timeout) are not sent.
fn still_pending(view: &View, message: &HostMessage) -> bool {
    match message {
        HostMessage::Action(action) => view.pending.contains_key(&action.id),
        _ => true,
    }
}

/// Where an action goes.
enum Target {
    Main,
    Child(FrameId),
    NewChild(String),
}

fn resolve_target(config: &Config, view: &View, container: Option<&str>) -> Result<Target, SymphonyError> {
    let Some(container) = container else {
        return Ok(Target::Main);
    };
    validate::container(container)?;
    if container == view.container {
        return Ok(Target::Main);
    }
    if config.mode() == Mode::Collaboration {
        return Err(SymphonyError::InvalidArgument {
            argument: "container",
            reason: format!(
                "Collaboration mode shows one frame only (in {:?}); leave the container out",
                view.container
            ),
        });
    }
    Ok(view
        .children
        .iter()
        .find(|(_, child)| child.container == container)
        .map(|(frame, _)| Target::Child(*frame))
        .unwrap_or_else(|| Target::NewChild(container.to_owned())))
}

/// Where an action is finally sent.
enum Route {
    Main,
    Child(FrameId),
    /// A child frame to create first; the action waits for its load.
    Create(String, FrameId),
}

impl Route {
    /// The `container` parameter of the action: `#childId`, or none for the main frame.
    fn container_param(&self) -> Option<String> {
        match self {
            Route::Main => None,
            Route::Child(frame) | Route::Create(_, frame) => Some(format!("#{}", frame.dom_id())),
        }
    }
}

/// Actions other than open-stream need a frame that exists already.
fn existing_frame(target: Target) -> Result<Route, SymphonyError> {
    match target {
        Target::Main => Ok(Route::Main),
        Target::Child(frame) => Ok(Route::Child(frame)),
        Target::NewChild(container) => Err(SymphonyError::InvalidArgument {
            argument: "container",
            reason: format!("no chat is shown in {container:?}; open a stream there first"),
        }),
    }
}

/// Runs an action command in the Rendered phase. `Err` means "answer now with this error".
fn act(
    config: &Config,
    io: &mut Io,
    view: &mut View,
    subscriptions: &mut BTreeMap<String, (SubscriptionId, Subscription)>,
    request: RequestId,
    command: Command,
) -> Result<(), SymphonyError> {
    let operation = command.operation();
    let (kind, route) = match command {
        Command::OpenStream { stream_id, container } => {
            validate::stream_id(&stream_id)?;
            let route = match resolve_target(config, view, container.as_deref())? {
                Target::Main => Route::Main,
                Target::Child(frame) => Route::Child(frame),
                Target::NewChild(container) => Route::Create(container, io.new_frame()),
            };
            (
                ActionKind::SetStream {
                    stream_id,
                    container: route.container_param(),
                },
                route,
            )
        }
        Command::StartRoom { user_ids, container } => {
            validate::user_ids(&user_ids)?;
            let route = existing_frame(resolve_target(config, view, container.as_deref())?)?;
            let container = route.container_param();
            (ActionKind::StartRoom { user_ids, container }, route)
        }
        Command::SendMessage {
            message,
            stream_ids,
            container,
        } => {
            validate::message(&message)?;
            if stream_ids.is_empty() {
                return Err(SymphonyError::InvalidArgument {
                    argument: "stream ids",
                    reason: "give at least one stream to send the message to".to_owned(),
                });
            }
            for stream_id in &stream_ids {
                validate::stream_id(stream_id)?;
            }
            let route = existing_frame(resolve_target(config, view, container.as_deref())?)?;
            let container = route.container_param();
            (
                ActionKind::SendMessage {
                    message,
                    options: SendMessageOptions {
                        mode: "blast".to_owned(),
                        stream_ids,
                        container,
                    },
                },
                route,
            )
        }
        Command::UpdateSettings(settings) => {
            validate::settings(&settings)?;
            if settings.is_empty() {
                return Err(SymphonyError::InvalidArgument {
                    argument: "settings",
                    reason: "give at least one setting to change".to_owned(),
                });
            }
            (ActionKind::SetSettings(settings), Route::Main)
        }
        Command::Subscribe { kind, stream_id } => {
            if let Some(stream_id) = &stream_id {
                validate::stream_id(stream_id)?;
            } else if kind == NotificationKind::UnreadCountNotifications {
                return Err(SymphonyError::InvalidArgument {
                    argument: "stream id",
                    reason: "UnreadCountNotifications needs a stream id; use GlobalUnreadCountNotifications for all streams"
                        .to_owned(),
                });
            }
            let subscription = SubscriptionId(request.0);
            let id = format!("sub-{}", subscription.0);
            let sub = Subscription {
                kind,
                id: id.clone(),
                params: SubscriptionParams { stream_id },
            };
            subscriptions.insert(id, (subscription, sub.clone()));
            io.send(view, HostMessage::Subscription(sub));
            io.answer(request, Ok(()));
            return Ok(());
        }
        Command::Unsubscribe(subscription) => {
            let id = format!("sub-{}", subscription.0);
            if subscriptions.remove(&id).is_none() {
                return Err(SymphonyError::InvalidArgument {
                    argument: "subscription",
                    reason: format!("subscription {subscription} is unknown or already cancelled"),
                });
            }
            io.answer(request, Ok(()));
            return Ok(());
        }
        Command::Render { .. } | Command::Logout => {
            // Dispatched before `act`; answer rather than panic if that ever changes.
            return Err(SymphonyError::InvalidArgument {
                argument: "command",
                reason: format!("{operation} is not an action on rendered frames"),
            });
        }
    };
    let id = io.new_action_id(&kind);
    let timer = io.start_timer(TimerPurpose::Action(id.clone()), config.request_timeout());
    view.pending.insert(
        id.clone(),
        PendingAction {
            request,
            timer,
            operation,
        },
    );
    let message = HostMessage::Action(Action { id, kind });
    match route {
        Route::Main => io.send(view, message),
        Route::Child(frame) => {
            let loaded = view.children.get(&frame).is_some_and(|c| c.loaded);
            if loaded {
                io.send(view, message);
            } else if let Some(child) = view.children.get_mut(&frame) {
                child.queued.push(message);
            }
        }
        Route::Create(container, frame) => {
            view.children.insert(
                frame,
                ChildFrame {
                    container: container.clone(),
                    loaded: false,
                    queued: vec![message],
                },
            );
            io.emit(Effect::CreateFrame {
                frame,
                kind: FrameKind::Child,
                container,
                url: crate::urls::child_frame(config, frame),
            });
        }
    }
    Ok(())
}
