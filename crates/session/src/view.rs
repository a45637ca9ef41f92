//! The Rendered phase: the frames of one render, the actions waiting on them, where each
//! action is routed (the main frame, a Focus child frame, a child frame to create first),
//! and the outbox of messages waiting for `clientReady`.

use litemap::LiteMap;

use crate::config::{Config, Mode};
use crate::error::SymphonyError;
use crate::outbox::{Outbox, TimerPurpose};
use crate::protocol::chat_activity_subscription;
use crate::protocol::{
    Action, ActionKind, HostMessage, NotificationKind, Register, SendMessageOptions, Settings, Subscription,
    SubscriptionParams,
};
use crate::resolved::Resolved;
use crate::validate;
use crate::vocabulary::Work;
use crate::vocabulary::{Command, FrameId, FrameKind, RequestId, SubscriptionId, TimerId};

/// What a [`Command`] asks of the machine: the two that change the phase, or an action on
/// rendered frames. Built by an exhaustive match, so that no later match needs an arm that
/// cannot happen.
pub(crate) enum Intent {
    Render {
        container: String,
        stream_id: Option<String>,
        settings: Settings,
    },
    Logout,
    Act(ViewAction),
}

/// The commands that act on rendered frames (and answer `NotRendered` elsewhere).
pub(crate) enum ViewAction {
    OpenStream {
        stream_id: String,
        container: Option<String>,
    },
    StartRoom {
        user_ids: Vec<String>,
        container: Option<String>,
    },
    SendMessage {
        message: String,
        stream_ids: Vec<String>,
        container: Option<String>,
    },
    UpdateSettings(Settings),
    Subscribe {
        kind: NotificationKind,
        stream_id: Option<String>,
    },
    Unsubscribe(SubscriptionId),
    /// Calls Symphony documents whose wire form is not public: only sdk.js carries them.
    #[cfg_attr(not(any(test, feature = "sdk-js")), allow(dead_code))]
    CreateRoom {
        name: String,
        users: Vec<String>,
        options: serde_json::Value,
    },
    CheckAuth,
    #[cfg_attr(not(any(test, feature = "sdk-js")), allow(dead_code))]
    UpdateTheme(serde_json::Value),
}

impl ViewAction {
    /// Whether only sdk.js carries it (the built-in protocol answers `NotAvailable`).
    pub(crate) fn sdk_only(&self) -> bool {
        matches!(
            self,
            Self::CreateRoom { .. } | Self::CheckAuth | Self::UpdateTheme(_)
        )
    }
}

impl From<Command> for Intent {
    fn from(command: Command) -> Self {
        match command {
            Command::Render {
                container,
                stream_id,
                settings,
            } => Self::Render {
                container,
                stream_id,
                settings,
            },
            Command::Logout => Self::Logout,
            Command::CreateRoom { name, users, options } => {
                Self::Act(ViewAction::CreateRoom { name, users, options })
            }
            Command::CheckAuth => Self::Act(ViewAction::CheckAuth),
            Command::UpdateTheme(theme) => Self::Act(ViewAction::UpdateTheme(theme)),
            Command::OpenStream { stream_id, container } => {
                Self::Act(ViewAction::OpenStream { stream_id, container })
            }
            Command::StartRoom { user_ids, container } => {
                Self::Act(ViewAction::StartRoom { user_ids, container })
            }
            Command::SendMessage {
                message,
                stream_ids,
                container,
            } => Self::Act(ViewAction::SendMessage {
                message,
                stream_ids,
                container,
            }),
            Command::UpdateSettings(settings) => Self::Act(ViewAction::UpdateSettings(settings)),
            Command::Subscribe { kind, stream_id } => Self::Act(ViewAction::Subscribe { kind, stream_id }),
            Command::Unsubscribe(subscription) => Self::Act(ViewAction::Unsubscribe(subscription)),
        }
    }
}

/// A request waiting for the pod's `sdk-resolve`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PendingAction {
    pub request: RequestId,
    pub timer: TimerId,
    pub operation: &'static str,
    /// The child frame it targets; `None` for the main frame.
    pub frame: Option<FrameId>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ChildFrame {
    pub container: String,
    pub loaded: bool,
    /// Actions for this frame, posted once it is loaded and registered.
    pub queued: Vec<HostMessage>,
}

/// The frames of one render and what waits on them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct View {
    pub container: String,
    pub main: FrameId,
    pub main_loaded: bool,
    pub ready: bool,
    pub children: LiteMap<FrameId, ChildFrame>,
    /// Messages waiting for `clientReady`.
    pub outbox: Vec<HostMessage>,
    /// The render's caller, answered at `clientReady` (Symphony's `render` "resolves when
    /// the chat is ready").
    pub render_request: Option<RequestId>,
    /// The render's timeout, while the main frame loads: it bounds loading only.
    pub load_timer: Option<TimerId>,
    /// Started when the main frame loaded without being ready: when it fires, user
    /// interaction may be required.
    pub interaction_timer: Option<TimerId>,
    /// The main frame loaded and stayed without `clientReady` past the interaction timeout.
    pub interaction_required: bool,
    pub pending: LiteMap<String, PendingAction>,
    /// Whether the server session could be alive before this render: restored when the
    /// render turns out never to have reached the pod (its container was missing).
    pub server_session_before: bool,
    /// A child frame was created for this view (it may have reached the pod).
    pub opened_children: bool,
    /// The render's object-valued settings (the theme): sent with `set-settings` at
    /// `clientReady`, and the render answered with the pod's answer to it.
    pub settings_after_ready: Settings,
}

/// The subscriptions, by protocol id. They outlive a re-render.
pub(crate) type Subscriptions = LiteMap<String, (SubscriptionId, Subscription)>;

impl View {
    pub(crate) fn new(
        container: String,
        main: FrameId,
        render_request: (RequestId, TimerId),
        subscriptions: &Subscriptions,
        server_session_before: bool,
        settings_after_ready: Settings,
    ) -> Self {
        Self {
            container,
            main,
            main_loaded: false,
            ready: false,
            children: LiteMap::new(),
            // The new main frame learns the subscriptions once ready.
            outbox: subscriptions
                .values()
                .map(|(_, sub)| HostMessage::Subscription(sub.clone()))
                .collect(),
            render_request: Some(render_request.0),
            load_timer: Some(render_request.1),
            interaction_timer: None,
            interaction_required: false,
            pending: LiteMap::new(),
            server_session_before,
            opened_children: false,
            settings_after_ready,
        }
    }

    /// Every frame of the view in the document: the children, then the main frame.
    pub(crate) fn frames(&self) -> Vec<FrameId> {
        self.children.keys().copied().chain([self.main]).collect()
    }

    /// The loaded children's `sdk-register` messages.
    pub(crate) fn registers(&self) -> Vec<HostMessage> {
        self.children
            .iter()
            .filter(|(_, child)| child.loaded)
            .map(|(frame, _)| register(*frame))
            .collect()
    }

    /// False for a message that nobody wants any more: an action already answered (or
    /// whose frame went), a subscription cancelled, a register for a child removed.
    pub(crate) fn still_wanted(&self, subscriptions: &Subscriptions, message: &HostMessage) -> bool {
        match message {
            HostMessage::Action(action) => self.pending.contains_key(&action.id),
            HostMessage::Subscription(sub) => subscriptions.contains_key(&sub.id),
            HostMessage::Register(register) => self
                .children
                .keys()
                .any(|frame| frame.dom_id() == register.iframe_id),
        }
    }

    /// Answers everything waiting on the view with `error` and stops its timers.
    pub(crate) fn interrupt(&mut self, outbox: &mut Outbox, error: impl Fn(&'static str) -> SymphonyError) {
        for timer in [self.load_timer.take(), self.interaction_timer.take()]
            .into_iter()
            .flatten()
        {
            outbox.cancel_timer(timer);
        }
        if let Some(request) = self.render_request.take() {
            outbox.answer(request, Err(error("render")));
        }
        for (_, pending) in std::mem::take(&mut self.pending) {
            outbox.cancel_timer(pending.timer);
            outbox.answer(pending.request, Err(error(pending.operation)));
        }
    }

    /// A child frame left the document: what waited on it is answered at once with `error`,
    /// and nothing will be posted for it. False when it was not ours.
    pub(crate) fn remove_child(
        &mut self,
        outbox: &mut Outbox,
        frame: FrameId,
        error: impl Fn(&'static str, &str) -> SymphonyError,
    ) -> bool {
        let Some(child) = self.children.remove(&frame) else {
            return false;
        };
        let cut: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, pending)| pending.frame == Some(frame))
            .map(|(id, _)| id.clone())
            .collect();
        for id in cut {
            if let Some(pending) = self.pending.remove(&id) {
                outbox.cancel_timer(pending.timer);
                outbox.answer(pending.request, Err(error(pending.operation, &child.container)));
            }
        }
        true
    }
}

/// The Rendered phase's handlers: what the frames and the timers of the view report.
impl View {
    /// A frame of the view loaded; false when it is none of its frames. The main frame's
    /// first load sets the session mark and starts the wait for `clientReady`; a child's
    /// first load registers it and sends what waited for it.
    pub(crate) fn frame_loaded(
        &mut self,
        frame: FrameId,
        out: &mut Outbox,
        config: &Config,
        subscriptions: &Subscriptions,
    ) -> bool {
        if self.main == frame {
            if !self.main_loaded {
                self.main_loaded = true;
                // From here a later page must assume a session of this pod may be alive.
                out.mark_session(config);
                // Loading is over: the render now waits for `clientReady`, without a
                // timeout (the user may be signing in), and says so if it takes long.
                if let Some(timer) = self.load_timer.take() {
                    out.cancel_timer(timer);
                }
                if !self.ready {
                    let after = config.interaction_timeout();
                    self.interaction_timer = Some(out.start_timer(TimerPurpose::Interaction, after));
                }
            }
            return true;
        }
        let Some(child) = self.children.get_mut(&frame) else {
            return false;
        };
        if child.loaded {
            return true;
        }
        child.loaded = true;
        let queued = std::mem::take(&mut child.queued);
        send(out, self, register(frame));
        for message in queued {
            if self.still_wanted(subscriptions, &message) {
                send(out, self, message);
            }
        }
        true
    }

    /// The main frame said `clientReady`: the first time, the render is answered (once the
    /// theme is taken) and what waited is sent; again (the frame reloaded after a sign-in),
    /// the frame is told again what it lost.
    pub(crate) fn client_ready(&mut self, out: &mut Outbox, config: &Config, subscriptions: &Subscriptions) {
        let activity = config.idle().map(|_| chat_activity_subscription());
        if self.ready {
            let mut again = self.registers();
            again.extend(
                subscriptions
                    .values()
                    .map(|(_, sub)| HostMessage::Subscription(sub.clone())),
            );
            again.extend(activity);
            for message in again {
                out.emit(Work::Post(message));
            }
            // The theme is not in the frame's URL: a reloaded frame needs it again.
            if !self.settings_after_ready.is_empty() {
                let settings = self.settings_after_ready.clone();
                post_unanswered(out, self, ActionKind::SetSettings(settings));
            }
            return;
        }
        self.ready = true;
        self.interaction_required = false;
        if !self.main_loaded {
            // `clientReady` came before the frame's `load` event: it loaded.
            self.main_loaded = true;
            out.mark_session(config);
        }
        for timer in [self.load_timer.take(), self.interaction_timer.take()]
            .into_iter()
            .flatten()
        {
            out.cancel_timer(timer);
        }
        let theme = (!self.settings_after_ready.is_empty())
            .then(|| ActionKind::SetSettings(self.settings_after_ready.clone()));
        match (self.render_request.take(), theme) {
            (Some(request), None) => out.answer_ok(request),
            // The render is done once the pod took its theme too.
            (Some(request), Some(theme)) => post_now(config, out, self, request, "render", theme),
            // The render was answered already (its frame loaded late): the theme goes all
            // the same.
            (None, Some(theme)) => post_unanswered(out, self, theme),
            (None, None) => {}
        }
        for message in std::mem::take(&mut self.outbox) {
            if self.still_wanted(subscriptions, &message) {
                out.emit(Work::Post(message));
            }
        }
        out.emit_all(activity.map(Work::Post));
    }

    /// The main frame's answer to a pending action; false when none waits for it.
    pub(crate) fn resolved(
        &mut self,
        id: &str,
        result: Result<Resolved, (String, Option<serde_json::Value>)>,
        out: &mut Outbox,
    ) -> bool {
        let Some(pending) = self.pending.remove(id) else {
            return false;
        };
        out.cancel_timer(pending.timer);
        let result = result.map_err(|(message, data)| SymphonyError::Pod {
            operation: pending.operation,
            message,
            data,
        });
        out.answer(pending.request, result);
        true
    }

    /// The main frame did not load in time. It stays (it may load yet, and a logout still
    /// removes it), but the render is answered.
    pub(crate) fn render_timed_out(&mut self, out: &mut Outbox, config: &Config) {
        self.load_timer = None;
        if let Some(request) = self.render_request.take() {
            let error = SymphonyError::Timeout {
                operation: "render",
                after: config.request_timeout(),
            };
            out.answer(request, Err(error));
        }
    }

    /// The main frame loaded but is not ready by now: the user may have to act in it.
    pub(crate) fn interaction_timed_out(&mut self) {
        self.interaction_timer = None;
        self.interaction_required = true;
    }

    /// The action `id` got no answer in time.
    pub(crate) fn action_timed_out(&mut self, id: &str, out: &mut Outbox, config: &Config) {
        if let Some(pending) = self.pending.remove(id) {
            let error = SymphonyError::Timeout {
                operation: pending.operation,
                after: config.request_timeout(),
            };
            out.answer(pending.request, Err(error));
        }
    }
}

pub(crate) fn register(frame: FrameId) -> HostMessage {
    HostMessage::Register(Register {
        iframe_id: frame.dom_id(),
    })
}

/// Where an action is sent.
enum Route {
    Main,
    Child(FrameId),
    /// A child frame to create first, in this container; the action waits for its load.
    Create(String, FrameId),
}

impl Route {
    /// The `container` parameter of the action: `#childId`, or none for the main frame.
    fn container_param(&self) -> Option<String> {
        self.frame().map(|frame| format!("#{}", frame.dom_id()))
    }

    fn frame(&self) -> Option<FrameId> {
        match self {
            Route::Main => None,
            Route::Child(frame) | Route::Create(_, frame) => Some(*frame),
        }
    }
}

/// Where an action for `container` goes. `create` allows a new child frame (open stream
/// only); other actions need a frame that exists already.
fn route(
    config: &Config,
    outbox: &mut Outbox,
    view: &View,
    container: Option<&str>,
    create: bool,
) -> Result<Route, SymphonyError> {
    let Some(container) = container else {
        return Ok(Route::Main);
    };
    validate::container(container)?;
    if container == view.container {
        return Ok(Route::Main);
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
    if let Some((frame, _)) = view
        .children
        .iter()
        .find(|(_, child)| child.container == container)
    {
        return Ok(Route::Child(*frame));
    }
    if create {
        return Ok(Route::Create(container.to_owned(), outbox.new_frame()));
    }
    Err(SymphonyError::InvalidArgument {
        argument: "container",
        reason: format!("no chat is shown in {container:?}; open a stream there first"),
    })
}

/// Runs an action in the Rendered phase. `Err` means "answer now with this error".
pub(crate) fn act(
    config: &Config,
    outbox: &mut Outbox,
    view: &mut View,
    subscriptions: &mut Subscriptions,
    request: RequestId,
    operation: &'static str,
    action: ViewAction,
) -> Result<(), SymphonyError> {
    let (kind, route) = match action {
        ViewAction::OpenStream { stream_id, container } => {
            validate::stream_id(&stream_id)?;
            let route = route(config, outbox, view, container.as_deref(), true)?;
            let container = route.container_param();
            (ActionKind::SetStream { stream_id, container }, route)
        }
        ViewAction::StartRoom { user_ids, container } => {
            validate::user_ids(&user_ids)?;
            let route = route(config, outbox, view, container.as_deref(), false)?;
            let container = route.container_param();
            (ActionKind::StartRoom { user_ids, container }, route)
        }
        ViewAction::SendMessage {
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
            let route = route(config, outbox, view, container.as_deref(), false)?;
            let container = route.container_param();
            let options = SendMessageOptions {
                mode: "blast".to_owned(),
                stream_ids,
                container,
            };
            (ActionKind::SendMessage { message, options }, route)
        }
        ViewAction::UpdateSettings(settings) => {
            validate::settings(&settings, config.mode())?;
            if settings.is_empty() {
                return Err(SymphonyError::InvalidArgument {
                    argument: "settings",
                    reason: "give at least one setting to change".to_owned(),
                });
            }
            (ActionKind::SetSettings(settings), Route::Main)
        }
        ViewAction::Subscribe { kind, stream_id } => {
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
            let sub = Subscription {
                kind,
                id: subscription_key(subscription),
                params: SubscriptionParams { stream_id },
            };
            subscriptions.insert(sub.id.clone(), (subscription, sub.clone()));
            send(outbox, view, HostMessage::Subscription(sub));
            outbox.answer_ok(request);
            return Ok(());
        }
        ViewAction::Unsubscribe(subscription) => {
            // A queued `sdk-subscription` for it is dropped at `clientReady` (`still_wanted`).
            if subscriptions.remove(&subscription_key(subscription)).is_none() {
                return Err(SymphonyError::InvalidArgument {
                    argument: "subscription",
                    reason: format!("subscription {subscription} is unknown or already cancelled"),
                });
            }
            outbox.answer_ok(request);
            return Ok(());
        }
        ViewAction::CreateRoom { .. } | ViewAction::CheckAuth | ViewAction::UpdateTheme(_) => {
            return Err(SymphonyError::NotAvailable { operation });
        }
    };
    let message = pending_action(config, outbox, view, request, operation, kind, route.frame());
    match route {
        Route::Main => send(outbox, view, message),
        Route::Child(frame) => {
            let loaded = view.children.get(&frame).is_some_and(|child| child.loaded);
            if loaded {
                send(outbox, view, message);
            } else if let Some(child) = view.children.get_mut(&frame) {
                child.queued.push(message);
            }
        }
        Route::Create(container, frame) => {
            view.opened_children = true;
            view.children.insert(
                frame,
                ChildFrame {
                    container: container.clone(),
                    loaded: false,
                    queued: vec![message],
                },
            );
            outbox.emit(Work::CreateFrame {
                frame,
                kind: FrameKind::Child,
                container,
                url: crate::urls::child_frame(config, frame),
            });
        }
    }
    Ok(())
}

/// Posts an action to the main frame for `request` (at once if it is ready, else at
/// `clientReady`), answered by the pod's `sdk-resolve` within the request timeout.
pub(crate) fn post_now(
    config: &Config,
    outbox: &mut Outbox,
    view: &mut View,
    request: RequestId,
    operation: &'static str,
    kind: ActionKind,
) {
    let message = pending_action(config, outbox, view, request, operation, kind, None);
    send(outbox, view, message);
}

/// The action message for `request`, with its id, its timer and its place among the
/// actions waiting for the pod's answer (`frame`: the child frame it targets).
fn pending_action(
    config: &Config,
    outbox: &mut Outbox,
    view: &mut View,
    request: RequestId,
    operation: &'static str,
    kind: ActionKind,
    frame: Option<FrameId>,
) -> HostMessage {
    let id = outbox.new_action_id(&kind);
    let timer = outbox.start_timer(TimerPurpose::Action(id.clone()), config.request_timeout());
    view.pending.insert(
        id.clone(),
        PendingAction {
            request,
            timer,
            operation,
            frame,
        },
    );
    HostMessage::Action(Action { id, kind })
}

/// Posts an action nobody waits for (the theme of a render already answered, or again
/// after the frame reloaded); the pod's answer to it is counted stale.
pub(crate) fn post_unanswered(outbox: &mut Outbox, view: &mut View, kind: ActionKind) {
    let id = outbox.new_action_id(&kind);
    send(outbox, view, HostMessage::Action(Action { id, kind }));
}

/// The protocol id of a subscription.
pub(crate) fn subscription_key(subscription: SubscriptionId) -> String {
    format!("sub-{}", subscription.0)
}

/// Posts now if the main frame is ready, else queues until `clientReady`.
pub(crate) fn send(outbox: &mut Outbox, view: &mut View, message: HostMessage) {
    if view.ready {
        outbox.emit(Work::Post(message));
    } else {
        view.outbox.push(message);
    }
}
