//! Carries out the session's effects in the browser and feeds the browser's events back:
//! the driver's state, effect execution and the pump. Frames and hiding live in
//! [`frames`], the message, tab and HTTP channels in [`channels`], the idle watch and its
//! claims in [`idle`], the session mark in [`session_mark`], the sdk.js backend in `sdk`
//! (feature `sdk-js`).
//!
//! The driver decides nothing: what to hide, when to fall back, when a logout is over, what
//! other tabs hear, when the idle logout is due are the session's (`symphony-session`). It
//! executes each effect, reports what the browser says (loads, messages, answers, timers,
//! the clock), and refuses only what it cannot check (an untrusted event, a message of
//! another origin or window), which can only make the session close more, never less.

mod channels;
mod frames;
mod idle;
#[cfg(feature = "sdk-js")]
mod sdk;
mod session_mark;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use futures::channel::oneshot;
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use litemap::LiteMap;
use serde_json::Value;
use symphony_session::{
    Effect, Event, FrameId, LogoutAttemptId, LogoutReason, News, RequestId, Resolved, Session, SessionState,
    SubscriptionId, SymphonyError, TimerId, Timestamp, Work,
};
use web_sys::{AbortController, Document, Window};

use channels::{MessageListener, TabChannel};
pub(crate) use frames::INSTANCE_ATTRIBUTE;
use frames::{count, MountedFrame, RemovalWatch};
pub use frames::{live_counts, LiveCounts};
pub(crate) use idle::stay_signed_in;
use idle::IdleWatch;

/// Shared by every clone of the handle; callbacks hold a [`Weak`] to it.
pub(crate) type Shared = Rc<RefCell<Driver>>;

pub(crate) type StateCallback = Rc<dyn Fn(SessionState)>;
pub(crate) type FlagCallback = Rc<dyn Fn(bool)>;

/// The session's yes/no news a callback can follow.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flag {
    /// [`News::LoadedChanged`].
    Loaded,
    /// [`News::ReadyChanged`].
    Ready,
    /// [`News::InteractionRequiredChanged`].
    InteractionRequired,
}
pub(crate) type IdleCallback = Rc<dyn Fn(Option<Timestamp>)>;
pub(crate) type LogoutCallback = Rc<dyn Fn(LogoutReason, &Result<(), SymphonyError>)>;

/// A registered change callback.
#[derive(Clone)]
pub(crate) enum ChangeCallback {
    State(StateCallback),
    Flag(Flag, FlagCallback),
    IdleWarning(IdleCallback),
    LoggedOut(LogoutCallback),
}
pub(crate) type NotificationCallback = Rc<dyn Fn(&Value)>;

/// A user callback and whether its handle still exists. Like the DOM's own event listeners,
/// a callback whose handle was dropped is never called again, even while the driver is not
/// yet free to forget it (the drop came from inside our work, or from another callback
/// during the same delivery).
#[derive(Clone)]
pub(crate) struct Registered<C> {
    pub(crate) callback: C,
    pub(crate) live: Rc<Cell<bool>>,
}

impl<C> Registered<C> {
    pub(crate) fn new(callback: C) -> Self {
        Self {
            callback,
            live: Rc::new(Cell::new(true)),
        }
    }
}

/// Counters kept by the adapter, for diagnostics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DomDiagnostics {
    /// `message` events refused because of their origin or source.
    pub rejected_messages: u64,
    /// `message` events dropped unread because a script made them (`isTrusted` false: a
    /// page script imitating the pod with `dispatchEvent`).
    pub untrusted_messages: u64,
    /// `load` events refused: from an element carrying our frame marks that is not the
    /// iframe we created (injected markup).
    pub rejected_loads: u64,
    /// Messages from the main frame that were not understood.
    pub malformed_messages: u64,
    /// Events that referred to something no longer current.
    pub stale_events: u64,
    /// Subscriptions ([`Symphony::listen`](crate::Symphony::listen)) that sdk.js refused
    /// after `listen` returned: their callbacks are never called.
    pub failed_subscriptions: u64,
    /// Frames this instance has in the document now.
    pub frames: usize,
    /// 1 while the window `message` listener is attached, else 0.
    pub message_listeners: usize,
    /// Timers running now.
    pub timers: usize,
    /// HTTP logout requests in flight.
    pub http_requests: usize,
}

pub(crate) struct Driver {
    pub(crate) session: Session,
    instance: u32,
    window: Window,
    document: Document,
    frames: LiteMap<FrameId, MountedFrame>,
    /// Frames to remove from the document, together ([`Driver::remove_leaving`]).
    leaving: Vec<MountedFrame>,
    timers: LiteMap<TimerId, Timeout>,
    logouts: LiteMap<LogoutAttemptId, AbortController>,
    pub(crate) waiters: LiteMap<RequestId, oneshot::Sender<Result<Resolved, SymphonyError>>>,
    message_listener: Option<MessageListener>,
    /// `securitypolicyviolation` on the document: a main frame the page's CSP blocks.
    policy_listener: Option<EventListener>,
    load_listener: Option<EventListener>,
    removal_watch: Option<RemovalWatch>,
    /// Frames someone else took out (see [`frames::Detached`]).
    detached: frames::Detached,
    tab_channel: Option<TabChannel>,
    pub(crate) change_listeners: LiteMap<u64, Registered<ChangeCallback>>,
    pub(crate) notification_listeners: LiteMap<SubscriptionId, Registered<NotificationCallback>>,
    /// Refreshed before each effect is carried out (see [`Snapshot`]).
    pub(crate) snapshot: Rc<Cell<Snapshot>>,
    rejected_messages: u64,
    untrusted_messages: u64,
    rejected_loads: u64,
    failed_subscriptions: u64,
    /// The frames' `allow` attribute.
    frame_allow: String,
    /// User callbacks waiting to run, in order ([`pump`]).
    deferred: VecDeque<Deferred>,
    /// A pump is running the callbacks of `deferred`.
    delivering: bool,
    weak: Weak<RefCell<Driver>>,
    /// Present when the configuration has an idle policy.
    idle: Option<IdleWatch>,
}

/// What the handle's accessors answer. Read from the driver when it is free; while it is at
/// work (a DOM event we caused fires synchronously, say a `focusout` when we remove the
/// focused frame), from this copy, taken before the effect in progress.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) state: SessionState,
    pub(crate) ready: bool,
    pub(crate) loaded: bool,
    pub(crate) interaction_required: bool,
    pub(crate) server_session_may_be_alive: bool,
    pub(crate) diagnostics: DomDiagnostics,
    pub(crate) logout_reason: Option<LogoutReason>,
    pub(crate) idle_warning: Option<Timestamp>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            state: SessionState::Unrendered,
            ready: false,
            loaded: false,
            interaction_required: false,
            server_session_may_be_alive: false,
            diagnostics: DomDiagnostics::default(),
            logout_reason: None,
            idle_warning: None,
        }
    }
}

/// User code to run once the driver is no longer borrowed (it may call back into us).
enum Deferred {
    State(Vec<Registered<StateCallback>>, SessionState),
    Flag(Vec<Registered<FlagCallback>>, bool),
    IdleWarning(Vec<Registered<IdleCallback>>, Option<Timestamp>),
    LoggedOut(
        Vec<Registered<LogoutCallback>>,
        LogoutReason,
        Result<(), SymphonyError>,
    ),
    Notify(Registered<NotificationCallback>, Value),
}

impl Driver {
    pub(crate) fn new_shared(
        session: Session,
        instance: u32,
        window: Window,
        document: Document,
        options: crate::Options,
    ) -> Shared {
        count(|c| c.instances += 1);
        let shared = Rc::new_cyclic(|weak| {
            RefCell::new(Driver {
                session,
                instance,
                window,
                document,
                frames: LiteMap::new(),
                leaving: Vec::new(),
                timers: LiteMap::new(),
                logouts: LiteMap::new(),
                waiters: LiteMap::new(),
                message_listener: None,
                policy_listener: None,
                load_listener: None,
                removal_watch: None,
                detached: Default::default(),
                tab_channel: None,
                change_listeners: LiteMap::new(),
                notification_listeners: LiteMap::new(),
                snapshot: Rc::new(Cell::new(Snapshot::default())),
                rejected_messages: 0,
                untrusted_messages: 0,
                rejected_loads: 0,
                failed_subscriptions: 0,
                frame_allow: options.frame_allow,
                deferred: VecDeque::new(),
                delivering: false,
                weak: weak.clone(),
                idle: None,
            })
        });
        if options.sync_tabs {
            let channel = Driver::open_tab_channel(&shared);
            shared.borrow_mut().tab_channel = channel;
        }
        if shared.borrow().session.config().idle().is_some() {
            let watch = Driver::start_idle_watch(&shared);
            shared.borrow_mut().idle = Some(watch);
        }
        shared
    }

    pub(crate) fn snapshot_now(&self) -> Snapshot {
        Snapshot {
            state: self.session.state(),
            ready: self.session.is_ready(),
            loaded: self.session.is_loaded(),
            interaction_required: self.session.interaction_required(),
            server_session_may_be_alive: self.session.server_session_may_be_alive(),
            diagnostics: self.diagnostics(),
            logout_reason: self.session.logout_reason(),
            idle_warning: self.session.idle_warning(),
        }
    }

    pub(crate) fn diagnostics(&self) -> DomDiagnostics {
        let core = self.session.diagnostics();
        DomDiagnostics {
            rejected_messages: self.rejected_messages,
            untrusted_messages: self.untrusted_messages,
            rejected_loads: self.rejected_loads,
            failed_subscriptions: self.failed_subscriptions,
            malformed_messages: core.malformed_messages,
            stale_events: core.stale_events,
            frames: self.frames.len(),
            message_listeners: usize::from(self.message_listener.is_some()),
            timers: self.timers.len(),
            http_requests: self.logouts.len(),
        }
    }

    /// Carries out one effect; returns user code to run after the borrow ends.
    fn execute(&mut self, effect: Effect) -> Option<Deferred> {
        // Never asked for without the built-in protocol: a constant test, so that its code
        // (frames, messages, the HTTP step) is left out of an app on sdk.js alone.
        if let Effect::Work(work) = &effect {
            if !symphony_session::BUILT_IN_PROTOCOL && work.is_built_in_protocol() {
                return None;
            }
        }
        match effect {
            Effect::Work(Work::CreateFrame {
                frame,
                kind,
                container,
                url,
            }) => {
                if let Err(event) = self.create_frame(frame, kind, &container, &url) {
                    self.session.handle_event(event);
                }
            }
            Effect::Work(Work::HideFrames { frames }) => self.hide_frames(&frames),
            Effect::Work(Work::Broadcast(message)) => self.broadcast(&message),
            Effect::Work(Work::RemoveFrame { frame }) => {
                // Removed together with the next ones, before any other effect runs.
                if let Some(frame) = self.frames.remove(&frame) {
                    self.leaving.push(frame);
                }
            }
            Effect::Work(Work::Post(message)) => self.post(&message),
            Effect::Work(Work::SendLogoutRequest { attempt, method, url }) => {
                self.send_logout(attempt, method, url)
            }
            Effect::Work(Work::ReadSessionMark { key }) => {
                let mark = session_mark::read(&self.window, &key);
                self.session.handle_event(Event::SessionMarkRead(mark));
            }
            Effect::Work(Work::SetSessionMark { key }) => session_mark::set(&self.window, &key),
            Effect::Work(Work::ClearSessionMark { key }) => session_mark::clear(&self.window, &key),
            Effect::Work(Work::AbortLogoutRequest { attempt }) => {
                if let Some(controller) = self.logouts.remove(&attempt) {
                    controller.abort();
                }
            }
            Effect::Work(Work::StartTimer { timer, after }) => {
                let weak = self.weak.clone();
                let handle = Timeout::new(timer_millis(after), move || {
                    if let Some(shared) = weak.upgrade() {
                        feed(&shared, Event::TimerFired(timer));
                        // Drop the fired handle after this callback has returned, not inside it.
                        let weak = Rc::downgrade(&shared);
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Some(shared) = weak.upgrade() {
                                if let Ok(mut driver) = shared.try_borrow_mut() {
                                    driver.timers.remove(&timer);
                                }
                            }
                        });
                    }
                });
                self.timers.insert(timer, handle);
            }
            Effect::Work(Work::CancelTimer { timer }) => {
                // Dropping the handle clears the browser timer.
                self.timers.remove(&timer);
            }
            Effect::News(News::Answer { request, result }) => {
                if let Some(waiter) = self.waiters.remove(&request) {
                    // The caller may have stopped waiting; nothing to do then.
                    let _ = waiter.send(result);
                }
            }
            Effect::Work(Work::ListenForMessages) => {
                // With the messages, the page's reports on the frames: their removal, a
                // policy that blocks them.
                self.attach_message_listener();
                self.attach_policy_listener();
                self.watch_removals();
            }
            Effect::Work(Work::StopListeningForMessages) => {
                frames::take_out_reattached(&self.detached);
                // We may be inside one of their callbacks: drop them afterwards.
                let listener = self.message_listener.take();
                let policy = self.policy_listener.take();
                let watch = self.removal_watch.take();
                wasm_bindgen_futures::spawn_local(async move { drop((listener, policy, watch)) });
            }
            Effect::News(News::StateChanged(state)) => {
                let listeners = self.listeners(|c| match c {
                    ChangeCallback::State(callback) => Some(callback.clone()),
                    _ => None,
                });
                return Some(Deferred::State(listeners, state));
            }
            Effect::News(News::LoggedOut { reason, result }) => {
                let listeners = self.listeners(|c| match c {
                    ChangeCallback::LoggedOut(callback) => Some(callback.clone()),
                    _ => None,
                });
                return Some(Deferred::LoggedOut(listeners, reason, result));
            }
            Effect::News(News::ReadyChanged(ready)) => return Some(self.flag_news(Flag::Ready, ready)),
            Effect::News(News::LoadedChanged(loaded)) => return Some(self.flag_news(Flag::Loaded, loaded)),
            Effect::News(News::InteractionRequiredChanged(required)) => {
                return Some(self.flag_news(Flag::InteractionRequired, required))
            }
            Effect::News(News::Notify { subscription, data }) => {
                if let Some(callback) = self.notification_listeners.get(&subscription) {
                    return Some(Deferred::Notify(callback.clone(), data));
                }
            }
            Effect::Work(Work::ScheduleIdleCheck { after }) => self.schedule_idle_check(after),
            Effect::Work(Work::CancelIdleCheck) => self.cancel_idle_check(),
            Effect::Work(Work::ChatActivity) => self.chat_activity(),
            Effect::Work(Work::IdleLogoutDue { deadline }) => self.claim_idle_logout(deadline),
            #[cfg(feature = "sdk-js")]
            Effect::Work(Work::LoadSdk {
                url,
                partner_id,
                mode,
            }) => self.load_sdk(url, partner_id, mode),
            #[cfg(feature = "sdk-js")]
            Effect::Work(Work::CallSdk { call, request }) => self.call_sdk(call, request),
            #[cfg(feature = "sdk-js")]
            Effect::Work(Work::HideContainedFrames { containers }) => self.hide_contained_frames(&containers),
            #[cfg(feature = "sdk-js")]
            Effect::Work(Work::RemoveContainedFrames { containers }) => {
                self.remove_contained_frames(&containers)
            }
            // Built without the sdk.js backend (the `sdk-js` feature): its transport fails typed.
            #[cfg(not(feature = "sdk-js"))]
            Effect::Work(Work::LoadSdk { .. }) => {
                self.session.handle_event(Event::SdkLoadFailed(
                    symphony_session::SdkLoadFailure::Unsupported,
                ));
            }
            #[cfg(not(feature = "sdk-js"))]
            Effect::Work(Work::CallSdk { call, .. }) => {
                let outcome = symphony_session::SdkOutcome::Missing;
                self.session.handle_event(Event::SdkSettled { call, outcome });
            }
            // Only the sdk.js transport asks for these, and it never starts without its backend.
            #[cfg(not(feature = "sdk-js"))]
            Effect::Work(Work::HideContainedFrames { .. } | Work::RemoveContainedFrames { .. }) => {}
            Effect::News(News::IdleWarningStarted { deadline }) => {
                return Some(self.idle_warning_news(Some(deadline)))
            }
            Effect::News(News::IdleWarningCleared) => return Some(self.idle_warning_news(None)),
        }
        None
    }

    fn flag_news(&self, flag: Flag, value: bool) -> Deferred {
        let listeners = self.listeners(|c| match c {
            ChangeCallback::Flag(kind, callback) if *kind == flag => Some(callback.clone()),
            _ => None,
        });
        Deferred::Flag(listeners, value)
    }

    fn idle_warning_news(&mut self, deadline: Option<Timestamp>) -> Deferred {
        let listeners = self.listeners(|c| match c {
            ChangeCallback::IdleWarning(callback) => Some(callback.clone()),
            _ => None,
        });
        Deferred::IdleWarning(listeners, deadline)
    }

    /// The registered callbacks of one kind, with their live flags.
    fn listeners<C>(&self, pick: impl Fn(&ChangeCallback) -> Option<C>) -> Vec<Registered<C>> {
        self.change_listeners
            .values()
            .filter_map(|l| {
                pick(&l.callback).map(|callback| Registered {
                    callback,
                    live: l.live.clone(),
                })
            })
            .collect()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        count(|c| c.instances -= 1);
        self.removal_watch = None;
        frames::take_out_reattached(&self.detached);
        // Dropping each frame removes it from the document.
        self.frames.clear();
        #[cfg(feature = "sdk-js")]
        self.remove_contained_frames(&self.session.sdk_containers());
        for (_, controller) in std::mem::take(&mut self.logouts).into_tuple_vec() {
            controller.abort();
        }
    }
}

/// A timer's delay for `setTimeout`, clamped to its largest, 2^31 - 1 ms (about 24.8
/// days): browsers run a longer delay at once.
pub(crate) fn timer_millis(after: std::time::Duration) -> u32 {
    const LONGEST: u32 = i32::MAX as u32;
    u32::try_from(after.as_millis()).map_or(LONGEST, |millis| millis.min(LONGEST))
}

/// A subscription sdk.js refused after [`Symphony::listen`](crate::Symphony::listen)
/// returned: counted, and its callback forgotten.
#[cfg(feature = "sdk-js")]
pub(crate) fn subscription_failed(shared: &Shared, subscription: SubscriptionId) {
    when_free(&Rc::downgrade(shared), move |shared| {
        let callback = {
            let mut driver = shared.borrow_mut();
            driver.failed_subscriptions += 1;
            driver.notification_listeners.remove(&subscription)
        };
        drop(callback);
    });
}

/// Feeds one event, then carries out what follows from it.
pub(crate) fn feed(shared: &Shared, event: Event) {
    // Busy only when a DOM event we caused runs this inside our own work: feed it after.
    when_free(&Rc::downgrade(shared), move |shared| {
        shared.borrow_mut().session.handle_event(event);
        pump(shared);
    });
}

/// Runs `work` on the driver now if it is free, else on a later task (never skipped while
/// the session lives): a handle may be dropped, or a DOM event fire, inside our own work.
pub(crate) fn when_free(shared: &Weak<RefCell<Driver>>, work: impl FnOnce(&Shared) + 'static) {
    // Boxed: one copy of the waiting below for every kind of work.
    run_when_free(shared, Box::new(work));
}

fn run_when_free(shared: &Weak<RefCell<Driver>>, work: Box<dyn FnOnce(&Shared)>) {
    let Some(strong) = shared.upgrade() else {
        return;
    };
    if strong.try_borrow_mut().is_ok() {
        work(&strong);
        return;
    }
    let weak = shared.clone();
    wasm_bindgen_futures::spawn_local(async move { run_when_free(&weak, work) });
}

/// Carries out every queued effect, then hands the news to the user callbacks, in order,
/// with the driver released (they may call back into us).
///
/// A callback that calls back (`listen`, dropping a listener, a command) runs a nested
/// pump: that one carries out the new effects at once (so that, say, `listen` gets its
/// answer) but only queues their callbacks. The outermost pump delivers the queue first in,
/// first out, so that no callback ever sees a state older than one it has already seen.
pub(crate) fn pump(shared: &Shared) {
    loop {
        let Ok(mut driver) = shared.try_borrow_mut() else {
            return;
        };
        let Some(effect) = driver.session.poll_effect() else {
            driver.remove_leaving();
            break;
        };
        if !matches!(effect, Effect::Work(Work::RemoveFrame { .. })) {
            driver.remove_leaving();
        }
        driver.snapshot.set(driver.snapshot_now());
        if let Some(deferred) = driver.execute(effect) {
            driver.deferred.push_back(deferred);
        }
    }
    match shared.try_borrow_mut() {
        Ok(mut driver) if !driver.delivering => driver.delivering = true,
        // A pump further out is delivering: it will reach what was queued here.
        _ => return,
    }
    loop {
        let next = match shared.try_borrow_mut() {
            Ok(mut driver) => driver.deferred.pop_front(),
            Err(_) => None,
        };
        match next {
            Some(Deferred::State(listeners, state)) => {
                for listener in listeners.iter().filter(|l| l.live.get()) {
                    (listener.callback)(state);
                }
            }
            Some(Deferred::Flag(listeners, value)) => {
                for listener in listeners.iter().filter(|l| l.live.get()) {
                    (listener.callback)(value);
                }
            }
            Some(Deferred::IdleWarning(listeners, deadline)) => {
                for listener in listeners.iter().filter(|l| l.live.get()) {
                    (listener.callback)(deadline);
                }
            }
            Some(Deferred::LoggedOut(listeners, reason, result)) => {
                for listener in listeners.iter().filter(|l| l.live.get()) {
                    (listener.callback)(reason, &result);
                }
            }
            Some(Deferred::Notify(listener, data)) => {
                if listener.live.get() {
                    (listener.callback)(&data);
                }
            }
            None => break,
        }
    }
    if let Ok(mut driver) = shared.try_borrow_mut() {
        driver.delivering = false;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wasm_bindgen_test::wasm_bindgen_test;

    use super::timer_millis;

    #[wasm_bindgen_test]
    fn timer_delays_stay_within_what_set_timeout_takes() {
        assert_eq!(timer_millis(Duration::from_millis(1500)), 1500);
        assert_eq!(timer_millis(Duration::from_millis(2_147_483_647)), 2_147_483_647);
        for long in [
            Duration::from_millis(2_147_483_648),
            Duration::from_secs(30 * 24 * 3600),
            Duration::MAX,
        ] {
            assert_eq!(timer_millis(long), 2_147_483_647, "{long:?}");
        }
    }
}
