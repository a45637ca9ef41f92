//! A driver that plays the browser's part in plain Rust, for tests without a browser
//! (feature `testing`).
//!
//! [`FakeDriver`] owns a [`Session`], carries out every effect on a model of the page (the
//! frames, their visibility, timers on a virtual clock, HTTP logouts in flight, posted
//! messages, answers) and checks the driver contract as it goes: it panics with a message
//! starting `driver contract:` when the machine asks for something impossible (removing a
//! frame that is not there, answering a request twice, ...). Use it to test your own use of
//! the machine, or your own driver's decisions, natively.
//!
//! ```
//! use std::time::Duration;
//! use symphony_session::testing::FakeDriver;
//! use symphony_session::{Command, Config, SdkResult, SessionState, SymphonyError};
//!
//! let config = Config::builder("https://acme.symphony.com", "https://app.example.com").build()?;
//! let mut page = FakeDriver::new(config);
//! let main = page.render_ready("chat", "stream-1");
//! assert!(page.frames()[&main].loaded);
//!
//! // The pod never answers the logout: the frames go anyway, after the timeout.
//! let (logout, _) = page.command(Command::Logout);
//! assert!(page.frames()[&main].hidden, "hidden at once");
//! page.advance(Duration::from_secs(3)); // the main frame stays silent: HTTP takes over
//! assert_eq!(page.http_in_flight().len(), 1);
//! page.advance(Duration::from_secs(7)); // the logout deadline (10 s)
//! assert!(page.frames().is_empty());
//! assert_eq!(page.session().state(), SessionState::LoggedOut);
//! assert!(matches!(page.answer(logout), Some(Err(SymphonyError::Timeout { .. }))));
//! assert!(!SdkResult::from(page.answer(logout).unwrap()).is_ok());
//! # Ok::<(), symphony_session::ConfigError>(())
//! ```

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use serde_json::Value;

use crate::protocol::{HostMessage, PodMessage, Settings, TabMessage};
use crate::sdk::{SdkCall, SdkFunction, SdkOutcome};
use crate::vocabulary::{News, SdkCallId, Work};
use crate::{
    Command, Config, Effect, Event, FrameId, FrameKind, LogoutAttemptId, RequestId, Resolved, SdkResult,
    Session, SessionState, StoredMark, SubscriptionId, SymphonyError, TimerId, Timestamp,
};

/// The app's persistent storage (`localStorage`) in the fake: shared by a tab and the
/// tabs made with [`FakeDriver::another_tab`] (and so by "the next page", a new tab).
#[derive(Debug, Default)]
pub struct FakeStorage {
    /// The keys stored.
    pub keys: BTreeSet<String>,
    /// Reads answer [`StoredMark::Unreadable`] (blocked storage); writes are lost.
    pub unreadable: bool,
}

/// A frame in the fake page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeFrame {
    /// Main or child.
    pub kind: FrameKind,
    /// The container element's id.
    pub container: String,
    /// The frame's `src`.
    pub url: String,
    /// A `load` was reported.
    pub loaded: bool,
    /// Hidden by [`Work::HideFrames`].
    pub hidden: bool,
}

/// A native driver with a model of the page and a virtual clock. See the
/// [module documentation](self).
#[derive(Debug)]
pub struct FakeDriver {
    session: Session,
    now: Duration,
    missing_containers: BTreeSet<String>,
    frames: BTreeMap<FrameId, FakeFrame>,
    timers: BTreeMap<TimerId, Duration>,
    /// The HTTP logouts in flight: method and URL.
    http: BTreeMap<LogoutAttemptId, (String, String)>,
    storage: Rc<RefCell<FakeStorage>>,
    /// Frames reported gone (removed by the page, or their container missing): effects
    /// queued before the report may still name them.
    reported_gone: BTreeSet<FrameId>,
    answers: BTreeMap<RequestId, Result<Resolved, SymphonyError>>,
    posted: Vec<HostMessage>,
    broadcasts: Vec<TabMessage>,
    notifications: Vec<(SubscriptionId, Value)>,
    logouts_ended: Vec<(crate::LogoutReason, Result<(), SymphonyError>)>,
    /// When the scheduled idle check is due.
    idle_check: Option<Duration>,
    /// The idle logout claims held by this tab and the tabs it shares them with.
    claims_held: Rc<RefCell<BTreeSet<Timestamp>>>,
    /// Every claim this tab asked for, with the answer.
    claims: Vec<(Timestamp, bool)>,
    /// Claims wait for [`FakeDriver::answer_claim`] rather than being answered at once.
    hold_claims: bool,
    /// The claims asked for and not answered yet, oldest first.
    held: Vec<Timestamp>,
    /// The deadline of the idle warning standing now.
    idle_warning: Option<Timestamp>,
    /// Listening for the main frame's messages ([`Work::ListenForMessages`]).
    listening: bool,
    /// The state the news last told.
    announced: SessionState,
    /// The page's `sdk.js` ([`crate::Transport::SdkJs`]).
    sdk: FakeSdk,
}

/// What the fake page knows of `sdk.js`.
#[derive(Debug, Default)]
pub struct FakeSdk {
    /// [`Work::LoadSdk`] asked for, not yet answered.
    pub loading: bool,
    /// `window.symphony` is there.
    pub loaded: bool,
    /// How many times the script was asked for.
    pub loads: usize,
    /// The calls made and not settled yet.
    pub in_flight: BTreeMap<SdkCallId, SdkCall>,
    /// Every call made, in order.
    pub calls: Vec<(SdkCallId, SdkCall)>,
    /// The calls whose callback may be called (made with one, not failed).
    pub callbacks: BTreeMap<SdkCallId, SdkCall>,
    /// Containers whose frames are hidden ([`Work::HideContainedFrames`]).
    pub hidden: BTreeSet<String>,
    /// Containers emptied ([`Work::RemoveContainedFrames`]), each time.
    pub emptied: Vec<Vec<String>>,
}

impl FakeDriver {
    /// A page with every container present and a session in the `Unrendered` state.
    pub fn new(config: Config) -> Self {
        Self {
            session: Session::new(config),
            now: Duration::ZERO,
            missing_containers: BTreeSet::new(),
            frames: BTreeMap::new(),
            timers: BTreeMap::new(),
            http: BTreeMap::new(),
            storage: Rc::new(RefCell::new(FakeStorage::default())),
            reported_gone: BTreeSet::new(),
            answers: BTreeMap::new(),
            posted: Vec::new(),
            broadcasts: Vec::new(),
            notifications: Vec::new(),
            logouts_ended: Vec::new(),
            idle_check: None,
            claims_held: Rc::new(RefCell::new(BTreeSet::new())),
            claims: Vec::new(),
            hold_claims: false,
            held: Vec::new(),
            idle_warning: None,
            listening: false,
            announced: SessionState::Unrendered,
            sdk: FakeSdk::default(),
        }
    }

    /// From now on the idle logout claims wait: answer them with
    /// [`FakeDriver::answer_claim`] (a browser whose lock request takes its time), or never
    /// (one that neither grants nor refuses).
    pub fn hold_claims(&mut self) {
        self.hold_claims = true;
    }

    /// The claims asked for and not answered yet, oldest first.
    pub fn held_claims(&self) -> &[Timestamp] {
        &self.held
    }

    /// Answers the oldest claim held: granted unless this tab or one sharing its claims
    /// holds that deadline already (decided now, as a lock is when granted). Nothing when
    /// no claim waits.
    pub fn answer_claim(&mut self) -> Vec<Effect> {
        if self.held.is_empty() {
            return Vec::new();
        }
        let deadline = self.held.remove(0);
        let granted = self.claim(deadline);
        self.event(Event::IdleLogoutClaimed { deadline, granted })
    }

    /// Claims `deadline` among the tabs sharing claims; true when granted.
    fn claim(&mut self, deadline: Timestamp) -> bool {
        let granted = self.claims_held.borrow_mut().insert(deadline);
        self.claims.push((deadline, granted));
        granted
    }

    /// Another tab of the same app: it shares this tab's idle logout claims (what the
    /// Web Locks API gives browser tabs). Deliver the tab channel yourself: feed each
    /// tab's [`FakeDriver::broadcasts`] to the others as [`Event::TabMessage`].
    pub fn another_tab(&self, config: Config) -> Self {
        let mut tab = Self::new(config);
        tab.claims_held = self.claims_held.clone();
        tab.storage = self.storage.clone();
        tab
    }

    /// The storage this tab shares with its other tabs (the session marks).
    pub fn storage(&self) -> std::cell::RefMut<'_, FakeStorage> {
        self.storage.borrow_mut()
    }

    /// Makes the container `id` absent: frames created into it are reported
    /// [`Event::FrameContainerMissing`].
    pub fn without_container(mut self, id: &str) -> Self {
        self.missing_containers.insert(id.to_owned());
        self
    }

    /// The session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The session, to feed it directly (then call [`FakeDriver::drain`]).
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Runs a command and carries out what follows; returns its id and the effects.
    pub fn command(&mut self, command: Command) -> (RequestId, Vec<Effect>) {
        let request = self.session.handle_command(command);
        (request, self.drain())
    }

    /// Feeds an event (updating the page model as the browser would have: a removed frame
    /// is gone, a fired timer is over, an answered request is done) and carries out what
    /// follows.
    pub fn event(&mut self, event: Event) -> Vec<Effect> {
        match &event {
            Event::FrameRemoved(frame) | Event::FrameContainerMissing(frame) => {
                self.frames.remove(frame);
                self.reported_gone.insert(*frame);
            }
            Event::FrameLoaded(frame) => {
                if let Some(f) = self.frames.get_mut(frame) {
                    f.loaded = true;
                }
            }
            Event::TimerFired(timer) => {
                self.timers.remove(timer);
            }
            Event::LogoutAnswered { attempt, .. } | Event::LogoutFailed { attempt, .. } => {
                self.http.remove(attempt);
            }
            Event::SdkLoaded => {
                self.sdk.loading = false;
                self.sdk.loaded = true;
            }
            Event::SdkLoadFailed(_) => self.sdk.loading = false,
            Event::SdkSettled { call, outcome } => {
                if let Some(made) = self.sdk.in_flight.remove(call) {
                    let failed = !matches!(outcome, SdkOutcome::Resolved(Value::Object(o)) if o.get("error").is_none_or(Value::is_null));
                    if made.function.takes_callback() && failed {
                        self.sdk.callbacks.remove(call);
                    }
                }
            }
            Event::Message(_)
            | Event::SdkCallback { .. }
            | Event::TabMessage { .. }
            | Event::Activity { .. }
            | Event::IdleCheck { .. }
            | Event::IdleLogoutClaimed { .. }
            | Event::SessionMarkRead(_)
            // A blocked frame stays in the page until the machine removes it.
            | Event::FrameBlockedByCsp { .. } => {}
        }
        self.session.handle_event(event);
        self.drain()
    }

    /// The main frame posts this message to the page.
    pub fn pod_message(&mut self, message: PodMessage) -> Vec<Effect> {
        // Serialising our own message types cannot fail.
        let value = serde_json::to_value(message).unwrap_or(Value::Null);
        self.event(Event::Message(value))
    }

    /// The main frame answers the action `id` with `result`.
    pub fn resolve(&mut self, id: &str, result: SdkResult) -> Vec<Effect> {
        self.pod_message(PodMessage::Resolve {
            id: id.to_owned(),
            data: result,
        })
    }

    /// The main frame says `clientReady` (loaded, user signed in).
    pub fn client_ready(&mut self) -> Vec<Effect> {
        self.pod_message(PodMessage::ClientReady)
    }

    /// Renders into `container` with `stream_id`, loads the main frame and says
    /// `clientReady`. Returns the main frame; panics if the render fails.
    pub fn render_ready(&mut self, container: &str, stream_id: &str) -> FrameId {
        let (request, _) = self.command(Command::Render {
            container: container.to_owned(),
            stream_id: Some(stream_id.to_owned()),
            settings: Settings::new(),
        });
        let main = self
            .session
            .main_frame()
            .unwrap_or_else(|| panic!("render into {container:?} made no main frame"));
        self.event(Event::FrameLoaded(main));
        assert_eq!(self.answer(request), None, "a render waits for clientReady");
        self.client_ready();
        assert_eq!(
            self.answer(request),
            Some(&Ok(Resolved::new())),
            "render answered"
        );
        main
    }

    /// Moves the virtual clock on by `by`, firing the timers and the idle check that fall
    /// due, in order.
    pub fn advance(&mut self, by: Duration) -> Vec<Effect> {
        let until = self.now + by;
        let mut effects = Vec::new();
        let mut fired = 0u32;
        while let Some(due) = self.next_due() {
            if due > until {
                break;
            }
            fired += 1;
            assert!(
                fired <= Self::MOST_FIRED_AT_ONCE,
                "driver contract: over {} timers and checks fell due in one advance: the \
                 machine keeps asking for them without letting time pass",
                Self::MOST_FIRED_AT_ONCE
            );
            effects.extend(self.fire_next());
        }
        self.now = until;
        effects
    }

    /// More timers and checks than this falling due in one [`FakeDriver::advance`] is a
    /// machine that never lets time pass (say, a check scheduled with no delay, again and
    /// again): the fake stops it with a panic rather than loop forever.
    pub const MOST_FIRED_AT_ONCE: u32 = 10_000;

    /// When the next timer or idle check falls due.
    pub fn next_due(&self) -> Option<Duration> {
        let timer = self.timers.values().min().copied();
        match (timer, self.idle_check) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Moves the clock to the next timer or idle check and fires it (timers first when
    /// they fall due together). Nothing happens when none is scheduled.
    pub fn fire_next(&mut self) -> Vec<Effect> {
        let Some(due) = self.next_due() else {
            return Vec::new();
        };
        self.now = self.now.max(due);
        let timer = self
            .timers
            .iter()
            .filter(|(_, at)| **at == due)
            .map(|(timer, _)| *timer)
            .next();
        match timer {
            Some(timer) => self.event(Event::TimerFired(timer)),
            None => {
                self.idle_check = None;
                let now = self.clock();
                self.event(Event::IdleCheck { now })
            }
        }
    }

    /// The virtual clock as a [`Timestamp`] (the epoch is the fake's start).
    pub fn clock(&self) -> Timestamp {
        Timestamp(u64::try_from(self.now.as_millis()).unwrap_or(u64::MAX))
    }

    /// Hears this message from another tab now.
    pub fn hear(&mut self, message: &TabMessage) -> Vec<Effect> {
        // Serialising our own message types cannot fail.
        let message = serde_json::to_value(message).unwrap_or(Value::Null);
        let heard_at = self.clock();
        self.event(Event::TabMessage { message, heard_at })
    }

    /// The user does something in the page now.
    pub fn activity(&mut self) -> Vec<Effect> {
        let at = self.clock();
        self.event(Event::Activity { at })
    }

    /// Answers the HTTP logout in flight with this status.
    pub fn answer_http(&mut self, status: u16) -> Vec<Effect> {
        let attempt = self.http_in_flight().into_iter().last();
        let attempt = attempt.unwrap_or_else(|| panic!("no HTTP logout in flight"));
        self.event(Event::LogoutAnswered { attempt, status })
    }

    /// Carries out every queued effect, feeding back what the page reports at once
    /// (a missing container); returns them all, in order.
    pub fn drain(&mut self) -> Vec<Effect> {
        let mut all = Vec::new();
        while let Some(effect) = self.session.poll_effect() {
            // Answers the fake gives at once (the storage, a claim) can feed a machine that
            // asks again forever: a runaway, not a slow step.
            assert!(
                all.len() < 100_000,
                "driver contract: one step caused over 100 000 effects: {effect:?}"
            );
            if let Some(event) = self.execute(&effect) {
                // Inputs may be fed while draining: their effects queue after the rest.
                if let Event::FrameContainerMissing(frame) = event {
                    self.reported_gone.insert(frame);
                }
                self.session.handle_event(event);
            }
            all.push(effect);
        }
        assert_eq!(
            self.session.idle_warning(),
            self.idle_warning,
            "Session::idle_warning says what the warning news told"
        );
        let state = self.session.state();
        assert_eq!(self.announced, state, "the state news tells the state");
        let built_in = self.session.config().transport() == crate::Transport::BuiltIn;
        assert_eq!(
            self.listening,
            built_in && matches!(state, SessionState::Rendered | SessionState::LoggingOut),
            "driver contract: listening for messages in {state}"
        );
        all
    }

    /// Carries out one effect; returns what the page reports at once (a missing
    /// container, the answer to an idle logout claim, what the storage holds).
    fn execute(&mut self, effect: &Effect) -> Option<Event> {
        match effect {
            Effect::Work(Work::CreateFrame {
                frame,
                kind,
                container,
                url,
            }) => {
                if self.missing_containers.contains(container) {
                    return Some(Event::FrameContainerMissing(*frame));
                }
                let fresh = FakeFrame {
                    kind: *kind,
                    container: container.clone(),
                    url: url.clone(),
                    loaded: false,
                    hidden: false,
                };
                let old = self.frames.insert(*frame, fresh);
                assert!(old.is_none(), "driver contract: frame {frame} created twice");
            }
            Effect::Work(Work::HideFrames { frames }) => {
                for frame in frames {
                    match self.frames.get_mut(frame) {
                        Some(f) => f.hidden = true,
                        None => self.known_gone(*frame, "hiding"),
                    }
                }
            }
            Effect::Work(Work::RemoveFrame { frame }) => {
                if self.frames.remove(frame).is_none() {
                    self.known_gone(*frame, "removing");
                }
            }
            Effect::Work(Work::Post(message)) => {
                if self.frames.values().any(|f| f.kind == FrameKind::Main) {
                    self.posted.push(message.clone());
                } else {
                    // Only a main frame reported gone since the post was queued excuses it.
                    let excused = !self.reported_gone.is_empty();
                    assert!(excused, "driver contract: posting {message:?} with no main frame");
                }
            }
            Effect::Work(Work::SendLogoutRequest { attempt, method, url }) => {
                let old = self.http.insert(*attempt, (method.clone(), url.clone()));
                assert!(
                    old.is_none(),
                    "driver contract: logout request {attempt} sent twice"
                );
            }
            Effect::Work(Work::AbortLogoutRequest { attempt }) => {
                let gone = self.http.remove(attempt);
                assert!(
                    gone.is_some(),
                    "driver contract: aborting {attempt}, not in flight"
                );
            }
            Effect::Work(Work::StartTimer { timer, after }) => {
                let old = self.timers.insert(*timer, self.now + *after);
                assert!(old.is_none(), "driver contract: timer {timer} started twice");
            }
            Effect::Work(Work::CancelTimer { timer }) => {
                let gone = self.timers.remove(timer);
                assert!(
                    gone.is_some(),
                    "driver contract: cancelling timer {timer}, not running"
                );
            }
            Effect::Work(Work::Broadcast(message)) => self.broadcasts.push(message.clone()),
            Effect::Work(Work::ReadSessionMark { key }) => {
                let storage = self.storage.borrow();
                let mark = if storage.unreadable {
                    StoredMark::Unreadable
                } else if storage.keys.contains(key) {
                    StoredMark::Present
                } else {
                    StoredMark::Absent
                };
                return Some(Event::SessionMarkRead(mark));
            }
            Effect::Work(Work::SetSessionMark { key }) => {
                let mut storage = self.storage.borrow_mut();
                if !storage.unreadable {
                    storage.keys.insert(key.clone());
                }
            }
            Effect::Work(Work::ClearSessionMark { key }) => {
                self.storage.borrow_mut().keys.remove(key);
            }
            Effect::News(News::Answer { request, result }) => {
                let old = self.answers.insert(*request, result.clone());
                assert!(old.is_none(), "driver contract: request {request} answered twice");
            }
            Effect::News(News::Notify { subscription, data }) => {
                self.notifications.push((*subscription, data.clone()))
            }
            Effect::News(News::StateChanged(state)) => {
                let old = std::mem::replace(&mut self.announced, *state);
                assert_ne!(old, *state, "driver contract: the same state announced twice");
            }
            Effect::News(News::LoggedOut { reason, result }) => {
                assert_eq!(
                    self.announced,
                    SessionState::LoggedOut,
                    "driver contract: a logout's end comes once the state is LoggedOut"
                );
                self.logouts_ended.push((*reason, result.clone()));
            }
            Effect::News(News::ReadyChanged(_))
            | Effect::News(News::InteractionRequiredChanged(_))
            | Effect::News(News::LoadedChanged(_)) => {}
            Effect::Work(Work::ScheduleIdleCheck { after }) => self.idle_check = Some(self.now + *after),
            Effect::Work(Work::CancelIdleCheck) => self.idle_check = None,
            // The chat activity happens now, on the fake's clock.
            Effect::Work(Work::ChatActivity) => return Some(Event::Activity { at: self.clock() }),
            Effect::Work(Work::ListenForMessages) => {
                assert!(!self.listening, "driver contract: asked to listen twice");
                self.listening = true;
            }
            Effect::Work(Work::StopListeningForMessages) => {
                assert!(
                    self.listening,
                    "driver contract: asked to stop listening, not listening"
                );
                self.listening = false;
            }
            Effect::Work(Work::LoadSdk { url, .. }) => {
                // Asked again after a timeout, a driver reuses the script still loading.
                assert!(!self.sdk.loaded, "driver contract: loading {url}, loaded already");
                self.sdk.loading = true;
                self.sdk.loads += 1;
            }
            Effect::Work(Work::CallSdk { call, request }) => {
                assert!(
                    self.sdk.loaded,
                    "driver contract: calling {} before sdk.js loaded",
                    request.function.name()
                );
                self.sdk.calls.push((*call, request.clone()));
                if let Some(container) = &request.container {
                    if self.missing_containers.contains(container) {
                        return Some(Event::SdkSettled {
                            call: *call,
                            outcome: SdkOutcome::ContainerMissing,
                        });
                    }
                }
                if request.function.takes_callback() {
                    self.sdk.callbacks.insert(*call, request.clone());
                }
                self.sdk.in_flight.insert(*call, request.clone());
            }
            Effect::Work(Work::HideContainedFrames { containers }) => {
                self.sdk.hidden.extend(containers.iter().cloned());
            }
            Effect::Work(Work::RemoveContainedFrames { containers }) => {
                self.sdk.emptied.push(containers.clone());
            }
            Effect::Work(Work::IdleLogoutDue { deadline }) => {
                if self.hold_claims {
                    self.held.push(*deadline);
                    return None;
                }
                let granted = self.claim(*deadline);
                return Some(Event::IdleLogoutClaimed {
                    deadline: *deadline,
                    granted,
                });
            }
            Effect::News(News::IdleWarningStarted { deadline }) => {
                let old = self.idle_warning.replace(*deadline);
                assert!(
                    old.is_none_or(|old| old != *deadline),
                    "driver contract: the same idle warning started twice"
                );
            }
            Effect::News(News::IdleWarningCleared) => {
                let old = self.idle_warning.take();
                assert!(
                    old.is_some(),
                    "driver contract: an idle warning cleared, none standing"
                );
            }
        }
        None
    }

    /// A frame named by an effect is not in the page: fine only if it was reported gone.
    fn known_gone(&self, frame: FrameId, doing: &str) {
        assert!(
            self.reported_gone.contains(&frame),
            "driver contract: {doing} frame {frame}, never in the page"
        );
    }

    /// What the fake page knows of `sdk.js`.
    pub fn sdk(&self) -> &FakeSdk {
        &self.sdk
    }

    /// `sdk.js` loaded ([`Work::LoadSdk`] must have asked for it).
    pub fn sdk_loads(&mut self) -> Vec<Effect> {
        assert!(self.sdk.loading, "sdk.js was not asked for");
        self.event(Event::SdkLoaded)
    }

    /// The oldest call of `function` in flight, if any.
    pub fn sdk_call(&self, function: SdkFunction) -> Option<SdkCallId> {
        self.sdk
            .in_flight
            .iter()
            .find(|(_, call)| call.function == function)
            .map(|(id, _)| *id)
    }

    /// Settles the oldest call of `function` in flight with this outcome.
    pub fn settle_sdk(&mut self, function: SdkFunction, outcome: SdkOutcome) -> Vec<Effect> {
        let call = self
            .sdk_call(function)
            .unwrap_or_else(|| panic!("no {}() in flight", function.name()));
        self.event(Event::SdkSettled { call, outcome })
    }

    /// Calls the callback registered by the latest call of `function` (`listen`,
    /// `onUserInteractionRequired`) whose first argument's `type` is `kind` (any for
    /// `None`), with `data`.
    pub fn sdk_callback(&mut self, function: SdkFunction, kind: Option<&str>, data: Value) -> Vec<Effect> {
        let call = self
            .sdk
            .callbacks
            .iter()
            .rev()
            .find(|(_, call)| {
                call.function == function
                    && kind.is_none_or(|kind| call.arguments.first().is_some_and(|a| a["type"] == kind))
            })
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("no {}() callback registered", function.name()));
        self.event(Event::SdkCallback { call, data })
    }

    /// True while the driver listens for the main frame's messages
    /// ([`Work::ListenForMessages`]); always so while the state is `Rendered` or
    /// `LoggingOut` (the fake checks it after every step).
    pub fn listening(&self) -> bool {
        self.listening
    }

    /// The answer to `request`, once given.
    pub fn answer(&self, request: RequestId) -> Option<&Result<Resolved, SymphonyError>> {
        self.answers.get(&request)
    }

    /// The frames in the page.
    pub fn frames(&self) -> &BTreeMap<FrameId, FakeFrame> {
        &self.frames
    }

    /// The HTTP logout requests in flight, oldest first.
    pub fn http_in_flight(&self) -> Vec<LogoutAttemptId> {
        self.http.keys().copied().collect()
    }

    /// The method and URL of an HTTP logout in flight.
    pub fn http_request(&self, attempt: LogoutAttemptId) -> Option<(&str, &str)> {
        self.http.get(&attempt).map(|(m, u)| (m.as_str(), u.as_str()))
    }

    /// Every message posted to the main frame so far.
    pub fn posted(&self) -> &[HostMessage] {
        &self.posted
    }

    /// Every message broadcast to the other tabs so far.
    pub fn broadcasts(&self) -> &[TabMessage] {
        &self.broadcasts
    }

    /// Every [`News::LoggedOut`] so far: why, and how it ended.
    pub fn logouts_ended(&self) -> &[(crate::LogoutReason, Result<(), SymphonyError>)] {
        &self.logouts_ended
    }

    /// Every notification delivered so far.
    pub fn notifications(&self) -> &[(SubscriptionId, Value)] {
        &self.notifications
    }

    /// The timers running, with the virtual time each falls due.
    pub fn timers(&self) -> &BTreeMap<TimerId, Duration> {
        &self.timers
    }

    /// The virtual time.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// When the scheduled idle check is due, if one is.
    pub fn idle_check_due(&self) -> Option<Duration> {
        self.idle_check
    }

    /// The deadline of the idle warning standing now (from the news effects).
    pub fn idle_warning(&self) -> Option<Timestamp> {
        self.idle_warning
    }

    /// Every idle logout claim this tab asked for, with the answer it got.
    pub fn claims(&self) -> &[(Timestamp, bool)] {
        &self.claims
    }
}
