//! Shared, in-memory state of one emulated pod: sessions, counters, faults,
//! recorded messages, frame view reports, and the broadcast feeding the
//! frames' event streams.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::config::AllowedOrigins;
use crate::notify::{GlobalUnreadCount, MessagePayloads, SocialMessage, UnreadCount};

/// How the logout endpoints (`/logout` and `/apps/embed/logout`) behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogoutFault {
    /// End the session and answer 200.
    #[default]
    Ok,
    /// Answer with this 4xx/5xx status and keep the session.
    Status(u16),
    /// Never answer (until the emulator shuts down).
    Hang,
    /// End the session and answer 200 after this many milliseconds.
    DelayMs(u64),
    /// Close the connection without an HTTP answer.
    Drop,
}

/// How the main frames behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MainFrameFault {
    /// Post `clientReady` and answer every `sdk-action`.
    #[default]
    Ok,
    /// Never post `clientReady`.
    NeverReady,
    /// Post `clientReady` but never answer an `sdk-action`.
    NoAnswer,
    /// Post `clientReady` this many milliseconds after loading (a slow sign-in).
    ReadyAfterMs(u64),
}

/// How the stand-in `sdk.js` (`/embed/sdk.js`) behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SdkFault {
    /// How the script itself is served.
    pub script: SdkScriptFault,
    /// What `window.symphony.logout()` does.
    pub logout: SdkLogoutFault,
    /// `logout()` leaves the main frame in the page after a successful logout.
    pub leave_frame: bool,
}

/// How `/embed/sdk.js` is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SdkScriptFault {
    /// Served at once.
    #[default]
    Ok,
    /// Answered 404.
    Missing,
    /// Served after this many milliseconds.
    DelayMs(u64),
}

/// What the stand-in's `logout()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SdkLogoutFault {
    /// Ends the pod session (`POST /logout`), removes its frames, resolves `{}`.
    #[default]
    Ok,
    /// Never settles.
    Hang,
    /// Resolves `{error: {type: "ERROR", ..}}` without asking the pod.
    Error,
    /// Rejects.
    Reject,
}

impl SdkFault {
    pub(crate) fn to_json(self) -> Value {
        let script = match self.script {
            SdkScriptFault::Ok => json!("ok"),
            SdkScriptFault::Missing => json!("missing"),
            SdkScriptFault::DelayMs(ms) => json!({ "delayMs": ms }),
        };
        json!({ "script": script, "logout": self.logout_name(), "leaveFrame": self.leave_frame })
    }

    /// The name the script reads (`FAULTS.logout`).
    pub(crate) fn logout_name(self) -> &'static str {
        match self.logout {
            SdkLogoutFault::Ok => "ok",
            SdkLogoutFault::Hang => "hang",
            SdkLogoutFault::Error => "error",
            SdkLogoutFault::Reject => "reject",
        }
    }

    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        const ACCEPTED: &str = "accepted sdk faults: {\"script\": \"ok\" | \"missing\" | {\"delayMs\": 0..=600000}, \"logout\": \"ok\" | \"hang\" | \"error\" | \"reject\", \"leaveFrame\": true | false}";
        let Value::Object(map) = value else {
            return Err(format!("sdk faults must be an object; {ACCEPTED}"));
        };
        let mut fault = SdkFault::default();
        for (key, value) in map {
            match (key.as_str(), value) {
                ("script", Value::String(s)) if s == "ok" => fault.script = SdkScriptFault::Ok,
                ("script", Value::String(s)) if s == "missing" => fault.script = SdkScriptFault::Missing,
                ("script", Value::Object(delay)) if delay.len() == 1 => {
                    match delay.get("delayMs").and_then(Value::as_u64) {
                        Some(ms) if ms <= MAX_DELAY_MS => fault.script = SdkScriptFault::DelayMs(ms),
                        _ => return Err(format!("unknown sdk fault {value}; {ACCEPTED}")),
                    }
                }
                ("logout", Value::String(s)) => {
                    fault.logout = match s.as_str() {
                        "ok" => SdkLogoutFault::Ok,
                        "hang" => SdkLogoutFault::Hang,
                        "error" => SdkLogoutFault::Error,
                        "reject" => SdkLogoutFault::Reject,
                        _ => return Err(format!("unknown sdk fault {value}; {ACCEPTED}")),
                    }
                }
                ("leaveFrame", Value::Bool(leave)) => fault.leave_frame = *leave,
                _ => return Err(format!("unknown sdk fault {key}: {value}; {ACCEPTED}")),
            }
        }
        Ok(fault)
    }
}

/// Longest accepted `delayMs` (10 minutes).
pub const MAX_DELAY_MS: u64 = 600_000;

/// How many frame view reports the pod keeps; older ones are dropped.
pub const MAX_VIEWS: usize = 500;

impl LogoutFault {
    pub(crate) fn to_json(self) -> Value {
        match self {
            Self::Ok => json!("ok"),
            Self::Status(s) => json!({ "status": s }),
            Self::Hang => json!("hang"),
            Self::DelayMs(ms) => json!({ "delayMs": ms }),
            Self::Drop => json!("drop"),
        }
    }

    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        const ACCEPTED: &str = "accepted logout faults: \"ok\", \"hang\", \"drop\", {\"status\": 400..=599}, {\"delayMs\": 0..=600000}";
        match value {
            Value::String(s) => match s.as_str() {
                "ok" => Ok(Self::Ok),
                "hang" => Ok(Self::Hang),
                "drop" => Ok(Self::Drop),
                other => Err(format!("unknown logout fault {other:?}; {ACCEPTED}")),
            },
            Value::Object(map) if map.len() == 1 => {
                if let Some(status) = map.get("status") {
                    match status.as_u64() {
                        Some(s @ 400..=599) => Ok(Self::Status(s as u16)),
                        _ => Err(format!(
                            "logout status must be an integer from 400 to 599; {ACCEPTED}"
                        )),
                    }
                } else if let Some(delay) = map.get("delayMs") {
                    match delay.as_u64() {
                        Some(ms) if ms <= MAX_DELAY_MS => Ok(Self::DelayMs(ms)),
                        _ => Err(format!(
                            "logout delayMs must be an integer from 0 to {MAX_DELAY_MS}; {ACCEPTED}"
                        )),
                    }
                } else {
                    Err(format!("unknown logout fault {value}; {ACCEPTED}"))
                }
            }
            other => Err(format!("unknown logout fault {other}; {ACCEPTED}")),
        }
    }
}

impl MainFrameFault {
    /// The name the frame's script reads (`boot.fault`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NeverReady => "neverReady",
            Self::NoAnswer => "noAnswer",
            Self::ReadyAfterMs(_) => "readyAfter",
        }
    }

    /// The delay of `ReadyAfterMs`, else 0.
    pub(crate) fn ready_after_ms(self) -> u64 {
        match self {
            Self::ReadyAfterMs(ms) => ms,
            _ => 0,
        }
    }

    pub(crate) fn to_json(self) -> Value {
        match self {
            Self::ReadyAfterMs(ms) => json!({ "readyAfterMs": ms }),
            other => json!(other.as_str()),
        }
    }

    pub(crate) fn from_json(value: &Value) -> Result<Self, String> {
        const ACCEPTED: &str =
            "accepted mainFrame faults: \"ok\", \"neverReady\", \"noAnswer\", {\"readyAfterMs\": 0..=600000}";
        match value {
            Value::String(s) => match s.as_str() {
                "ok" => Ok(Self::Ok),
                "neverReady" => Ok(Self::NeverReady),
                "noAnswer" => Ok(Self::NoAnswer),
                _ => Err(format!("unknown mainFrame fault {value}; {ACCEPTED}")),
            },
            Value::Object(map) if map.len() == 1 => match map.get("readyAfterMs").and_then(Value::as_u64) {
                Some(ms) if ms <= MAX_DELAY_MS => Ok(Self::ReadyAfterMs(ms)),
                _ => Err(format!("unknown mainFrame fault {value}; {ACCEPTED}")),
            },
            _ => Err(format!("unknown mainFrame fault {value}; {ACCEPTED}")),
        }
    }
}

/// The active faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    pub logout: LogoutFault,
    pub main_frame: MainFrameFault,
    pub sdk: SdkFault,
}

impl Faults {
    pub(crate) fn to_json(self) -> Value {
        json!({ "logout": self.logout.to_json(), "mainFrame": self.main_frame.to_json(), "sdk": self.sdk.to_json() })
    }
}

/// A signed-in session.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: String,
    pub user: String,
}

/// Who produced a recorded message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageSource {
    /// Injected with `POST /__emulator/messages` (someone else wrote it).
    Admin,
    /// Sent by a signed-in frame (`send-message` or the composer).
    Frame,
}

/// A recorded chat message.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: u64,
    pub stream_id: String,
    pub text: String,
    pub from_name: String,
    /// The sender's user id (the emulator's id of `from_name` unless the admin API gave one).
    pub from_whom_id: u64,
    /// Whether the message mentions the user (only the admin API says so).
    pub is_mention: bool,
    pub source: MessageSource,
}

/// A message as pushed to the frames, with the unread counts after it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageEvent {
    #[serde(flatten)]
    pub message: Message,
    /// Unread count of the message's stream.
    pub unread: u64,
    /// Unread count over all streams.
    pub global_unread: u64,
    /// What the message makes the main frames post to each kind of subscription.
    pub notifications: MessagePayloads,
}

/// Which kind of frame reported a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewFrame {
    /// A main frame (Focus or Collaboration).
    Main,
    /// A Focus child frame (`frame-root.html`).
    Child,
}

/// Which main frame reported a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewMode {
    /// `/apps/embed/default`: one stream, no sidebar.
    Focus,
    /// `/apps/client2/default`: the stream list and the chat.
    Collaboration,
}

/// What a frame shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewPage {
    /// The chat of a signed-in user.
    Chat,
    /// The sign-in form (main frames).
    Signin,
    /// An error card (main frames with a bad `sdkOrigin`).
    Error,
    /// "waiting for stream" (child frames).
    Waiting,
}

/// What one frame reported it shows, in the order the pod received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct View {
    /// Main frame or child frame.
    pub frame: ViewFrame,
    /// `None` for child frames.
    pub mode: Option<ViewMode>,
    /// What it shows.
    pub page: ViewPage,
    /// The signed-in user it shows, if any.
    pub user: Option<String>,
    /// The stream it shows, if any.
    pub stream_id: Option<String>,
    /// The child id from the child frame's `location.hash`.
    #[serde(rename = "iFrameId")]
    pub i_frame_id: Option<String>,
    /// How many `set-stream`s the frame has been shown so far (a main frame: those for
    /// itself; a child frame: those relayed to it), so that tests can tell a repeated one
    /// from none. Omitted when the frame did not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shows: Option<u64>,
    /// Assigned by the pod: 1, 2, ... in arrival order, never reused (not
    /// even after a reset).
    pub seq: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Inner {
    /// Sessions in creation order.
    pub sessions: Vec<Session>,
    pub known_browsers: HashSet<String>,
    pub logout_frame: u64,
    pub logout_http: u64,
    pub frames_loaded: u64,
    pub subscriptions: u64,
    pub faults: Faults,
    pub messages: Vec<Message>,
    pub unread: HashMap<String, u64>,
    pub next_message_id: u64,
    /// The last [`MAX_VIEWS`] view reports, oldest first.
    pub views: VecDeque<View>,
    pub next_view_seq: u64,
}

impl Inner {
    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id == id)
    }

    /// Logs out the user of session `id`: ends that session and every other session of the
    /// same user. Symphony's logout signs the user out of every Symphony instance of the
    /// browser; with partitioned cookies each top-level site embedding the pod has a cookie,
    /// and so a session, of its own, so the pod cannot tell them apart by browser and ends
    /// them all. Returns how many sessions ended (0 when `id` is not a live session).
    pub fn end_session(&mut self, id: &str) -> usize {
        let Some(user) = self.session(id).map(|s| s.user.clone()) else {
            return 0;
        };
        let before = self.sessions.len();
        self.sessions.retain(|s| s.user != user);
        before - self.sessions.len()
    }

    pub fn to_json(&self) -> Value {
        let messages: Vec<Value> = self
            .messages
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "streamId": m.stream_id,
                    "text": m.text,
                    "fromName": m.from_name,
                    "fromWhomId": m.from_whom_id,
                    "isMention": m.is_mention,
                    "source": m.source,
                })
            })
            .collect();
        json!({
            "sessions": self.sessions,
            "knownBrowsers": self.known_browsers.len(),
            "logoutRequests": { "frame": self.logout_frame, "http": self.logout_http },
            "framesLoaded": self.frames_loaded,
            "subscriptions": self.subscriptions,
            "faults": self.faults.to_json(),
            "messages": messages,
            "views": self.views,
        })
    }

    /// Records a view report, assigning its `seq`, and drops the oldest
    /// report beyond [`MAX_VIEWS`].
    pub fn record_view(&mut self, mut view: View) -> View {
        view.seq = self.next_view_seq;
        self.next_view_seq += 1;
        self.views.push_back(view.clone());
        while self.views.len() > MAX_VIEWS {
            self.views.pop_front();
        }
        view
    }
}

/// The user "did something" in a frame, for the main frames to report to their
/// `ActivityNotifications` subscribers.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityEvent {
    /// `main`, or the container id of a child frame.
    pub frame: String,
}

/// What the admin API makes the signed-in main frames tell their hosts, besides messages:
/// one event on their event stream each.
#[derive(Clone, Debug)]
pub(crate) enum Signal {
    /// `activity`: the user was active (`ActivityNotifications`).
    Activity(ActivityEvent),
    /// `maestro`: a system message, its `MessageNotifications` object as documented.
    Maestro(Value),
    /// `connection`: its `ConnectionNotifications` object as documented.
    Connection(Value),
}

impl Signal {
    /// The name of its event on the event stream.
    pub(crate) fn event_name(&self) -> &'static str {
        match self {
            Self::Activity(_) => "activity",
            Self::Maestro(_) => "maestro",
            Self::Connection(_) => "connection",
        }
    }

    /// The event's data.
    pub(crate) fn data(&self) -> Value {
        match self {
            Self::Activity(event) => json!({ "frame": event.frame }),
            Self::Maestro(payload) | Self::Connection(payload) => payload.clone(),
        }
    }
}

/// A recorded message as pushed to the frames, with the counts as they are now.
fn message_event(inner: &Inner, message: &Message) -> MessageEvent {
    let unread = inner.unread.get(&message.stream_id).copied().unwrap_or(0);
    let global = GlobalUnreadCount::from_counts(&inner.unread);
    MessageEvent {
        message: message.clone(),
        unread,
        global_unread: global.total_count,
        notifications: MessagePayloads {
            message: SocialMessage {
                kind: "SOCIALMESSAGE",
                stream_id: message.stream_id.clone(),
                from_whom_id: message.from_whom_id,
                is_mention: message.is_mention,
            },
            unread: UnreadCount {
                stream_id: message.stream_id.clone(),
                count: unread,
            },
            global,
        },
    }
}

/// Handle to the shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub(crate) shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub port: u16,
    pub allowed: AllowedOrigins,
    pub auto_login: Option<String>,
    pub shutdown: CancellationToken,
    pub events: broadcast::Sender<MessageEvent>,
    /// What the admin API makes the main frames report (`POST /__emulator/activity`,
    /// `maestro` and `connections`).
    pub signals: broadcast::Sender<Signal>,
    inner: Mutex<Inner>,
}

impl AppState {
    pub(crate) fn new(
        port: u16,
        allowed: AllowedOrigins,
        auto_login: Option<String>,
        shutdown: CancellationToken,
    ) -> Self {
        let (events, _) = broadcast::channel(256);
        let (signals, _) = broadcast::channel(64);
        Self {
            shared: Arc::new(Shared {
                port,
                allowed,
                auto_login,
                shutdown,
                events,
                signals,
                inner: Mutex::new(Inner {
                    next_message_id: 1,
                    next_view_seq: 1,
                    ..Inner::default()
                }),
            }),
        }
    }

    /// Locks the state. A poisoned lock (a panic elsewhere) is recovered:
    /// the data is plain bookkeeping and stays usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn port(&self) -> u16 {
        self.shared.port
    }

    pub(crate) fn session_cookie(&self) -> String {
        format!("symphony_session_{}", self.shared.port)
    }

    pub(crate) fn browser_cookie(&self) -> String {
        format!("symphony_browser_{}", self.shared.port)
    }

    pub(crate) fn channel_name(&self) -> String {
        format!("symphony-emulator-{}", self.shared.port)
    }

    /// Creates a session for `user` and returns it.
    pub(crate) fn create_session(&self, user: &str) -> Session {
        let session = Session {
            id: new_id(),
            user: user.to_string(),
        };
        self.lock().sessions.push(session.clone());
        session
    }

    /// Records a message (its `id` is assigned here), updates unread counts and pushes it
    /// to the frames.
    pub(crate) fn record_message(&self, mut message: Message) -> MessageEvent {
        let event = {
            let mut inner = self.lock();
            message.id = inner.next_message_id;
            inner.next_message_id += 1;
            inner.messages.push(message.clone());
            if message.source == MessageSource::Admin {
                *inner.unread.entry(message.stream_id.clone()).or_insert(0) += 1;
            }
            message_event(&inner, &message)
        };
        // No receiver is fine: nobody is listening.
        let _ = self.shared.events.send(event.clone());
        event
    }

    /// Recorded messages with an id greater than `since`, as events.
    pub(crate) fn messages_since(&self, since: u64) -> Vec<MessageEvent> {
        let inner = self.lock();
        inner
            .messages
            .iter()
            .filter(|m| m.id > since)
            .map(|m| message_event(&inner, m))
            .collect()
    }

    pub(crate) fn reset(&self) {
        let mut inner = self.lock();
        *inner = Inner {
            next_message_id: inner.next_message_id,
            next_view_seq: inner.next_view_seq,
            ..Inner::default()
        };
    }
}

/// A fresh random identifier (UUID v4, hex without dashes).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logout_fault_round_trip() {
        for fault in [
            LogoutFault::Ok,
            LogoutFault::Status(503),
            LogoutFault::Hang,
            LogoutFault::DelayMs(300),
            LogoutFault::Drop,
        ] {
            assert_eq!(LogoutFault::from_json(&fault.to_json()), Ok(fault));
        }
        assert!(LogoutFault::from_json(&json!({"status": 200})).is_err());
        assert!(LogoutFault::from_json(&json!({"status": "500"})).is_err());
        assert!(LogoutFault::from_json(&json!({"delayMs": -1})).is_err());
        assert!(LogoutFault::from_json(&json!("explode")).is_err());
        assert!(LogoutFault::from_json(&json!(null)).is_err());
        assert!(LogoutFault::from_json(&json!({"status": 500, "delayMs": 1})).is_err());
    }

    #[test]
    fn views_are_capped_and_numbered() {
        let mut inner = Inner {
            next_view_seq: 1,
            ..Inner::default()
        };
        let view = View {
            frame: ViewFrame::Child,
            mode: None,
            page: ViewPage::Waiting,
            user: None,
            stream_id: None,
            i_frame_id: Some("c1".into()),
            shows: None,
            seq: 0,
        };
        for _ in 0..MAX_VIEWS + 3 {
            inner.record_view(view.clone());
        }
        assert_eq!(inner.views.len(), MAX_VIEWS);
        assert_eq!(inner.views.front().map(|v| v.seq), Some(4));
        assert_eq!(inner.views.back().map(|v| v.seq), Some(MAX_VIEWS as u64 + 3));
        let json = serde_json::to_value(&inner.views[0]).expect("serializes");
        assert_eq!(
            json,
            json!({"frame": "child", "mode": null, "page": "waiting", "user": null,
                   "streamId": null, "iFrameId": "c1", "seq": 4})
        );
    }

    #[test]
    fn ending_a_session_ends_every_session_of_its_user() {
        let mut inner = Inner::default();
        for (id, user) in [("a1", "alice"), ("b1", "bob"), ("a2", "alice")] {
            inner.sessions.push(Session {
                id: id.into(),
                user: user.into(),
            });
        }
        assert_eq!(inner.end_session("unknown"), 0);
        assert_eq!(inner.end_session("a2"), 2);
        let left: Vec<&str> = inner.sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(left, ["b1"]);
        assert_eq!(inner.end_session("a1"), 0);
    }

    #[test]
    fn main_frame_fault_parse() {
        assert_eq!(
            MainFrameFault::from_json(&json!("noAnswer")),
            Ok(MainFrameFault::NoAnswer)
        );
        let err = MainFrameFault::from_json(&json!("sometimes")).unwrap_err();
        assert!(err.contains("neverReady"));
    }
}
