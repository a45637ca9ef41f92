//! Carries out the session's effects in the browser and feeds the browser's events back.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::{Rc, Weak};

use futures::channel::oneshot;
use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use gloo_utils::format::JsValueSerdeExt;
use serde_json::Value;
use symphony_session::protocol::{HostMessage, TabMessage};
use symphony_session::{
    Effect, Event, FrameId, FrameKind, LogoutAttemptId, RequestId, Session, SessionState, SubscriptionId,
    SymphonyError, TimerId,
};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    AbortController, BroadcastChannel, Document, Element, HtmlIFrameElement, MessageEvent, MutationObserver,
    MutationObserverInit, MutationRecord, Window,
};

/// Shared by every clone of the handle; callbacks hold a [`Weak`] to it.
pub(crate) type Shared = Rc<RefCell<Driver>>;

/// Attribute carried by every frame this library creates, with the instance number.
pub(crate) const INSTANCE_ATTRIBUTE: &str = "data-symphony-instance";
/// Attribute carrying the frame's id within its instance.
pub(crate) const FRAME_ATTRIBUTE: &str = "data-symphony-frame";

thread_local! {
    static LIVE: std::cell::Cell<LiveCounts> = const { std::cell::Cell::new(LiveCounts { instances: 0, frames: 0, message_listeners: 0 }) };
}

/// What every [`Symphony`](crate::Symphony) of this thread holds now, together. After the
/// last handle is dropped, all three are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveCounts {
    /// Sessions whose driver is alive.
    pub instances: usize,
    /// Iframes in the document.
    pub frames: usize,
    /// Window `message` listeners attached.
    pub message_listeners: usize,
}

/// The thread's [`LiveCounts`].
pub fn live_counts() -> LiveCounts {
    LIVE.with(std::cell::Cell::get)
}

fn count(change: impl FnOnce(&mut LiveCounts)) {
    LIVE.with(|live| {
        let mut counts = live.get();
        change(&mut counts);
        live.set(counts);
    });
}

/// A frame in the document. Its `load` events reach the driver's one capture listener on the
/// document ([`Driver::listen_for_loads`]), so that removing a frame is one DOM call: touching
/// an iframe right after its removal (to take a listener off it) costs the browser tens of
/// microseconds per frame.
struct MountedFrame {
    element: HtmlIFrameElement,
    kind: FrameKind,
    /// Already taken out of the document (by [`remove_together`]).
    removed: bool,
}

impl MountedFrame {
    fn new(element: HtmlIFrameElement, kind: FrameKind) -> Self {
        count(|c| c.frames += 1);
        Self {
            element,
            kind,
            removed: false,
        }
    }
}

/// Takes every frame out of the document in one call into the browser:
/// `Array.prototype.forEach.call(frames, Function.prototype.call, Element.prototype.remove)`,
/// the loop a page's own script would run. Calling `remove()` from wasm once per frame costs
/// more: the browser's deferred work of tearing a frame down lands on the next call that
/// crosses from wasm into JavaScript, about 10 µs per frame on a slow machine.
fn remove_together(frames: &mut [MountedFrame]) {
    let Some(first) = frames.first().map(|f| f.element.clone()) else {
        return;
    };
    let removed = (|| {
        let list: js_sys::Array = frames.iter().map(|f| JsValue::from(&f.element)).collect();
        let remove = js_sys::Reflect::get(&first, &JsValue::from_str("remove")).ok()?;
        let call = js_sys::Reflect::get(&remove, &JsValue::from_str("call")).ok()?;
        let for_each: js_sys::Function = js_sys::Reflect::get(&list, &JsValue::from_str("forEach"))
            .ok()?
            .dyn_into()
            .ok()?;
        for_each.call2(&list, &call, &remove).ok()
    })();
    if removed.is_some() {
        for frame in frames {
            frame.removed = true;
        }
    }
    // Otherwise each frame removes itself when dropped.
}

impl Drop for MountedFrame {
    fn drop(&mut self) {
        if !self.removed {
            self.element.remove();
        }
        count(|c| c.frames -= 1);
    }
}

/// The window `message` listener, counted while it lives.
struct MessageListener(#[allow(dead_code)] EventListener);

impl MessageListener {
    fn new(listener: EventListener) -> Self {
        count(|c| c.message_listeners += 1);
        Self(listener)
    }
}

impl Drop for MessageListener {
    fn drop(&mut self) {
        count(|c| c.message_listeners -= 1);
    }
}

type MutationCallback = Closure<dyn FnMut(js_sys::Array, MutationObserver)>;

/// Watches the document for our frames being taken out by someone else (a component
/// unmounting their container, say); disconnected when dropped.
struct RemovalWatch {
    observer: MutationObserver,
    _callback: MutationCallback,
}

impl Drop for RemovalWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// The cross-tab channel and its listener; closed when dropped.
struct TabChannel {
    channel: BroadcastChannel,
    _listener: EventListener,
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.close();
    }
}

pub(crate) type StateCallback = Rc<dyn Fn(SessionState)>;
pub(crate) type ReadyCallback = Rc<dyn Fn(bool)>;

/// A registered change callback.
#[derive(Clone)]
pub(crate) enum ChangeCallback {
    State(StateCallback),
    Ready(ReadyCallback),
}
pub(crate) type NotificationCallback = Rc<dyn Fn(&Value)>;

/// Counters kept by the adapter, for diagnostics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DomDiagnostics {
    /// `message` events refused because of their origin or source.
    pub rejected_messages: u64,
    /// `load` events refused: from an element carrying our frame marks that is not the
    /// iframe we created (injected markup).
    pub rejected_loads: u64,
    /// Messages from the main frame that were not understood.
    pub malformed_messages: u64,
    /// Events that referred to something no longer current.
    pub stale_events: u64,
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
    frames: HashMap<FrameId, MountedFrame>,
    /// Frames to remove from the document, together ([`Driver::remove_leaving`]).
    leaving: Vec<MountedFrame>,
    timers: HashMap<TimerId, Timeout>,
    logouts: HashMap<LogoutAttemptId, AbortController>,
    pub(crate) waiters: HashMap<RequestId, oneshot::Sender<Result<(), SymphonyError>>>,
    message_listener: Option<MessageListener>,
    load_listener: Option<EventListener>,
    removal_watch: Option<RemovalWatch>,
    tab_channel: Option<TabChannel>,
    pub(crate) change_listeners: BTreeMap<u64, ChangeCallback>,
    pub(crate) notification_listeners: HashMap<SubscriptionId, NotificationCallback>,
    /// Refreshed before each effect is carried out (see [`Snapshot`]).
    pub(crate) snapshot: Rc<std::cell::Cell<Snapshot>>,
    rejected_messages: u64,
    rejected_loads: u64,
    /// The frames' `allow` attribute.
    frame_allow: String,
    /// User callbacks waiting to run, in order ([`pump`]).
    deferred: VecDeque<Deferred>,
    /// A pump is running the callbacks of `deferred`.
    delivering: bool,
    weak: Weak<RefCell<Driver>>,
}

/// What the handle's accessors answer. Read from the driver when it is free; while it is at
/// work (a DOM event we caused fires synchronously, say a `focusout` when we remove the
/// focused frame), from this copy, taken before the effect in progress.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) state: SessionState,
    pub(crate) ready: bool,
    pub(crate) server_session_may_be_alive: bool,
    pub(crate) diagnostics: DomDiagnostics,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            state: SessionState::Unrendered,
            ready: false,
            server_session_may_be_alive: false,
            diagnostics: DomDiagnostics::default(),
        }
    }
}

/// User code to run once the driver is no longer borrowed (it may call back into us).
enum Deferred {
    State(Vec<StateCallback>, SessionState),
    Ready(Vec<ReadyCallback>, bool),
    Notify(NotificationCallback, Value),
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
                frames: HashMap::new(),
                leaving: Vec::new(),
                timers: HashMap::new(),
                logouts: HashMap::new(),
                waiters: HashMap::new(),
                message_listener: None,
                load_listener: None,
                removal_watch: None,
                tab_channel: None,
                change_listeners: BTreeMap::new(),
                notification_listeners: HashMap::new(),
                snapshot: Rc::new(std::cell::Cell::new(Snapshot::default())),
                rejected_messages: 0,
                rejected_loads: 0,
                frame_allow: options.frame_allow,
                deferred: VecDeque::new(),
                delivering: false,
                weak: weak.clone(),
            })
        });
        if options.sync_tabs {
            let channel = Driver::open_tab_channel(&shared);
            shared.borrow_mut().tab_channel = channel;
        }
        shared
    }

    /// Hears the other documents of this origin that embed the same pod; what they say is
    /// the session's to judge ([`Event::TabMessage`]).
    fn open_tab_channel(shared: &Shared) -> Option<TabChannel> {
        let pod = shared.borrow().session.config().pod_origin().to_owned();
        let channel = BroadcastChannel::new(&TabMessage::channel_name(&pod)).ok()?;
        let weak = Rc::downgrade(shared);
        let listener = EventListener::new(&channel, "message", move |event| {
            let Some(event) = event.dyn_ref::<MessageEvent>() else {
                return;
            };
            // Anything JSON.stringify cannot handle becomes null: counted as malformed.
            let value = event.data().into_serde::<Value>().unwrap_or(Value::Null);
            if let Some(shared) = weak.upgrade() {
                feed(&shared, Event::TabMessage(value));
            }
        });
        Some(TabChannel {
            channel,
            _listener: listener,
        })
    }

    /// Posts a message to the other documents, when tabs are synchronised.
    fn broadcast(&self, message: &TabMessage) {
        let Some(tab) = &self.tab_channel else {
            return;
        };
        if let Ok(value) = <JsValue as JsValueSerdeExt>::from_serde(message) {
            // Fails only when the channel is closed, i.e. while we are being dropped.
            let _ = tab.channel.post_message(&value);
        }
    }

    /// Takes the frames of consecutive [`Effect::RemoveFrame`]s out of the document at once.
    fn remove_leaving(&mut self) {
        if self.leaving.is_empty() {
            return;
        }
        let mut leaving = std::mem::take(&mut self.leaving);
        remove_together(&mut leaving);
    }

    pub(crate) fn snapshot_now(&self) -> Snapshot {
        Snapshot {
            state: self.session.state(),
            ready: self.session.is_ready(),
            server_session_may_be_alive: self.session.server_session_may_be_alive(),
            diagnostics: self.diagnostics(),
        }
    }

    pub(crate) fn diagnostics(&self) -> DomDiagnostics {
        let core = self.session.diagnostics();
        DomDiagnostics {
            rejected_messages: self.rejected_messages,
            rejected_loads: self.rejected_loads,
            malformed_messages: core.malformed_messages,
            stale_events: core.stale_events,
            frames: self.frames.len(),
            message_listeners: usize::from(self.message_listener.is_some()),
            timers: self.timers.len(),
            http_requests: self.logouts.len(),
        }
    }

    fn main_window(&self) -> Option<Window> {
        self.frames
            .values()
            .find(|f| f.kind == FrameKind::Main)
            .and_then(|f| f.element.content_window())
    }

    /// Carries out one effect; returns user code to run after the borrow ends.
    fn execute(&mut self, effect: Effect) -> Option<Deferred> {
        match effect {
            Effect::CreateFrame {
                frame,
                kind,
                container,
                url,
            } => {
                if let Err(event) = self.create_frame(frame, kind, &container, &url) {
                    self.session.handle_event(event);
                }
            }
            Effect::HideFrames { frames } => self.hide_frames(&frames),
            Effect::Broadcast(message) => self.broadcast(&message),
            Effect::RemoveFrame { frame } => {
                // Removed together with the next ones, before any other effect runs.
                if let Some(frame) = self.frames.remove(&frame) {
                    self.leaving.push(frame);
                }
            }
            Effect::Post(message) => self.post(&message),
            Effect::SendLogoutRequest { attempt, url } => self.send_logout(attempt, url),
            Effect::AbortLogoutRequest { attempt } => {
                if let Some(controller) = self.logouts.remove(&attempt) {
                    controller.abort();
                }
            }
            Effect::StartTimer { timer, after } => {
                let weak = self.weak.clone();
                let millis = u32::try_from(after.as_millis()).unwrap_or(u32::MAX);
                let handle = Timeout::new(millis, move || {
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
            Effect::CancelTimer { timer } => {
                // Dropping the handle clears the browser timer.
                self.timers.remove(&timer);
            }
            Effect::Answer { request, result } => {
                if let Some(waiter) = self.waiters.remove(&request) {
                    // The caller may have stopped waiting; nothing to do then.
                    let _ = waiter.send(result);
                }
            }
            Effect::StateChanged(state) => {
                match state {
                    SessionState::Rendered | SessionState::LoggingOut => {
                        self.attach_message_listener();
                        self.watch_removals();
                    }
                    SessionState::LoggedOut | SessionState::Unrendered => {
                        // We may be inside one of their callbacks: drop them afterwards.
                        let listener = self.message_listener.take();
                        let watch = self.removal_watch.take();
                        wasm_bindgen_futures::spawn_local(async move { drop((listener, watch)) });
                    }
                }
                let listeners = self
                    .change_listeners
                    .values()
                    .filter_map(|l| match l {
                        ChangeCallback::State(callback) => Some(callback.clone()),
                        ChangeCallback::Ready(_) => None,
                    })
                    .collect();
                return Some(Deferred::State(listeners, state));
            }
            Effect::ReadyChanged(ready) => {
                let listeners = self
                    .change_listeners
                    .values()
                    .filter_map(|l| match l {
                        ChangeCallback::Ready(callback) => Some(callback.clone()),
                        ChangeCallback::State(_) => None,
                    })
                    .collect();
                return Some(Deferred::Ready(listeners, ready));
            }
            Effect::Notify { subscription, data } => {
                if let Some(callback) = self.notification_listeners.get(&subscription) {
                    return Some(Deferred::Notify(callback.clone(), data));
                }
            }
        }
        None
    }

    fn create_frame(
        &mut self,
        frame: FrameId,
        kind: FrameKind,
        container: &str,
        url: &str,
    ) -> Result<(), Event> {
        let missing = || Event::FrameContainerMissing(frame);
        let parent = self.document.get_element_by_id(container).ok_or_else(missing)?;
        let element: HtmlIFrameElement = self
            .document
            .create_element("iframe")
            .map_err(|_| missing())?
            .dyn_into()
            .map_err(|_| missing())?;
        let title = match kind {
            FrameKind::Main => "Symphony Messaging",
            FrameKind::Child => "Symphony Messaging chat",
        };
        element.set_title(title);
        // Attribute writes on a fresh element cannot fail; ignore the Result to stay panic-free.
        let _ = element.set_attribute("allow", &self.frame_allow);
        let _ = element.set_attribute("referrerpolicy", "strict-origin-when-cross-origin");
        let _ = element.set_attribute(INSTANCE_ATTRIBUTE, &self.instance.to_string());
        let _ = element.set_attribute(FRAME_ATTRIBUTE, &frame.0.to_string());
        // CSSOM, not a `style` attribute: a strict CSP (`style-src` without 'unsafe-inline')
        // blocks the attribute but not this.
        let style = element.style();
        for (property, value) in [
            ("width", "100%"),
            ("height", "100%"),
            ("border", "0"),
            ("display", "block"),
        ] {
            let _ = style.set_property(property, value);
        }
        element.set_src(url);
        self.listen_for_loads();
        parent.append_child(&element).map_err(|_| missing())?;
        self.frames.insert(frame, MountedFrame::new(element, kind));
        Ok(())
    }

    /// One `load` listener for every frame of this instance, in the capture phase on the
    /// document (`load` does not bubble, but it is captured), for the life of the driver.
    fn listen_for_loads(&mut self) {
        if self.load_listener.is_some() {
            return;
        }
        let weak = self.weak.clone();
        let instance = self.instance.to_string();
        let options = EventListenerOptions::run_in_capture_phase();
        self.load_listener = Some(EventListener::new_with_options(
            &self.document,
            "load",
            options,
            move |event| {
                let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                    return;
                };
                if target.get_attribute(INSTANCE_ATTRIBUTE).as_deref() != Some(instance.as_str()) {
                    return;
                }
                let frame = target
                    .get_attribute(FRAME_ATTRIBUTE)
                    .and_then(|id| id.parse().ok())
                    .map(FrameId);
                if let Some(shared) = weak.upgrade() {
                    accept_load(&shared, frame, target);
                }
            },
        ));
    }

    /// Hides the frames in one style recalculation (the writes land before the next
    /// layout), with `visibility`, so the layout does not move. Written through CSSOM,
    /// which a strict CSP allows. They stay hidden until removed.
    fn hide_frames(&mut self, frames: &[FrameId]) {
        for frame in frames {
            if let Some(mounted) = self.frames.get(frame) {
                let _ =
                    mounted
                        .element
                        .style()
                        .set_property_with_priority("visibility", "hidden", "important");
            }
        }
    }

    fn post(&self, message: &HostMessage) {
        let Some(target) = self.main_window() else {
            return;
        };
        let Ok(value) = <JsValue as JsValueSerdeExt>::from_serde(&message.to_value()) else {
            return;
        };
        // A failure here means the frame is gone; the request's timeout answers the caller.
        let _ = target.post_message(&value, self.session.config().pod_origin());
    }

    fn send_logout(&mut self, attempt: LogoutAttemptId, url: String) {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(AbortController::signal);
        if let Some(controller) = controller {
            self.logouts.insert(attempt, controller);
        }
        let weak = self.weak.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let request = gloo::net::http::Request::post(&url)
                .credentials(web_sys::RequestCredentials::Include)
                .abort_signal(signal.as_ref());
            let event = match request.send().await {
                Ok(response) => Event::LogoutAnswered {
                    attempt,
                    status: response.status(),
                },
                Err(err) => Event::LogoutFailed {
                    attempt,
                    message: err.to_string(),
                },
            };
            if let Some(shared) = weak.upgrade() {
                if let Ok(mut driver) = shared.try_borrow_mut() {
                    driver.logouts.remove(&attempt);
                }
                feed(&shared, event);
            }
        });
    }

    fn watch_removals(&mut self) {
        if self.removal_watch.is_some() {
            return;
        }
        let weak = self.weak.clone();
        let callback: MutationCallback = Closure::new(move |records: js_sys::Array, _: MutationObserver| {
            // The page's own DOM updates (an app re-rendering) land here too: only a removal
            // can take a frame out, so only then are the frames looked at.
            let removal = records
                .iter()
                .any(|r| r.unchecked_into::<MutationRecord>().removed_nodes().length() > 0);
            if !removal {
                return;
            }
            let Some(shared) = weak.upgrade() else {
                return;
            };
            let gone: Vec<FrameId> = match shared.try_borrow() {
                Ok(driver) => driver
                    .frames
                    .iter()
                    .filter(|(_, f)| !f.element.is_connected())
                    .map(|(id, _)| *id)
                    .collect(),
                Err(_) => return,
            };
            for frame in gone {
                if let Ok(mut driver) = shared.try_borrow_mut() {
                    // Already out of the document: forget it without touching the DOM.
                    driver.frames.remove(&frame);
                }
                feed(&shared, Event::FrameRemoved(frame));
            }
        });
        let Ok(observer) = MutationObserver::new(callback.as_ref().unchecked_ref()) else {
            return;
        };
        let Some(root) = self.document.document_element() else {
            return;
        };
        let options = MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        if observer.observe_with_options(&root, &options).is_ok() {
            self.removal_watch = Some(RemovalWatch {
                observer,
                _callback: callback,
            });
        }
    }

    fn attach_message_listener(&mut self) {
        if self.message_listener.is_some() {
            return;
        }
        let weak = self.weak.clone();
        let pod_origin = self.session.config().pod_origin().to_owned();
        self.message_listener = Some(MessageListener::new(EventListener::new(
            &self.window,
            "message",
            move |event| {
                let Some(shared) = weak.upgrade() else {
                    return;
                };
                let Some(event) = event.dyn_ref::<MessageEvent>() else {
                    return;
                };
                let accepted = {
                    let Ok(mut driver) = shared.try_borrow_mut() else {
                        return;
                    };
                    let from_main = match (event.source(), driver.main_window()) {
                        (Some(source), Some(main)) => JsValue::from(source) == JsValue::from(main),
                        _ => false,
                    };
                    if event.origin() != pod_origin || !from_main {
                        driver.rejected_messages += 1;
                        false
                    } else {
                        true
                    }
                };
                if accepted {
                    // Anything JSON.stringify cannot handle becomes null: counted as malformed.
                    let value = event.data().into_serde::<Value>().unwrap_or(Value::Null);
                    feed(&shared, Event::Message(value));
                }
            },
        )));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        count(|c| c.instances -= 1);
        self.removal_watch = None;
        // Dropping each frame removes it from the document.
        self.frames.clear();
        for (_, controller) in self.logouts.drain() {
            controller.abort();
        }
    }
}

/// A `load` from an element marked as this instance's frame `frame`: fed only when that
/// element is the very iframe created for the frame. The marks are plain `data-`
/// attributes that injected markup (which sanitizers let through) can copy; identity cannot.
fn accept_load(shared: &Shared, frame: Option<FrameId>, target: Element) {
    let ours = match shared.try_borrow_mut() {
        Ok(mut driver) => {
            let ours = frame.filter(|frame| {
                driver
                    .frames
                    .get(frame)
                    .is_some_and(|mounted| mounted.element.is_same_node(Some(&target)))
            });
            if ours.is_none() {
                driver.rejected_loads += 1;
            }
            ours
        }
        Err(_) => {
            // Fired while the driver is busy (a load can be synchronous): judge it after.
            let weak = Rc::downgrade(shared);
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = weak.upgrade() {
                    accept_load(&shared, frame, target);
                }
            });
            return;
        }
    };
    if let Some(frame) = ours {
        feed(shared, Event::FrameLoaded(frame));
    }
}

/// Feeds one event, then carries out what follows from it.
pub(crate) fn feed(shared: &Shared, event: Event) {
    match shared.try_borrow_mut() {
        Ok(mut driver) => driver.session.handle_event(event),
        Err(_) => {
            // Only reachable if user code re-enters while we hold the borrow; retry later.
            let weak = Rc::downgrade(shared);
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = weak.upgrade() {
                    feed(&shared, event);
                }
            });
            return;
        }
    }
    pump(shared);
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
        if !matches!(effect, Effect::RemoveFrame { .. }) {
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
                for listener in listeners {
                    listener(state);
                }
            }
            Some(Deferred::Ready(listeners, ready)) => {
                for listener in listeners {
                    listener(ready);
                }
            }
            Some(Deferred::Notify(callback, data)) => callback(&data),
            None => break,
        }
    }
    if let Ok(mut driver) = shared.try_borrow_mut() {
        driver.delivering = false;
    }
}
