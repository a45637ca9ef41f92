//! The session: dispatch of commands and events to the phase they concern. Its phases'
//! runs live in the submodules: the logout ([`logout`]) and the idle clock ([`idle`]); the
//! Rendered phase is the [`View`].

mod idle;
mod logout;

use litemap::LiteMap;

use crate::config::Config;
use crate::error::SymphonyError;
use crate::outbox::{Outbox, TimerPurpose};
use crate::protocol::{session_mark_key, PodMessage, TabMessage};
use crate::resolved::Resolved;
use crate::view::{self, Intent, Subscriptions, View};
use crate::vocabulary::{
    Command, Diagnostics, Effect, Event, FrameId, FrameKind, LogoutReason, RequestId, SessionState,
    StoredMark, TimerId,
};
use crate::vocabulary::{News, Work};

use crate::config::Transport;
use crate::sdk_view::{Listener, SdkLink, SdkView};
use idle::{ClaimAnswer, IdleClock};
use logout::{LogoutRun, Next, Performer, Shown};

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Phase {
    Unrendered,
    Rendered(View),
    /// Rendered over sdk.js ([`Transport::SdkJs`](crate::Transport::SdkJs)).
    #[cfg_attr(not(any(test, feature = "sdk-js")), allow(dead_code))]
    SdkRendered(SdkView),
    LoggingOut(LogoutRun),
    LoggedOut,
}

/// The session state machine. See the [crate documentation](crate) for the driver contract
/// and an example.
///
/// Feed it [`Command`]s ([`Session::handle_command`]) and [`Event`]s
/// ([`Session::handle_event`]); drain [`Effect`]s with [`Session::poll_effect`] after each.
#[derive(Clone, Debug)]
pub struct Session {
    pub(crate) config: Config,
    pub(crate) phase: Phase,
    pub(crate) outbox: Outbox,
    pub(crate) subscriptions: Subscriptions,
    /// See [`Session::server_session_may_be_alive`].
    pub(crate) server_session_may_be_alive: bool,
    /// The readiness last announced with [`News::ReadyChanged`].
    announced_ready: bool,
    /// What [`News::InteractionRequiredChanged`] last announced.
    announced_interaction: bool,
    /// What [`News::LoadedChanged`] last announced.
    announced_loaded: bool,
    diagnostics: Diagnostics,
    /// The idle clock (see [`crate::IdlePolicy`]).
    pub(crate) idle: IdleClock,
    /// See [`Session::logout_reason`].
    pub(crate) logout_reason: Option<LogoutReason>,
    /// Logouts asked in a page that never rendered, waiting for the storage to tell
    /// whether an earlier page left a session ([`Work::ReadSessionMark`]).
    pub(crate) mark_waiters: Vec<RequestId>,
    /// The page's link to sdk.js ([`Transport::SdkJs`]).
    sdk: SdkLink,
}

impl Session {
    /// A session in the `Unrendered` state.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            phase: Phase::Unrendered,
            outbox: Outbox::default(),
            subscriptions: LiteMap::new(),
            server_session_may_be_alive: false,
            announced_ready: false,
            announced_interaction: false,
            announced_loaded: false,
            diagnostics: Diagnostics::default(),
            idle: IdleClock::default(),
            logout_reason: None,
            mark_waiters: Vec::new(),
            sdk: SdkLink::default(),
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
            Phase::Rendered(_) | Phase::SdkRendered(_) => SessionState::Rendered,
            Phase::LoggingOut(_) => SessionState::LoggingOut,
            Phase::LoggedOut => SessionState::LoggedOut,
        }
    }

    /// True once the current render's main frame has loaded (its `load` event, or
    /// `clientReady` if that came first): the pod's page is showing, perhaps its sign-in
    /// page. Child chats can be opened from here on. Over sdk.js, which tells no frame
    /// loads: once its render resolved, or it asked for the user (its sign-in page shows).
    pub fn is_loaded(&self) -> bool {
        match &self.phase {
            Phase::Rendered(view) => view.main_loaded || view.ready,
            Phase::SdkRendered(view) => view.is_ready() || view.needs_interaction(),
            _ => false,
        }
    }

    /// True when the main frame has said `clientReady` (loaded, user signed in).
    pub fn is_ready(&self) -> bool {
        match &self.phase {
            Phase::Rendered(view) => view.ready,
            Phase::SdkRendered(view) => view.is_ready(),
            _ => false,
        }
    }

    /// True when the main frame loaded but has not said `clientReady` within the
    /// interaction timeout ([`Config::interaction_timeout`]): the user most likely has to
    /// act in it (sign in, accept the EULA or terms), so an app that kept the chat hidden
    /// should show it. Symphony's SDK reports this with `onUserInteractionRequired`, whose
    /// wire form is not public: here it is this library's heuristic. False again once the
    /// frame is ready, and outside `Rendered`.
    pub fn interaction_required(&self) -> bool {
        match &self.phase {
            Phase::Rendered(view) => view.interaction_required,
            Phase::SdkRendered(view) => view.needs_interaction(),
            _ => false,
        }
    }

    /// Frames currently in the document (created and not yet removed).
    pub fn frames(&self) -> Vec<FrameId> {
        match &self.phase {
            Phase::Rendered(view) => view.frames(),
            Phase::LoggingOut(run) => run.frames().to_vec(),
            Phase::SdkRendered(_) | Phase::Unrendered | Phase::LoggedOut => Vec::new(),
        }
    }

    /// Over sdk.js ([`Transport::SdkJs`](crate::Transport::SdkJs)): the containers rendered
    /// into, while the frames `sdk.js` made there may be in the document (rendered, or
    /// logging out). A driver that goes with the session empties them, as it removes its
    /// own [`Session::frames`].
    pub fn sdk_containers(&self) -> Vec<String> {
        match &self.phase {
            Phase::SdkRendered(view) => view.containers().to_vec(),
            Phase::LoggingOut(run) => run.containers().to_vec(),
            Phase::Rendered(_) | Phase::Unrendered | Phase::LoggedOut => Vec::new(),
        }
    }

    /// The main frame, while there is one.
    pub fn main_frame(&self) -> Option<FrameId> {
        match &self.phase {
            Phase::Rendered(view) => Some(view.main),
            Phase::LoggingOut(run) => run.main(),
            Phase::SdkRendered(_) | Phase::Unrendered | Phase::LoggedOut => None,
        }
    }

    /// Whether a [`Command::Logout`] now would ask the pod to end the session.
    ///
    /// True from the moment a frame of ours may have reached the pod (a render whose main
    /// frame got into the document) until a logout's server part of this session succeeds.
    /// Only this session's own server answer clears it: a logout reported by another tab
    /// ([`Event::TabMessage`]) removes the frames but leaves it set, because such a report
    /// cannot be verified. A logout asked before anything rendered sets it when the storage
    /// holds an earlier page's mark of this pod ([`Work::ReadSessionMark`]) or cannot be
    /// read. A render whose container was missing leaves it as it was, unless
    /// something of it may have reached the pod first (its main frame loaded, a child frame
    /// was created, or a newer render replaced it before the driver reported the container
    /// missing): what cannot be told apart counts as reached (fail closed).
    pub fn server_session_may_be_alive(&self) -> bool {
        self.server_session_may_be_alive
    }

    /// Why the session is logging out or logged out; `None` before the first logout and
    /// after a new render.
    pub fn logout_reason(&self) -> Option<LogoutReason> {
        self.logout_reason
    }

    /// The deadline of the idle warning standing now (the moment the idle logout will be
    /// due), as the last [`News::IdleWarningStarted`] or [`News::IdleWarningCleared`]
    /// told it; `None` without a warning.
    pub fn idle_warning(&self) -> Option<crate::Timestamp> {
        self.idle.warning()
    }

    /// What was ignored so far.
    pub fn diagnostics(&self) -> Diagnostics {
        self.diagnostics
    }

    /// The next effect to carry out (or news to pass on), or `None` when there is nothing
    /// left. Poll until `None` after every command and event.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.outbox.effects.pop_front()
    }

    /// Takes a command; its answer comes later (or at once) as [`News::Answer`] with the
    /// returned id.
    pub fn handle_command(&mut self, command: Command) -> RequestId {
        self.outbox.next_request += 1;
        let request = RequestId(self.outbox.next_request);
        let operation = command.operation();
        match Intent::from(command) {
            Intent::Logout => self.logout(request),
            Intent::Render {
                container,
                stream_id,
                settings,
            } => {
                if let Err(err) = self.render(request, container, stream_id, settings) {
                    self.outbox.answer(request, Err(err));
                }
            }
            Intent::Act(action) if action.sdk_only() && self.config.transport() == Transport::BuiltIn => {
                // Symphony publishes no wire form for it: in any state.
                self.outbox
                    .answer(request, Err(SymphonyError::NotAvailable { operation }));
            }
            Intent::Act(action) => {
                let result = match &mut self.phase {
                    Phase::SdkRendered(view) => view.act(
                        &mut self.outbox,
                        &mut self.sdk,
                        &self.config,
                        request,
                        operation,
                        action,
                    ),
                    Phase::Rendered(view) => view::act(
                        &self.config,
                        &mut self.outbox,
                        view,
                        &mut self.subscriptions,
                        request,
                        operation,
                        action,
                    ),
                    Phase::Unrendered | Phase::LoggingOut(_) | Phase::LoggedOut => {
                        Err(SymphonyError::NotRendered { operation })
                    }
                };
                if let Err(err) = result {
                    self.outbox.answer(request, Err(err));
                }
            }
        }
        self.announce_readiness();
        self.sync_idle();
        request
    }

    /// Takes an event. Events about something no longer current are counted
    /// ([`Diagnostics::stale_events`]) and change nothing.
    pub fn handle_event(&mut self, event: Event) {
        // Without the built-in protocol the session has no frame of its own, no message
        // listener and no HTTP step: such an event is nothing of this session's (and the
        // protocol's handlers stay out of the build).
        if !crate::config::BUILT_IN && event.is_built_in_protocol() {
            self.diagnostics.stale_events += 1;
            return;
        }
        let handled = match event {
            Event::FrameLoaded(frame) => self.frame_loaded(frame),
            Event::FrameContainerMissing(frame) => self.frame_gone(frame, Gone::ContainerMissing),
            Event::FrameRemoved(frame) => self.frame_gone(frame, Gone::Removed),
            Event::FrameBlockedByCsp { frame, directive } => self.frame_blocked(frame, directive),
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
                self.step_logout(|run, out, config, link| run.http_done(attempt, result, out, config, link))
            }
            Event::LogoutFailed { attempt, message } => {
                let result = Err(SymphonyError::Network { message });
                self.step_logout(|run, out, config, link| run.http_done(attempt, result, out, config, link))
            }
            Event::TimerFired(timer) => self.timer_fired(timer),
            Event::TabMessage { message, heard_at } => match TabMessage::read(&message) {
                Some(TabMessage::LoggedOut { pod, ok, reason }) => {
                    pod == self.config.pod_origin() && self.logged_out_elsewhere(ok, reason)
                }
                Some(TabMessage::Activity { pod, at }) => {
                    if pod == self.config.pod_origin() {
                        let at = crate::Timestamp(at).min(heard_at);
                        self.idle
                            .activity(at, Some(heard_at), &mut self.outbox, &self.config);
                    }
                    true
                }
                None => {
                    self.diagnostics.malformed_messages += 1;
                    true
                }
            },
            Event::Activity { at } => {
                self.idle.activity(at, None, &mut self.outbox, &self.config);
                true
            }
            Event::IdleCheck { now } => {
                self.idle.check(now, &mut self.outbox, &self.config);
                true
            }
            Event::IdleLogoutClaimed { deadline, granted } => {
                let answer = self
                    .idle
                    .claimed(deadline, granted, &mut self.outbox, &self.config);
                self.idle_claim_answered(answer)
            }
            Event::SessionMarkRead(mark) => self.session_mark_read(mark),
            Event::SdkLoaded => self.sdk_loaded(),
            Event::SdkLoadFailed(failure) => self.sdk_load_failed(Some(failure)),
            Event::SdkSettled { call, outcome } => self.sdk_settled(call, outcome),
            Event::SdkCallback { call, data } => self.sdk_callback(call, data),
        };
        if !handled {
            self.diagnostics.stale_events += 1;
        }
        self.announce_readiness();
        self.sync_idle();
    }

    /// Keeps the idle clock running exactly while the session is `Rendered` (a new render
    /// restarts it), or `Unrendered` after a render while the pod session may be alive (the
    /// main frame left the page, a chat route unmounted: the clock of its render runs on,
    /// and logs out over HTTP when due). Called after every input.
    fn sync_idle(&mut self) {
        if self.config.idle().is_none() {
            return;
        }
        let wanted = match &self.phase {
            Phase::Rendered(view) => Some(view.main),
            Phase::SdkRendered(view) => Some(view.render_id()),
            Phase::Unrendered if self.server_session_may_be_alive => self.idle.running_for(),
            Phase::Unrendered | Phase::LoggingOut(_) | Phase::LoggedOut => None,
        };
        self.idle.sync(wanted, &mut self.outbox);
    }

    /// Acts on the answer to the idle logout's claim; false when it answered none waiting.
    fn idle_claim_answered(&mut self, answer: ClaimAnswer) -> bool {
        match answer {
            ClaimAnswer::NotWaited => false,
            ClaimAnswer::Outdated => true,
            ClaimAnswer::LogOut(performer) => {
                self.begin_logout(None, LogoutReason::Idle, performer);
                true
            }
        }
    }

    /// Emits [`News::LoadedChanged`], [`News::ReadyChanged`] and
    /// [`News::InteractionRequiredChanged`] when they differ from what was last announced.
    fn announce_readiness(&mut self) {
        let loaded = self.is_loaded();
        if loaded != self.announced_loaded {
            self.announced_loaded = loaded;
            self.outbox.emit(News::LoadedChanged(loaded));
        }
        let ready = self.is_ready();
        if ready != self.announced_ready {
            self.announced_ready = ready;
            self.outbox.emit(News::ReadyChanged(ready));
        }
        let required = self.interaction_required();
        if required != self.announced_interaction {
            self.announced_interaction = required;
            self.outbox.emit(News::InteractionRequiredChanged(required));
        }
    }

    /// Emits [`News::StateChanged`] when the state differs from `before`.
    pub(crate) fn announce_state(&mut self, before: SessionState) {
        let after = self.state();
        if before != after {
            self.state_news(before, after);
        }
    }

    /// The news of a state change from `before` to `after`, preceded by the work of
    /// listening when that changes: the driver hears the main frame's messages exactly while
    /// the state is `Rendered` or `LoggingOut`.
    pub(crate) fn state_news(&mut self, before: SessionState, after: SessionState) {
        let built_in = self.config.transport() == Transport::BuiltIn;
        let listens = |state| built_in && matches!(state, SessionState::Rendered | SessionState::LoggingOut);
        match (listens(before), listens(after)) {
            (false, true) => self.outbox.emit(Work::ListenForMessages),
            (true, false) => self.outbox.emit(Work::StopListeningForMessages),
            _ => {}
        }
        self.outbox.emit(News::StateChanged(after));
    }

    /// Ends a view other than by our own logout: answers what waits on it with `error`, and
    /// removes its frames (all but `gone`, already out). The one teardown of a view: a new
    /// render, the main frame gone, another tab's logout.
    fn tear_down(
        &mut self,
        mut view: View,
        gone: Option<FrameId>,
        error: impl Fn(&'static str) -> SymphonyError,
    ) {
        let frames: Vec<FrameId> = view.frames().into_iter().filter(|f| Some(*f) != gone).collect();
        view.interrupt(&mut self.outbox, error);
        self.outbox.remove_frames(frames);
    }

    fn render(
        &mut self,
        request: RequestId,
        container: String,
        stream_id: Option<String>,
        settings: crate::protocol::Settings,
    ) -> Result<(), SymphonyError> {
        crate::validate::container(&container)?;
        if let Some(stream_id) = &stream_id {
            crate::validate::stream_id(stream_id)?;
        }
        crate::validate::settings(&settings, self.config.mode())?;
        let before = self.state();
        if self.config.transport() == Transport::SdkJs {
            if matches!(self.phase, Phase::LoggingOut(_)) {
                return Err(SymphonyError::LogoutInProgress);
            }
            #[cfg(not(any(test, feature = "sdk-js")))]
            return Err(SymphonyError::SdkUnsupported);
            #[cfg(any(test, feature = "sdk-js"))]
            {
                self.render_sdk(request, container, stream_id, &settings, before);
                return Ok(());
            }
        }
        // Scalars go in the URL; an object (the theme) once the frame is ready.
        let (settings, after_ready) = settings.split_objects();
        let url = crate::urls::main_frame(&self.config, stream_id.as_deref(), &settings)?;
        if matches!(self.phase, Phase::LoggingOut(_)) {
            return Err(SymphonyError::LogoutInProgress);
        }
        // The view shown ends first (Unrendered, not announced), then the new one starts.
        match std::mem::replace(&mut self.phase, Phase::Unrendered) {
            Phase::LoggingOut(_) => unreachable!("refused above"),
            Phase::SdkRendered(mut old) => {
                old.interrupt(&mut self.outbox, |operation| SymphonyError::Interrupted {
                    operation,
                    by: "a new render",
                })
            }
            Phase::Rendered(old) => {
                let interrupted = |operation| SymphonyError::Interrupted {
                    operation,
                    by: "a new render",
                };
                self.tear_down(old, None, interrupted);
            }
            Phase::Unrendered | Phase::LoggedOut => self.subscriptions.clear(),
        }
        self.logout_reason = None;
        let main = self.outbox.new_frame();
        let timer = self
            .outbox
            .start_timer(TimerPurpose::Render, self.config.request_timeout());
        self.phase = Phase::Rendered(View::new(
            container.clone(),
            main,
            (request, timer),
            &self.subscriptions,
            self.server_session_may_be_alive,
            after_ready,
        ));
        // Fail closed: from here the pod may be reached, until the container proves missing.
        self.server_session_may_be_alive = true;
        self.outbox.emit(Work::CreateFrame {
            frame: main,
            kind: FrameKind::Main,
            container,
            url,
        });
        self.announce_state(before);
        Ok(())
    }

    fn logout(&mut self, request: RequestId) {
        self.begin_logout(Some(request), LogoutReason::Requested, Performer::ThisTab);
    }

    /// Starts a logout (or joins the one running), for a caller (`request`) or for the idle
    /// policy (none), performed here or by another tab that holds the idle claim.
    fn begin_logout(&mut self, request: Option<RequestId>, reason: LogoutReason, performer: Performer) {
        let before = self.state();
        let shown = match &mut self.phase {
            Phase::LoggingOut(_) => {
                self.step_logout(|run, out, config, link| Some(run.join(request, out, config, link)));
                return;
            }
            Phase::Rendered(view) => {
                // Nothing of the session stays visible while the server answers: hide first.
                let frames = view.frames();
                self.outbox.emit(Work::HideFrames {
                    frames: frames.clone(),
                });
                view.interrupt(&mut self.outbox, |operation| SymphonyError::Interrupted {
                    operation,
                    by: "logout",
                });
                Shown {
                    main: Some(view.main),
                    frames,
                    main_ready: view.ready,
                    containers: Vec::new(),
                }
            }
            Phase::SdkRendered(view) => {
                let containers = view.containers().to_vec();
                self.outbox.emit(Work::HideContainedFrames {
                    containers: containers.clone(),
                });
                view.interrupt(&mut self.outbox, |operation| SymphonyError::Interrupted {
                    operation,
                    by: "logout",
                });
                Shown {
                    containers,
                    ..Shown::default()
                }
            }
            Phase::Unrendered | Phase::LoggedOut if !self.server_session_may_be_alive => {
                let Some(request) = request else {
                    return;
                };
                // Nothing of this page may be alive (never rendered, or its own logout was
                // confirmed), but another page of this browser may hold a session of the
                // pod (an earlier page, or another tab signed in since): the storage tells.
                if self.mark_waiters.is_empty() {
                    let key = session_mark_key(self.config.pod_origin());
                    self.outbox.emit(Work::ReadSessionMark { key });
                }
                self.mark_waiters.push(request);
                return;
            }
            // The frames are gone already; only the server part is left to do (for a
            // caller, or for the idle clock that ran on after the main frame left).
            Phase::Unrendered | Phase::LoggedOut => Shown::default(),
        };
        let waiters = request.into_iter().collect();
        let run = LogoutRun::new(waiters, shown, performer, &mut self.outbox, &self.config);
        self.phase = Phase::LoggingOut(run);
        self.logout_reason = Some(reason);
        // Told before the pod is asked: asking may end the logout at once (nothing can be
        // sent), and its end must come after its start.
        self.announce_state(before);
        self.step_logout(|run, out, config, link| Some(run.start(out, config, link)));
    }

    /// The storage answered [`Work::ReadSessionMark`]: the logouts that waited for it
    /// ask the pod over HTTP when an earlier page may have left a session (or the storage
    /// could not tell), else they are answered `{}`. False when nobody waited.
    fn session_mark_read(&mut self, mark: StoredMark) -> bool {
        let waiters = std::mem::take(&mut self.mark_waiters);
        if waiters.is_empty() {
            return false;
        }
        match self.phase {
            Phase::Unrendered | Phase::LoggedOut => {
                if mark != StoredMark::Absent {
                    self.server_session_may_be_alive = true;
                }
                for request in waiters {
                    if self.server_session_may_be_alive {
                        self.logout(request);
                    } else {
                        self.outbox.answer_ok(request);
                    }
                }
            }
            // A render came first: these logouts were asked before it, not of it.
            Phase::Rendered(_) | Phase::SdkRendered(_) => {
                for request in waiters {
                    let error = SymphonyError::Interrupted {
                        operation: "logout",
                        by: "a new render",
                    };
                    self.outbox.answer(request, Err(error));
                }
            }
            // A render and a logout came first: join it.
            Phase::LoggingOut(_) => {
                for request in waiters {
                    self.logout(request);
                }
            }
        }
        true
    }

    /// Runs a step of the logout run, if one runs, and acts on what it says next. False
    /// when no run is in progress or the step concerned nothing of it (stale).
    fn step_logout(
        &mut self,
        step: impl FnOnce(&mut LogoutRun, &mut Outbox, &Config, &mut SdkLink) -> Option<Next>,
    ) -> bool {
        let next = match &mut self.phase {
            Phase::LoggingOut(run) => step(run, &mut self.outbox, &self.config, &mut self.sdk),
            _ => None,
        };
        self.after_logout_step(next)
    }

    /// Acts on what a step of the logout run said (one copy for every kind of step: the
    /// step itself is generic, this is not).
    #[inline(never)]
    fn after_logout_step(&mut self, next: Option<Next>) -> bool {
        match next {
            None => return false,
            Some(Next::Runs) => {}
            Some(Next::Ends(result)) => self.end_logout(result),
            Some(Next::FollowedEnds) => self.end_followed_logout(),
        }
        true
    }

    /// Ends our logout run: removes the frames, tells the other tabs, then answers every
    /// caller with the same result.
    fn end_logout(&mut self, result: Result<(), SymphonyError>) {
        let Phase::LoggingOut(run) = std::mem::replace(&mut self.phase, Phase::LoggedOut) else {
            unreachable!("only a running logout ends");
        };
        let (result, waiters) = run.end(result, &mut self.outbox);
        self.subscriptions.clear();
        self.sdk.forget_subscriptions();
        self.server_session_may_be_alive = result.is_err();
        if result.is_ok() {
            // The pod confirmed the end: no later page needs to ask it again.
            let key = session_mark_key(self.config.pod_origin());
            self.outbox.emit(Work::ClearSessionMark { key });
        }
        self.state_news(SessionState::LoggingOut, SessionState::LoggedOut);
        self.outbox.emit(News::LoggedOut {
            reason: self.logout_reason.unwrap_or(LogoutReason::Requested),
            result: result.clone(),
        });
        self.outbox.emit(Work::Broadcast(TabMessage::LoggedOut {
            pod: self.config.pod_origin().to_owned(),
            ok: result.is_ok(),
            reason: self.logout_reason,
        }));
        for request in waiters {
            self.outbox.answer(request, result.clone().map(Resolved::from));
        }
    }

    /// The tab performing the idle logout we follow reported its confirmed end: close here,
    /// without believing that the server session ended (nobody here asked the pod).
    fn end_followed_logout(&mut self) {
        let Phase::LoggingOut(run) = std::mem::replace(&mut self.phase, Phase::LoggedOut) else {
            unreachable!("only a running logout ends");
        };
        run.end_followed(&mut self.outbox);
        self.subscriptions.clear();
        self.sdk.forget_subscriptions();
        self.state_news(SessionState::LoggingOut, SessionState::LoggedOut);
        self.outbox.emit(News::LoggedOut {
            reason: self.logout_reason.unwrap_or(LogoutReason::Idle),
            result: Ok(()),
        });
    }

    /// A render over sdk.js: the view shown ends, the new one starts, and `render` is called
    /// once `sdk.js` is there (asked for now if it is not).
    #[cfg(any(test, feature = "sdk-js"))]
    fn render_sdk(
        &mut self,
        request: RequestId,
        container: String,
        stream_id: Option<String>,
        settings: &crate::protocol::Settings,
        before: SessionState,
    ) {
        let interrupted = |operation| SymphonyError::Interrupted {
            operation,
            by: "a new render",
        };
        // sdk.js's frames in the containers of an earlier render may stay until a logout.
        let mut containers = Vec::new();
        match std::mem::replace(&mut self.phase, Phase::Unrendered) {
            Phase::SdkRendered(mut old) => {
                old.interrupt(&mut self.outbox, interrupted);
                containers = old.take_containers();
            }
            Phase::Rendered(old) => self.tear_down(old, None, interrupted),
            Phase::LoggingOut(run) => self.phase = Phase::LoggingOut(run),
            Phase::Unrendered | Phase::LoggedOut => self.sdk.forget_subscriptions(),
        }
        self.logout_reason = None;
        let render_id = self.outbox.new_frame();
        let mut view = SdkView::new(
            render_id,
            container,
            stream_id,
            settings,
            request,
            self.server_session_may_be_alive,
        );
        view.add_containers(containers);
        // Fail closed: from here the pod may be reached, unless sdk.js never loads.
        self.server_session_may_be_alive = true;
        if self.sdk.ensure_loaded(&mut self.outbox, &self.config) {
            view.call_render(&mut self.outbox, &mut self.sdk, &self.config);
        }
        self.phase = Phase::SdkRendered(view);
        self.announce_state(before);
    }

    /// `sdk.js` is there: the render or the logout that waited for it goes on. False when
    /// no load was waited for.
    fn sdk_loaded(&mut self) -> bool {
        if !self.sdk.loaded(&mut self.outbox) {
            return false;
        }
        match &mut self.phase {
            Phase::SdkRendered(view) => view.call_render(&mut self.outbox, &mut self.sdk, &self.config),
            Phase::LoggingOut(_) => {
                self.step_logout(|run, out, config, link| run.sdk_loaded(out, config, link));
            }
            Phase::Rendered(_) | Phase::Unrendered | Phase::LoggedOut => {}
        }
        true
    }

    /// `sdk.js` could not be loaded (`None`: not in time). A render that waited for it
    /// fails, and nothing of it reached the pod; a logout that waited for it ends with the
    /// error. False when no load was waited for.
    fn sdk_load_failed(&mut self, failure: Option<crate::SdkLoadFailure>) -> bool {
        let Some(error) = self.sdk.load_failed(failure, &mut self.outbox, &self.config) else {
            return false;
        };
        match &self.phase {
            // While sdk.js loads, a view over it has not called `render` yet: it fails.
            Phase::SdkRendered(_) => {
                let Phase::SdkRendered(mut view) = std::mem::replace(&mut self.phase, Phase::Unrendered)
                else {
                    unreachable!("matched above");
                };
                self.server_session_may_be_alive = view.server_session_before();
                view.interrupt(&mut self.outbox, |_| error.clone());
                self.sdk.forget_subscriptions();
                self.announce_state(SessionState::Rendered);
            }
            Phase::LoggingOut(_) => {
                self.step_logout(|run, _, _, _| run.sdk_load_failed(error));
            }
            Phase::Rendered(_) | Phase::Unrendered | Phase::LoggedOut => {}
        }
        true
    }

    /// A call of `window.symphony` settled: the render, an action, the logout, or the
    /// registration of a callback. False when it is none in flight.
    fn sdk_settled(&mut self, call: crate::SdkCallId, outcome: crate::SdkOutcome) -> bool {
        let registers = self.sdk.listener(call).is_some();
        let Some((_, result)) = self.sdk.settled(call, outcome) else {
            return false;
        };
        let answered = match &mut self.phase {
            Phase::SdkRendered(view) => {
                view.render_settled(
                    call,
                    result.clone(),
                    &mut self.outbox,
                    &mut self.sdk,
                    &self.config,
                ) || view.action_settled(call, result, &mut self.outbox, &mut self.sdk)
            }
            Phase::LoggingOut(_) => self.step_logout(|run, _, _, _| run.sdk_settled(call, &result)),
            Phase::Rendered(_) | Phase::Unrendered | Phase::LoggedOut => false,
        };
        answered || registers
    }

    /// A callback registered on `window.symphony` was called: a subscription's news, the
    /// chats' activity, or "interaction required". False when nobody listens for it now.
    fn sdk_callback(&mut self, call: crate::SdkCallId, data: serde_json::Value) -> bool {
        let Some(listener) = self.sdk.listener(call) else {
            return false;
        };
        match (listener, &mut self.phase) {
            (Listener::Subscription(subscription), Phase::SdkRendered(_)) => {
                self.outbox.emit(News::Notify { subscription, data });
                true
            }
            (Listener::ChatActivity, _) => self.idle.chat_activity(&mut self.outbox),
            (Listener::InteractionRequired, Phase::SdkRendered(view)) if !view.is_ready() => {
                view.interaction_required(&mut self.outbox);
                true
            }
            _ => false,
        }
    }

    fn timer_fired(&mut self, timer: TimerId) -> bool {
        let Some(purpose) = self.outbox.timers.remove(&timer) else {
            return false;
        };
        match purpose {
            TimerPurpose::LogoutDeadline => {
                self.step_logout(|run, out, config, link| Some(run.deadline_passed(out, config, link)));
            }
            TimerPurpose::LogoutFrame => {
                self.step_logout(|run, out, config, _| Some(run.frame_silent(out, config)));
            }
            TimerPurpose::Render => match &mut self.phase {
                Phase::Rendered(view) => view.render_timed_out(&mut self.outbox, &self.config),
                Phase::SdkRendered(view) => view.render_timed_out(&mut self.outbox, &self.config),
                _ => {}
            },
            TimerPurpose::SdkLoad => {
                self.sdk_load_failed(None);
            }
            TimerPurpose::SdkCall(request) => {
                if let Phase::SdkRendered(view) = &mut self.phase {
                    view.action_timed_out(request, &mut self.outbox, &self.config);
                }
            }
            TimerPurpose::Interaction => {
                if let Phase::Rendered(view) = &mut self.phase {
                    view.interaction_timed_out();
                }
            }
            TimerPurpose::IdleClaim(deadline) => {
                let answer = self
                    .idle
                    .claim_unanswered(deadline, &mut self.outbox, &self.config);
                self.idle_claim_answered(answer);
            }
            TimerPurpose::Action(id) => {
                if let Phase::Rendered(view) = &mut self.phase {
                    view.action_timed_out(&id, &mut self.outbox, &self.config);
                }
            }
        }
        true
    }

    fn frame_loaded(&mut self, frame: FrameId) -> bool {
        let Phase::Rendered(view) = &mut self.phase else {
            return self.step_logout(|run, _, _, _| run.frame_loaded(frame));
        };
        view.frame_loaded(frame, &mut self.outbox, &self.config, &self.subscriptions)
    }

    /// The page's policy blocked the main frame: the render fails, and the frame (in the
    /// document, showing nothing) goes. Other frames' reports are not expected: stale.
    fn frame_blocked(&mut self, frame: FrameId, directive: String) -> bool {
        match &self.phase {
            // A main frame that said `clientReady` was not blocked: the report is about
            // another frame of the pod (a child a narrower policy refuses).
            Phase::Rendered(view) if view.main == frame && !view.ready => {
                self.frame_gone(frame, Gone::Blocked(directive))
            }
            _ => false,
        }
    }

    fn frame_gone(&mut self, frame: FrameId, gone: Gone) -> bool {
        let container_missing = !matches!(gone, Gone::Removed);
        match &mut self.phase {
            Phase::Rendered(view) if view.main == frame => {}
            Phase::Rendered(view) => {
                return view.remove_child(&mut self.outbox, frame, |operation, container| {
                    frame_gone_error(container_missing, container, operation, "removal of its frame")
                });
            }
            Phase::LoggingOut(_) => {
                return self.step_logout(|run, out, config, _| run.frame_gone(frame, out, config));
            }
            Phase::SdkRendered(_) | Phase::Unrendered | Phase::LoggedOut => return false,
        }
        // The main frame went: the render ends, and the session is Unrendered.
        let Phase::Rendered(view) = std::mem::replace(&mut self.phase, Phase::Unrendered) else {
            unreachable!("matched above");
        };
        if container_missing && !view.main_loaded && !view.opened_children {
            // Nothing of this render reached the pod.
            self.server_session_may_be_alive = view.server_session_before;
        }
        let container = view.container.clone();
        // A blocked frame is still in the document: it is removed with the rest.
        let out = match gone {
            Gone::Blocked(_) => None,
            Gone::ContainerMissing | Gone::Removed => Some(frame),
        };
        let error = move |operation| match &gone {
            Gone::Blocked(directive) => SymphonyError::FrameBlockedByCsp {
                directive: directive.clone(),
            },
            Gone::ContainerMissing | Gone::Removed => frame_gone_error(
                container_missing,
                &container,
                operation,
                "removal of the main frame",
            ),
        };
        self.tear_down(view, out, error);
        self.subscriptions.clear();
        self.announce_state(SessionState::Rendered);
        true
    }

    /// Another tab finished a logout from our pod (`ok`: the pod confirmed it; `reason`: that
    /// tab's, shown here too; an older tab sends none): close here too, without a request of
    /// ours, and without believing that the server session ended.
    fn logged_out_elsewhere(&mut self, ok: bool, reason: Option<LogoutReason>) -> bool {
        match &self.phase {
            Phase::Rendered(_) => {}
            Phase::SdkRendered(_) => {
                let Phase::SdkRendered(mut view) = std::mem::replace(&mut self.phase, Phase::LoggedOut)
                else {
                    unreachable!("matched above");
                };
                let containers = view.take_containers();
                self.outbox.emit(Work::HideContainedFrames {
                    containers: containers.clone(),
                });
                view.interrupt(&mut self.outbox, |operation| SymphonyError::Interrupted {
                    operation,
                    by: "a logout in another tab",
                });
                self.outbox.emit(Work::RemoveContainedFrames { containers });
                // This tab's render may have signed in after that tab's logout: a later page
                // must still ask (fail closed).
                self.outbox.mark_session(&self.config);
                self.sdk.forget_subscriptions();
                self.closed_for_another_tab(ok, reason);
                return true;
            }
            // The tab that holds the idle logout's claim is done: close here too; but when
            // the pod did not confirm the end there, ask it from here (fail closed). Our
            // own logout runs to its end and answers its callers.
            Phase::LoggingOut(_) => {
                self.step_logout(|run, out, config, link| Some(run.another_tab_ended(ok, out, config, link)));
                return true;
            }
            // No frames here.
            Phase::Unrendered | Phase::LoggedOut => return true,
        }
        let Phase::Rendered(view) = std::mem::replace(&mut self.phase, Phase::LoggedOut) else {
            unreachable!("matched above");
        };
        let loaded = view.main_loaded;
        let interrupted = |operation| SymphonyError::Interrupted {
            operation,
            by: "a logout in another tab",
        };
        // Nothing of the session stays visible, even for the time the answers take.
        self.outbox.emit(Work::HideFrames {
            frames: view.frames(),
        });
        self.tear_down(view, None, interrupted);
        if loaded {
            // That tab's success cleared the mark, but this tab's frame may have signed in
            // after it: a later page must still ask (fail closed).
            self.outbox.mark_session(&self.config);
        }
        self.subscriptions.clear();
        self.closed_for_another_tab(ok, reason);
        true
    }

    /// The end of closing a rendered session for another tab's logout (`ok` when the pod
    /// confirmed it there; `reason` that tab's): the state news, then [`News::LoggedOut`].
    fn closed_for_another_tab(&mut self, ok: bool, reason: Option<LogoutReason>) {
        let reason = reason.unwrap_or(LogoutReason::AnotherTab);
        self.logout_reason = Some(reason);
        self.announce_state(SessionState::Rendered);
        self.outbox.emit(News::LoggedOut {
            reason,
            result: if ok {
                Ok(())
            } else {
                Err(SymphonyError::LogoutUnconfirmed)
            },
        });
    }

    fn message(&mut self, message: PodMessage) -> bool {
        match message {
            PodMessage::ClientReady => {
                let Phase::Rendered(view) = &mut self.phase else {
                    return self
                        .step_logout(|run, out, config, link| run.main_frame_ready(out, config, link));
                };
                view.client_ready(&mut self.outbox, &self.config, &self.subscriptions);
                true
            }
            PodMessage::Resolve { id, data } => {
                let result = data.into_result().map_err(|error| (error.message, error.data));
                match &mut self.phase {
                    Phase::Rendered(view) => view.resolved(&id, result, &mut self.outbox),
                    Phase::LoggingOut(_) => {
                        let error = result.err();
                        self.step_logout(|run, out, config, link| {
                            run.frame_done(&id, error, out, config, link)
                        })
                    }
                    Phase::SdkRendered(_) | Phase::Unrendered | Phase::LoggedOut => false,
                }
            }
            PodMessage::CallbackData { id, data } => {
                if id == crate::protocol::CHAT_ACTIVITY {
                    return self.idle.chat_activity(&mut self.outbox);
                }
                if !matches!(self.phase, Phase::Rendered(_)) {
                    return false;
                }
                let Some((subscription, _)) = self.subscriptions.get(&id) else {
                    return false;
                };
                self.outbox.emit(News::Notify {
                    subscription: *subscription,
                    data,
                });
                true
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn core_snapshot(&self) -> impl PartialEq + std::fmt::Debug {
        (
            self.phase.clone(),
            self.outbox.clone(),
            self.subscriptions.clone(),
            self.server_session_may_be_alive,
            self.announced_ready,
            self.announced_interaction,
            self.announced_loaded,
            self.idle.clone(),
            self.logout_reason,
            self.mark_waiters.clone(),
        )
    }

    #[cfg(test)]
    pub(crate) fn active_timers(&self) -> std::collections::BTreeSet<TimerId> {
        self.outbox.timers.keys().copied().collect()
    }
}

/// How a frame left (or never got into) the document.
enum Gone {
    Removed,
    ContainerMissing,
    /// The page's policy blocked it (the directive): it is in the document, showing nothing.
    Blocked(String),
}

/// The answer for a request whose frame left the document: its container was missing, or
/// it was removed (`by` says which frame).
fn frame_gone_error(
    container_missing: bool,
    container: &str,
    operation: &'static str,
    by: &'static str,
) -> SymphonyError {
    if container_missing {
        SymphonyError::ContainerNotFound {
            container: container.to_owned(),
        }
    } else {
        SymphonyError::Interrupted { operation, by }
    }
}
