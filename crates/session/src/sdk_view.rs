//! The Rendered phase over sdk.js ([`Transport::SdkJs`](crate::Transport::SdkJs)): the
//! render call and what waits for it, the calls in flight and their callers, and the
//! containers rendered into (hidden and emptied by a logout). Also the page's link to
//! `sdk.js`, which outlives renders: whether it is loaded, and the callbacks registered on
//! `window.symphony` (a subscription's, the chats' activity, "interaction required").

use litemap::LiteMap;
use serde_json::{Map, Value};

use crate::config::{Config, Mode};
use crate::error::SymphonyError;
use crate::outbox::{Outbox, TimerPurpose};
use crate::protocol::Settings;
use crate::resolved::Resolved;
use crate::sdk::{self, SdkCall, SdkFunction, SdkLoadFailure, SdkOutcome};
use crate::validate;
use crate::view::ViewAction;
use crate::vocabulary::{FrameId, RequestId, SdkCallId, SubscriptionId, TimerId, Work};

/// The class `render` is given: the element it renders into carries it. It is the one
/// Symphony's documentation uses as the default (`symphony-ecm`).
pub const SDK_CONTAINER_CLASS: &str = "symphony-ecm";

/// What a callback registered on `window.symphony` is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listener {
    /// An app's subscription: its data is news.
    Subscription(SubscriptionId),
    /// The machine's own `ActivityNotifications`: activity for the idle clock.
    ChatActivity,
    /// `onUserInteractionRequired`.
    InteractionRequired,
}

/// Whether `sdk.js` is on the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum SdkLoad {
    #[default]
    NotLoaded,
    /// [`Work::LoadSdk`] went out; the timer bounds the wait.
    Loading(TimerId),
    Loaded,
}

/// The page's link to `sdk.js`: it outlives renders and logouts.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SdkLink {
    pub load: SdkLoad,
    /// The callbacks registered, by the call that registered them.
    pub listeners: LiteMap<SdkCallId, Listener>,
    /// The calls not settled yet, with the function each called and the render's container.
    pub calls: LiteMap<SdkCallId, (SdkFunction, Option<String>)>,
}

/// The sdk.js transport is built in.
pub(crate) const BUILT: bool = true;

impl SdkLink {
    /// What the callback registered by `call` is for, if one is.
    pub(crate) fn listener(&self, call: SdkCallId) -> Option<Listener> {
        self.listeners.get(&call).copied()
    }

    /// Emits a call of `window.symphony`; returns its id.
    pub(crate) fn call(
        &mut self,
        out: &mut Outbox,
        function: SdkFunction,
        arguments: Vec<Value>,
        container: Option<String>,
    ) -> SdkCallId {
        let call = out.new_sdk_call();
        self.calls.insert(call, (function, container.clone()));
        out.emit(Work::CallSdk {
            call,
            request: SdkCall {
                function,
                arguments,
                container,
            },
        });
        call
    }

    /// A call settled: how, in Symphony's result shape, and which function it called;
    /// `None` for a call not in flight.
    pub(crate) fn settled(
        &mut self,
        call: SdkCallId,
        outcome: SdkOutcome,
    ) -> Option<(SdkFunction, Result<Resolved, SymphonyError>)> {
        let (function, container) = self.calls.remove(&call)?;
        let request = SdkCall {
            function,
            arguments: Vec::new(),
            container,
        };
        let result = sdk::settle(&request, outcome);
        if result.is_err() {
            // A callback that could not be registered will not be called.
            self.listeners.remove(&call);
        }
        Some((function, result))
    }

    /// Asks for `sdk.js` unless it is loaded or loading; true once it is loaded.
    pub(crate) fn ensure_loaded(&mut self, out: &mut Outbox, config: &Config) -> bool {
        match self.load {
            SdkLoad::Loaded => true,
            SdkLoad::Loading(_) => false,
            SdkLoad::NotLoaded => {
                let timer = out.start_timer(TimerPurpose::SdkLoad, config.sdk_load_timeout());
                self.load = SdkLoad::Loading(timer);
                out.emit(Work::LoadSdk {
                    url: config.sdk_url().to_owned(),
                    partner_id: config.partner_id().map(str::to_owned),
                    mode: config.mode(),
                });
                false
            }
        }
    }

    /// `sdk.js` is there: registers the "interaction required" callback. False when no
    /// load was waited for.
    pub(crate) fn loaded(&mut self, out: &mut Outbox) -> bool {
        let SdkLoad::Loading(timer) = self.load else {
            return false;
        };
        out.cancel_timer(timer);
        self.load = SdkLoad::Loaded;
        let call = self.call(
            out,
            SdkFunction::OnUserInteractionRequired,
            vec![Value::Object(Map::new())],
            None,
        );
        self.listeners.insert(call, Listener::InteractionRequired);
        true
    }

    /// Loading failed (`None`: it timed out): the error for whoever waited, or `None` when
    /// no load was waited for. The next render or logout asks again.
    pub(crate) fn load_failed(
        &mut self,
        failure: Option<SdkLoadFailure>,
        out: &mut Outbox,
        config: &Config,
    ) -> Option<SymphonyError> {
        let SdkLoad::Loading(timer) = self.load else {
            return None;
        };
        self.load = SdkLoad::NotLoaded;
        let url = config.sdk_url().to_owned();
        Some(match failure {
            None => SymphonyError::SdkLoadTimeout {
                url,
                after: config.sdk_load_timeout(),
            },
            Some(failure) => {
                out.cancel_timer(timer);
                match failure {
                    SdkLoadFailure::BlockedByCsp { directive } => {
                        SymphonyError::SdkBlockedByCsp { directive }
                    }
                    SdkLoadFailure::Failed => SymphonyError::SdkLoadFailed { url },
                    SdkLoadFailure::Conflict { found } => SymphonyError::SdkConflict { found },
                    SdkLoadFailure::Unsupported => SymphonyError::SdkUnsupported,
                }
            }
        })
    }

    /// Registers the machine's own `ActivityNotifications` callback, once per page.
    pub(crate) fn listen_for_activity(&mut self, out: &mut Outbox) {
        if self.listeners.values().any(|l| *l == Listener::ChatActivity) {
            return;
        }
        let call = self.call(
            out,
            SdkFunction::Listen,
            vec![listen_argument("ActivityNotifications", None)],
            None,
        );
        self.listeners.insert(call, Listener::ChatActivity);
    }

    /// Forgets the app's subscriptions (their callbacks stay on `window.symphony`, which has
    /// no way to remove one: what they report is dropped).
    pub(crate) fn forget_subscriptions(&mut self) {
        self.listeners
            .retain(|_, l| !matches!(l, Listener::Subscription(_)));
    }
}

/// `{type, params?}`: the object `listen` takes (the driver adds `callback`).
fn listen_argument(kind: &str, params: Option<Value>) -> Value {
    let mut object = Map::new();
    object.insert("type".into(), kind.into());
    if let Some(params) = params {
        object.insert("params".into(), params);
    }
    Value::Object(object)
}

/// By inserting rather than collecting: `FromIterator` sorts first, which brings a stable
/// sort into the build (the settings are in key order already).
fn settings_object(settings: &Settings) -> Map<String, Value> {
    let mut object = Map::new();
    for (key, value) in settings.iter() {
        object.insert(key.to_owned(), value.clone());
    }
    object
}

/// `#id` for an element id, escaped as CSSOM's `CSS.escape` does, so that any id the
/// validator accepts is one selector.
pub(crate) fn id_selector(id: &str) -> String {
    let mut out = String::from("#");
    let chars: Vec<char> = id.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let second_after_dash = i == 1 && chars[0] == '-';
        match c {
            '\0' => out.push('\u{FFFD}'),
            '\u{1}'..='\u{1f}' | '\u{7f}' => out.push_str(&format!("\\{:x} ", c as u32)),
            '0'..='9' if first || second_after_dash => out.push_str(&format!("\\{:x} ", c as u32)),
            '-' if first && chars.len() == 1 => out.push_str("\\-"),
            c if c >= '\u{80}' || c == '-' || c == '_' || c.is_ascii_alphanumeric() => out.push(c),
            c => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// A request waiting for a call to settle.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PendingCall {
    pub request: RequestId,
    pub operation: &'static str,
    pub timer: TimerId,
    /// What its success means: an answer, or a subscription made.
    pub subscribes: Option<SubscriptionId>,
}

/// A call waiting for the render to be ready.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QueuedCall {
    pub pending: PendingCall,
    pub function: SdkFunction,
    pub arguments: Vec<Value>,
}

/// One render over sdk.js and what waits on it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SdkView {
    /// Keys the idle clock (never given to a driver: sdk.js owns the frames).
    pub render_id: FrameId,
    pub container: String,
    /// Every container rendered into, the render's first.
    pub containers: Vec<String>,
    /// The render's caller and its timer, until the render call settles.
    pub render_request: Option<(RequestId, Option<TimerId>)>,
    /// `render`'s arguments, until the call goes (it waits for `sdk.js`).
    pub render_arguments: Option<Vec<Value>>,
    pub render_call: Option<SdkCallId>,
    pub ready: bool,
    pub interaction_required: bool,
    pub pending: LiteMap<SdkCallId, PendingCall>,
    /// Calls made before the render was ready, sent when it is.
    pub queued: Vec<QueuedCall>,
    /// Whether the server session could be alive before this render.
    pub server_session_before: bool,
}

impl SdkView {
    pub(crate) fn is_ready(&self) -> bool {
        self.ready
    }

    pub(crate) fn needs_interaction(&self) -> bool {
        self.interaction_required
    }

    pub(crate) fn render_id(&self) -> FrameId {
        self.render_id
    }

    pub(crate) fn containers(&self) -> &[String] {
        &self.containers
    }

    pub(crate) fn take_containers(&mut self) -> Vec<String> {
        std::mem::take(&mut self.containers)
    }

    /// Adds containers an earlier render used (sdk.js's frames may stay there).
    pub(crate) fn add_containers(&mut self, containers: Vec<String>) {
        for container in containers {
            if !self.containers.contains(&container) {
                self.containers.push(container);
            }
        }
    }

    pub(crate) fn server_session_before(&self) -> bool {
        self.server_session_before
    }

    /// A render into `container`: its arguments are ready; the call goes once `sdk.js` is.
    pub(crate) fn new(
        render_id: FrameId,
        container: String,
        stream_id: Option<String>,
        settings: &Settings,
        request: RequestId,
        server_session_before: bool,
    ) -> Self {
        let mut configuration = settings_object(settings);
        if let Some(stream_id) = stream_id {
            configuration.insert("streamId".into(), stream_id.into());
        }
        Self {
            render_id,
            containers: vec![container.clone()],
            container,
            render_request: Some((request, None)),
            render_arguments: Some(vec![SDK_CONTAINER_CLASS.into(), Value::Object(configuration)]),
            render_call: None,
            ready: false,
            interaction_required: false,
            pending: LiteMap::new(),
            queued: Vec::new(),
            server_session_before,
        }
    }

    /// Makes the render call (`sdk.js` is loaded), bounded by the request timeout until
    /// it resolves or the user is asked to act.
    pub(crate) fn call_render(&mut self, out: &mut Outbox, link: &mut SdkLink, config: &Config) {
        let Some(arguments) = self.render_arguments.take() else {
            return;
        };
        out.mark_session(config);
        self.render_call = Some(link.call(out, SdkFunction::Render, arguments, Some(self.container.clone())));
        if let Some((_, timer)) = &mut self.render_request {
            *timer = Some(out.start_timer(TimerPurpose::Render, config.request_timeout()));
        }
    }

    /// `sdk.js` asks for the user (sign-in, EULA): the render waits for them without a
    /// timeout, and the app is told to show the chat.
    pub(crate) fn interaction_required(&mut self, out: &mut Outbox) {
        if self.ready {
            return;
        }
        self.interaction_required = true;
        if let Some((_, timer)) = &mut self.render_request {
            if let Some(timer) = timer.take() {
                out.cancel_timer(timer);
            }
        }
    }

    /// The render did not resolve in time: answered with a timeout; the view stays, and a
    /// late success still makes it ready.
    pub(crate) fn render_timed_out(&mut self, out: &mut Outbox, config: &Config) {
        if let Some((request, _)) = self.render_request.take() {
            let error = SymphonyError::Timeout {
                operation: "render",
                after: config.request_timeout(),
            };
            out.answer(request, Err(error));
        }
    }

    /// The render call settled. True when it was the render's.
    pub(crate) fn render_settled(
        &mut self,
        call: SdkCallId,
        result: Result<Resolved, SymphonyError>,
        out: &mut Outbox,
        link: &mut SdkLink,
        config: &Config,
    ) -> bool {
        if self.render_call != Some(call) {
            return false;
        }
        self.render_call = None;
        let answer = self.render_request.take();
        if let Some((_, Some(timer))) = answer {
            out.cancel_timer(timer);
        }
        match result {
            Ok(_) => {
                self.ready = true;
                self.interaction_required = false;
                if let Some((request, _)) = answer {
                    out.answer_ok(request);
                }
                for queued in std::mem::take(&mut self.queued) {
                    let id = link.call(out, queued.function, queued.arguments, None);
                    self.pending.insert(id, queued.pending);
                }
                if config.idle().is_some() {
                    link.listen_for_activity(out);
                }
            }
            Err(error) => {
                if let Some((request, _)) = answer {
                    out.answer(request, Err(error));
                }
            }
        }
        true
    }

    /// An action on the rendered chats: validated, then called (queued until the render is
    /// ready). `Unsubscribe` is answered at once.
    pub(crate) fn act(
        &mut self,
        out: &mut Outbox,
        link: &mut SdkLink,
        config: &Config,
        request: RequestId,
        operation: &'static str,
        action: ViewAction,
    ) -> Result<(), SymphonyError> {
        let mut subscribes = None;
        let (function, arguments) = match action {
            ViewAction::OpenStream { stream_id, container } => {
                validate::stream_id(&stream_id)?;
                let mut arguments = vec![Value::String(stream_id)];
                arguments.extend(self.selector(container, config)?);
                (SdkFunction::OpenStream, arguments)
            }
            ViewAction::StartRoom { user_ids, container } => {
                validate::user_ids(&user_ids)?;
                let mut arguments = vec![Value::Array(user_ids.into_iter().map(Value::String).collect())];
                arguments.extend(self.selector(container, config)?);
                (SdkFunction::StartRoom, arguments)
            }
            ViewAction::SendMessage {
                message,
                stream_ids,
                container,
            } => {
                validate::message(&message)?;
                for stream_id in &stream_ids {
                    validate::stream_id(stream_id)?;
                }
                let mut options = Map::new();
                options.insert("mode".into(), "blast".into());
                options.insert(
                    "streamIds".into(),
                    Value::Array(stream_ids.into_iter().map(Value::String).collect()),
                );
                if let Some(selector) = self.selector(container, config)? {
                    options.insert("container".into(), selector);
                }
                (
                    SdkFunction::SendMessage,
                    vec![Value::String(message), Value::Object(options)],
                )
            }
            ViewAction::UpdateSettings(settings) => {
                validate::settings(&settings, config.mode())?;
                (
                    SdkFunction::UpdateSettings,
                    vec![Value::Object(settings_object(&settings))],
                )
            }
            ViewAction::Subscribe { kind, stream_id } => {
                if let Some(stream_id) = &stream_id {
                    validate::stream_id(stream_id)?;
                }
                let params = stream_id.map(|id| {
                    let mut params = Map::new();
                    params.insert("streamId".into(), id.into());
                    Value::Object(params)
                });
                subscribes = Some(SubscriptionId(request.0));
                (SdkFunction::Listen, vec![listen_argument(kind.as_str(), params)])
            }
            ViewAction::Unsubscribe(subscription) => {
                // `window.symphony` cannot remove a callback: what it reports is dropped.
                let listening = link
                    .listeners
                    .values()
                    .any(|l| *l == Listener::Subscription(subscription));
                link.listeners
                    .retain(|_, l| *l != Listener::Subscription(subscription));
                let mut waiting = false;
                for (_, pending) in self.pending.iter_mut() {
                    if pending.subscribes == Some(subscription) {
                        pending.subscribes = None;
                        waiting = true;
                    }
                }
                for queued in &mut self.queued {
                    if queued.pending.subscribes == Some(subscription) {
                        queued.pending.subscribes = None;
                        waiting = true;
                    }
                }
                if !listening && !waiting {
                    return Err(SymphonyError::InvalidArgument {
                        argument: "subscription",
                        reason: format!("subscription {subscription} is unknown or already cancelled"),
                    });
                }
                out.answer_ok(request);
                return Ok(());
            }
            ViewAction::CreateRoom { name, users, options } => {
                validate::user_ids(&users)?;
                if name.trim().is_empty() {
                    return Err(SymphonyError::InvalidArgument {
                        argument: "room name",
                        reason: "the room name is empty".into(),
                    });
                }
                let options = match options {
                    Value::Null => Value::Object(Map::new()),
                    object @ Value::Object(_) => object,
                    _ => {
                        return Err(SymphonyError::InvalidArgument {
                            argument: "room options",
                            reason: "Symphony's room options are a JSON object".into(),
                        })
                    }
                };
                let users = Value::Array(users.into_iter().map(Value::String).collect());
                (SdkFunction::CreateRoom, vec![Value::String(name), users, options])
            }
            ViewAction::CheckAuth => (SdkFunction::CheckAuth, Vec::new()),
            ViewAction::UpdateTheme(theme) => {
                if config.mode() != Mode::Focus {
                    return Err(SymphonyError::InvalidArgument {
                        argument: "theme",
                        reason: "updateTheme is for Focus mode only".into(),
                    });
                }
                if !theme.is_object() {
                    return Err(SymphonyError::InvalidArgument {
                        argument: "theme",
                        reason: "a theme is a JSON object of colours".into(),
                    });
                }
                (SdkFunction::UpdateTheme, vec![theme])
            }
        };
        let pending = PendingCall {
            request,
            operation,
            timer: out.start_timer(TimerPurpose::SdkCall(request), config.request_timeout()),
            subscribes,
        };
        if self.ready {
            let id = link.call(out, function, arguments, None);
            self.pending.insert(id, pending);
        } else {
            self.queued.push(QueuedCall {
                pending,
                function,
                arguments,
            });
        }
        Ok(())
    }

    /// The selector argument for a container: none for the render's (the main chat), else
    /// `#id` (Focus mode only: Collaboration shows one chat).
    fn selector(
        &mut self,
        container: Option<String>,
        config: &Config,
    ) -> Result<Option<Value>, SymphonyError> {
        let Some(container) = container else {
            return Ok(None);
        };
        validate::container(&container)?;
        if container == self.container {
            return Ok(None);
        }
        if config.mode() == Mode::Collaboration {
            return Err(SymphonyError::InvalidArgument {
                argument: "container",
                reason: format!(
                    "Collaboration mode shows one chat only (in {:?}); leave the container out",
                    self.container
                ),
            });
        }
        if !self.containers.contains(&container) {
            self.containers.push(container.clone());
        }
        Ok(Some(Value::String(id_selector(&container))))
    }

    /// A call of an action settled: its caller is answered. False when none waits for it.
    pub(crate) fn action_settled(
        &mut self,
        call: SdkCallId,
        result: Result<Resolved, SymphonyError>,
        out: &mut Outbox,
        link: &mut SdkLink,
    ) -> bool {
        let Some(pending) = self.pending.remove(&call) else {
            return false;
        };
        out.cancel_timer(pending.timer);
        if let (Some(subscription), Ok(_)) = (pending.subscribes, &result) {
            link.listeners.insert(call, Listener::Subscription(subscription));
        }
        out.answer(pending.request, result);
        true
    }

    /// The action of `request` got no answer in time.
    pub(crate) fn action_timed_out(&mut self, request: RequestId, out: &mut Outbox, config: &Config) {
        let error = |operation| SymphonyError::Timeout {
            operation,
            after: config.request_timeout(),
        };
        if let Some(call) = self
            .pending
            .iter()
            .find(|(_, p)| p.request == request)
            .map(|(c, _)| *c)
        {
            if let Some(pending) = self.pending.remove(&call) {
                out.answer(pending.request, Err(error(pending.operation)));
            }
        } else if let Some(at) = self.queued.iter().position(|q| q.pending.request == request) {
            let queued = self.queued.remove(at);
            out.answer(request, Err(error(queued.pending.operation)));
        }
    }

    /// Ends what waits on the view with `error` (a logout, a new render, another tab's
    /// logout): the render's caller, the calls in flight (their answers become stale) and
    /// the queued ones.
    pub(crate) fn interrupt(&mut self, out: &mut Outbox, error: impl Fn(&'static str) -> SymphonyError) {
        if let Some((request, timer)) = self.render_request.take() {
            if let Some(timer) = timer {
                out.cancel_timer(timer);
            }
            out.answer(request, Err(error("render")));
        }
        self.render_call = None;
        for (_, pending) in std::mem::take(&mut self.pending).into_iter() {
            out.cancel_timer(pending.timer);
            out.answer(pending.request, Err(error(pending.operation)));
        }
        for queued in std::mem::take(&mut self.queued) {
            out.cancel_timer(queued.pending.timer);
            out.answer(queued.pending.request, Err(error(queued.pending.operation)));
        }
    }
}
