//! The iframe protocol: every message exchanged with the pod's main frame, defined once.
//!
//! Host to main frame ([`HostMessage`]): `sdk-action`, `sdk-register`, `sdk-subscription`.
//! Main frame to host ([`PodMessage`]): `clientReady`, `sdk-resolve`, `sdk-callback-data`.
//! All are JSON objects `{"eventType": .., "payload": ..}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::SdkResult;

/// Chat settings, sent as query parameters of the main frame URL and as the params of a
/// `set-settings` action. Values are JSON scalars (`"dark"`, `false`, `3`).
///
/// ```
/// use symphony_session::Settings;
///
/// let settings = Settings::new().with("mode", "dark").with("sound", false);
/// assert_eq!(serde_json::to_string(&settings).unwrap(), r#"{"mode":"dark","sound":false}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Settings(BTreeMap<String, Value>);

impl Settings {
    /// No settings: the pod's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces one setting.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// Adds or replaces one setting in place.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }

    /// Iterates over the settings in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// True when no setting is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Looks one setting up.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The scalar settings (they go in a frame's URL) and the object-valued ones (sent with
    /// `set-settings` once the frame is ready).
    pub(crate) fn split_objects(self) -> (Settings, Settings) {
        let (objects, scalars) = self.0.into_iter().partition(|(_, value)| value.is_object());
        (Settings(scalars), Settings(objects))
    }
}

/// The notification types a host can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationKind {
    /// A new message in a stream (or any stream).
    MessageNotifications,
    /// The unread count of one stream changed.
    UnreadCountNotifications,
    /// The unread count over all streams changed.
    GlobalUnreadCountNotifications,
    /// The user did something inside the chats (clicked, typed): the host page cannot see
    /// that, as the chats are cross-origin frames. The idle policy subscribes to it.
    ActivityNotifications,
}

impl NotificationKind {
    /// Its name, as Symphony writes it (`MessageNotifications`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageNotifications => "MessageNotifications",
            Self::UnreadCountNotifications => "UnreadCountNotifications",
            Self::GlobalUnreadCountNotifications => "GlobalUnreadCountNotifications",
            Self::ActivityNotifications => "ActivityNotifications",
        }
    }
}

/// `sdk-action` payload: one named action with its own id, answered by `sdk-resolve`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// Correlates the `sdk-resolve` answer.
    pub id: String,
    /// The action and its params.
    #[serde(flatten)]
    pub kind: ActionKind,
}

/// The actions, tagged by `name` with their `params`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "params")]
pub enum ActionKind {
    /// Show a stream in the main frame, or in the child frame named by `container`.
    #[serde(rename = "set-stream")]
    SetStream {
        /// The stream to show.
        #[serde(rename = "streamId")]
        stream_id: String,
        /// `#childFrameId`, or absent for the main frame.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        container: Option<String>,
    },
    /// Update the settings of every frame.
    #[serde(rename = "set-settings")]
    SetSettings(Settings),
    /// Open the send-message dialog, pre-filled.
    #[serde(rename = "send-message")]
    SendMessage {
        /// The message text.
        message: String,
        /// Target streams and frame.
        options: SendMessageOptions,
    },
    /// Start a room with these users.
    #[serde(rename = "start-room")]
    StartRoom {
        /// Symphony user ids (digits) or email addresses, as Symphony's `startRoom` takes
        /// them. The action's wire form is this library's assumption.
        #[serde(rename = "userIds")]
        user_ids: Vec<String>,
        /// `#childFrameId`, or absent for the main frame.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        container: Option<String>,
    },
    /// End the server session. Not in Symphony's public protocol: this library's
    /// assumption, sent under the name the config gives
    /// ([`ConfigBuilder::logout_action`](crate::ConfigBuilder::logout_action), default
    /// `logout`), so it is written as it is, name and all.
    #[serde(untagged)]
    Logout(LogoutAction),
}

impl ActionKind {
    /// The protocol name (`set-stream`, ...; the logout action's is the configured one).
    pub fn name(&self) -> &str {
        match self {
            Self::SetStream { .. } => "set-stream",
            Self::SetSettings(_) => "set-settings",
            Self::SendMessage { .. } => "send-message",
            Self::StartRoom { .. } => "start-room",
            Self::Logout(logout) => &logout.name,
        }
    }
}

/// `{}` as params.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmptyParams {}

/// The logout action as it goes on the wire: `{"name": .., "params": {}}` beside the id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutAction {
    /// The action's name ([`Config::logout_action`](crate::Config::logout_action)).
    pub name: String,
    /// No params.
    pub params: EmptyParams,
}

impl LogoutAction {
    /// The logout action under this name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            params: EmptyParams {},
        }
    }
}

/// Options of `send-message`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendMessageOptions {
    /// Sending mode; `blast` sends to every stream listed.
    pub mode: String,
    /// Target streams.
    #[serde(rename = "streamIds")]
    pub stream_ids: Vec<String>,
    /// `#childFrameId`, or absent for the main frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// `sdk-register` payload: announces a loaded child frame to the main frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// The child frame's id (its URL fragment).
    #[serde(rename = "iFrameId")]
    pub iframe_id: String,
}

/// `sdk-subscription` payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// What to be notified of.
    #[serde(rename = "type")]
    pub kind: NotificationKind,
    /// Correlates the `sdk-callback-data` notifications.
    pub id: String,
    /// Filter.
    pub params: SubscriptionParams,
}

/// Params of a subscription.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionParams {
    /// Only this stream; all streams when absent.
    #[serde(rename = "streamId", default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
}

/// A message from the host page to the main frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum HostMessage {
    /// `sdk-action`.
    #[serde(rename = "sdk-action")]
    Action(Action),
    /// `sdk-register`.
    #[serde(rename = "sdk-register")]
    Register(Register),
    /// `sdk-subscription`.
    #[serde(rename = "sdk-subscription")]
    Subscription(Subscription),
}

impl HostMessage {
    /// The message as a JSON value, ready for `postMessage`.
    pub fn to_value(&self) -> Value {
        // Only strings, numbers and JSON values inside: serialisation cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A message from the pod's main frame to the host page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum PodMessage {
    /// The main frame is loaded and its user signed in.
    #[serde(rename = "clientReady")]
    ClientReady,
    /// The answer to an `sdk-action`.
    #[serde(rename = "sdk-resolve")]
    Resolve {
        /// The action's id.
        id: String,
        /// `{}` or `{"error": ..}`.
        data: SdkResult,
    },
    /// A notification for a subscription.
    #[serde(rename = "sdk-callback-data")]
    CallbackData {
        /// The subscription's id.
        id: String,
        /// The notification object.
        data: Value,
    },
}

/// Why the session logged out ([`Session::logout_reason`](crate::Session::logout_reason)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogoutReason {
    /// The application called logout.
    Requested,
    /// Nobody was active for the idle timeout ([`IdlePolicy`](crate::IdlePolicy)).
    Idle,
    /// Another tab of the app logged out of the pod.
    AnotherTab,
}

impl LogoutReason {
    /// `requested`, `idle` or `another-tab`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Idle => "idle",
            Self::AnotherTab => "another-tab",
        }
    }

    /// The reason [`LogoutReason::as_str`] writes as `text`; `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Requested, Self::Idle, Self::AnotherTab]
            .into_iter()
            .find(|reason| reason.as_str() == text)
    }
}

impl serde::Serialize for LogoutReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for LogoutReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message between documents (tabs) of the same app, over a `BroadcastChannel` named by
/// [`TabMessage::channel_name`]. Not part of Symphony's protocol: it lets one tab's logout
/// reach the others without a second server request. Its shape,
/// `{"type":"loggedOut","pod":..,"ok":..,"reason"?:..}`, is kept from one version to the
/// next: tabs still running an older build of the app share the channel (an older tab sends
/// no `reason`; a reason this build does not know reads as none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TabMessage {
    /// A logout finished in the sending tab.
    LoggedOut {
        /// The pod the sending tab was logged out of.
        pod: String,
        /// The pod confirmed the end of the session.
        ok: bool,
        /// Why the sending tab logged out, so that every tab shows the same reason.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "known_reason"
        )]
        reason: Option<LogoutReason>,
    },
    /// The user was active in the sending tab (idle policy on).
    Activity {
        /// The pod the sending tab embeds.
        pod: String,
        /// When, in milliseconds since the Unix epoch.
        at: u64,
    },
}

impl TabMessage {
    /// Reads a message another tab sent (what serde's derived reader reads from an object;
    /// see [`read_payload`] for why by hand); `None` when it is not one.
    pub(crate) fn read(value: &Value) -> Option<Self> {
        let fields = value.as_object()?;
        let pod = fields.get("pod")?.as_str()?.to_owned();
        match fields.get("type")?.as_str()? {
            "loggedOut" => Some(Self::LoggedOut {
                pod,
                ok: fields.get("ok")?.as_bool()?,
                reason: fields
                    .get("reason")
                    .and_then(Value::as_str)
                    .and_then(LogoutReason::parse),
            }),
            "activity" => Some(Self::Activity {
                pod,
                at: fields.get("at")?.as_u64()?,
            }),
            _ => None,
        }
    }

    /// The channel name for one pod: tabs embedding other pods do not hear each other.
    pub fn channel_name(pod_origin: &str) -> String {
        format!("symphony-embedded-mode:{pod_origin}")
    }

    /// The name of the Web Lock that claims the idle logout of `deadline` among the tabs
    /// of one pod ([`Work::IdleLogoutDue`](crate::Work::IdleLogoutDue)): at most one tab
    /// holds it.
    pub fn idle_lock_name(pod_origin: &str, deadline: crate::Timestamp) -> String {
        format!("{}:idle-logout:{}", Self::channel_name(pod_origin), deadline.0)
    }
}

/// A `reason` read leniently, as [`TabMessage::read`] reads it: a reason this build does not
/// know (a newer tab's), or not a string, is none; the message still counts.
fn known_reason<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<LogoutReason>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(value.as_str().and_then(LogoutReason::parse))
}

/// The `localStorage` key of the mark that this browser may hold a session of the pod
/// from an earlier page ([`Work::ReadSessionMark`](crate::Work::ReadSessionMark) and
/// its kin): set when a main frame of the pod loads, cleared after a server logout that
/// succeeded. Not part of Symphony's protocol.
pub fn session_mark_key(pod_origin: &str) -> String {
    format!("symphony-embedded-mode:session:{pod_origin}")
}

/// Why a message from the main frame was not understood. Such messages are ignored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Not a JSON object.
    #[error("protocol message is not a JSON object")]
    NotAnObject,
    /// No string `eventType`.
    #[error("protocol message has no string eventType")]
    MissingEventType,
    /// An event type this SDK does not handle.
    #[error("unknown protocol eventType {0:?}")]
    UnknownEventType(String),
    /// The payload does not have the documented shape.
    #[error("malformed {event_type} payload: {reason}")]
    BadPayload {
        /// The message's event type.
        event_type: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The `{"id": .., "data": ..}` payload of `sdk-resolve` and `sdk-callback-data`: the id as
/// a string (numbers from other SDK implementations are tolerated), and the data (`null`
/// when absent).
///
/// The messages that come in are read by hand, field by field, here and in
/// [`TabMessage::read`] and [`ErrorPayload::read`]: serde's derived readers and their error
/// messages would cost every app several kilobytes, for three small objects. Their shapes
/// are still the serde types' (tests check the readers against serde's).
fn read_payload(payload: &Value, event_type: &'static str) -> Result<(String, Value), ProtocolError> {
    let bad = |reason: &str| ProtocolError::BadPayload {
        event_type,
        reason: reason.to_owned(),
    };
    let Value::Object(payload) = payload else {
        return Err(bad("the payload is not an object"));
    };
    let id = match payload.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        Some(_) => return Err(bad("the id is neither a string nor a number")),
        None => return Err(bad("the id is missing")),
    };
    Ok((id, payload.get("data").cloned().unwrap_or(Value::Null)))
}

impl PodMessage {
    /// Parses a `MessageEvent.data` value. Never panics; anything malformed is an error.
    ///
    /// ```
    /// use serde_json::json;
    /// use symphony_session::protocol::{PodMessage, ProtocolError};
    ///
    /// let msg = PodMessage::parse(&json!({"eventType": "clientReady"})).unwrap();
    /// assert_eq!(msg, PodMessage::ClientReady);
    /// assert_eq!(PodMessage::parse(&json!(42)), Err(ProtocolError::NotAnObject));
    /// ```
    pub fn parse(value: &Value) -> Result<Self, ProtocolError> {
        let object = value.as_object().ok_or(ProtocolError::NotAnObject)?;
        let event_type = object
            .get("eventType")
            .and_then(Value::as_str)
            .ok_or(ProtocolError::MissingEventType)?;
        let payload = object.get("payload").unwrap_or(&Value::Null);
        match event_type {
            "clientReady" => Ok(Self::ClientReady),
            "sdk-resolve" => {
                let (id, data) = read_payload(payload, "sdk-resolve")?;
                Ok(Self::Resolve {
                    id,
                    data: resolve_data(data),
                })
            }
            "sdk-callback-data" => {
                let (id, data) = read_payload(payload, "sdk-callback-data")?;
                Ok(Self::CallbackData { id, data })
            }
            other => Err(ProtocolError::UnknownEventType(other.to_owned())),
        }
    }
}

/// Reads the `data` of an `sdk-resolve`: a result object ([`SdkResult`]'s reader); anything
/// but an object (absent, `null`) means success with `{}`.
fn resolve_data(data: Value) -> SdkResult {
    match data {
        Value::Object(object) => SdkResult::from(object),
        _ => SdkResult::ok(),
    }
}

/// The protocol id of the machine's own subscription to the chats' activity
/// (`ActivityNotifications`), made at every `clientReady` while an idle policy is on: a
/// notification of it is activity, not news.
pub(crate) const CHAT_ACTIVITY: &str = "idle-chat-activity";

/// That subscription, posted while an idle policy is on.
pub(crate) fn chat_activity_subscription() -> HostMessage {
    HostMessage::Subscription(Subscription {
        kind: NotificationKind::ActivityNotifications,
        id: CHAT_ACTIVITY.to_owned(),
        params: SubscriptionParams { stream_id: None },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorPayload;
    use crate::resolved::Resolved;
    use serde_json::json;

    #[test]
    fn settings_keep_what_is_inserted() {
        let mut settings = Settings::new();
        assert_eq!(settings.get("mode"), None);
        settings.insert("mode", "dark");
        assert_eq!(settings.get("mode"), Some(&json!("dark")));
        assert!(!settings.is_empty());
    }

    #[test]
    fn host_messages_have_the_documented_shape() {
        let set_stream = HostMessage::Action(Action {
            id: "set-stream-1".into(),
            kind: ActionKind::SetStream {
                stream_id: "abc".into(),
                container: Some("#child".into()),
            },
        });
        assert_eq!(
            set_stream.to_value(),
            json!({"eventType": "sdk-action", "payload": {"id": "set-stream-1", "name": "set-stream", "params": {"streamId": "abc", "container": "#child"}}})
        );
        let logout = HostMessage::Action(Action {
            id: "logout-2".into(),
            kind: ActionKind::Logout(LogoutAction::named("logout")),
        });
        assert_eq!(
            logout.to_value(),
            json!({"eventType": "sdk-action", "payload": {"id": "logout-2", "name": "logout", "params": {}}})
        );
        // Under another name, the same shape: what the config names is what is sent.
        let renamed = HostMessage::Action(Action {
            id: "sign-out-3".into(),
            kind: ActionKind::Logout(LogoutAction::named("sign-out")),
        });
        assert_eq!(
            renamed.to_value(),
            json!({"eventType": "sdk-action", "payload": {"id": "sign-out-3", "name": "sign-out", "params": {}}})
        );
        let back: HostMessage = serde_json::from_value(renamed.to_value()).unwrap();
        assert_eq!(back, renamed);
        let register = HostMessage::Register(Register {
            iframe_id: "symphony-frame-3".into(),
        });
        assert_eq!(
            register.to_value(),
            json!({"eventType": "sdk-register", "payload": {"iFrameId": "symphony-frame-3"}})
        );
        let sub = HostMessage::Subscription(Subscription {
            kind: NotificationKind::GlobalUnreadCountNotifications,
            id: "sub-4".into(),
            params: SubscriptionParams::default(),
        });
        assert_eq!(
            sub.to_value(),
            json!({"eventType": "sdk-subscription", "payload": {"type": "GlobalUnreadCountNotifications", "id": "sub-4", "params": {}}})
        );
        let send = HostMessage::Action(Action {
            id: "send-message-5".into(),
            kind: ActionKind::SendMessage {
                message: "hi".into(),
                options: SendMessageOptions {
                    mode: "blast".into(),
                    stream_ids: vec!["s1".into()],
                    container: None,
                },
            },
        });
        assert_eq!(
            send.to_value()["payload"]["params"],
            json!({"message": "hi", "options": {"mode": "blast", "streamIds": ["s1"]}})
        );
    }

    #[test]
    fn tab_messages_have_a_stable_shape() {
        let msg = TabMessage::LoggedOut {
            pod: "https://acme.symphony.com".into(),
            ok: true,
            reason: None,
        };
        assert_eq!(
            serde_json::to_value(&msg).unwrap(),
            json!({"type": "loggedOut", "pod": "https://acme.symphony.com", "ok": true})
        );
        let msg = TabMessage::LoggedOut {
            pod: "https://acme.symphony.com".into(),
            ok: false,
            reason: Some(LogoutReason::Idle),
        };
        let value =
            json!({"type": "loggedOut", "pod": "https://acme.symphony.com", "ok": false, "reason": "idle"});
        assert_eq!(serde_json::to_value(&msg).unwrap(), value);
        assert_eq!(TabMessage::read(&value), Some(msg));
        // An older tab sends no reason; a newer one may send one this build does not know.
        for reason in [json!(null), json!("logged-out-by-policy"), json!(7)] {
            let value = json!({"type": "loggedOut", "pod": "p", "ok": true, "reason": reason});
            let expected = TabMessage::LoggedOut {
                pod: "p".into(),
                ok: true,
                reason: None,
            };
            assert_eq!(TabMessage::read(&value), Some(expected.clone()), "{value}");
            assert_eq!(serde_json::from_value::<TabMessage>(value).ok(), Some(expected));
        }
        assert_eq!(
            TabMessage::channel_name("https://acme.symphony.com"),
            "symphony-embedded-mode:https://acme.symphony.com"
        );
        assert_eq!(
            TabMessage::idle_lock_name("https://acme.symphony.com", crate::Timestamp(1_700_000_000_000)),
            "symphony-embedded-mode:https://acme.symphony.com:idle-logout:1700000000000"
        );
    }

    #[test]
    fn host_messages_round_trip() {
        let msg = HostMessage::Action(Action {
            id: "start-room-9".into(),
            kind: ActionKind::StartRoom {
                user_ids: vec!["1".into(), "ada@example.com".into()],
                container: None,
            },
        });
        let back: HostMessage = serde_json::from_value(msg.to_value()).unwrap();
        assert_eq!(back, msg);
    }

    #[test]
    fn pod_messages_round_trip_through_parse() {
        for msg in [
            PodMessage::ClientReady,
            PodMessage::Resolve {
                id: "a-1".into(),
                data: SdkResult::ok(),
            },
            PodMessage::Resolve {
                id: "a-2".into(),
                data: SdkResult {
                    error: Some(ErrorPayload {
                        kind: "ERROR".into(),
                        message: "no".into(),
                        data: Some(json!({"status": 500})),
                    }),
                    value: Resolved::new(),
                },
            },
            PodMessage::Resolve {
                id: "a-3".into(),
                data: SdkResult {
                    error: None,
                    value: Resolved::from_json(json!({"streamId": "s1", "userIds": [1, 2]})),
                },
            },
            PodMessage::CallbackData {
                id: "sub-1".into(),
                data: json!({"count": 3}),
            },
        ] {
            let value = serde_json::to_value(&msg).unwrap();
            assert_eq!(PodMessage::parse(&value), Ok(msg));
        }
    }

    #[test]
    fn malformed_messages_are_typed_errors() {
        assert_eq!(PodMessage::parse(&json!("x")), Err(ProtocolError::NotAnObject));
        assert_eq!(
            PodMessage::parse(&json!({})),
            Err(ProtocolError::MissingEventType)
        );
        assert_eq!(
            PodMessage::parse(&json!({"eventType": 3})),
            Err(ProtocolError::MissingEventType)
        );
        assert_eq!(
            PodMessage::parse(&json!({"eventType": "other"})),
            Err(ProtocolError::UnknownEventType("other".into()))
        );
        assert!(matches!(
            PodMessage::parse(&json!({"eventType": "sdk-resolve", "payload": {"data": {}}})),
            Err(ProtocolError::BadPayload {
                event_type: "sdk-resolve",
                ..
            })
        ));
        assert!(matches!(
            PodMessage::parse(&json!({"eventType": "sdk-callback-data"})),
            Err(ProtocolError::BadPayload { .. })
        ));
        for id in [json!(true), json!(null), json!(["a"]), json!({"id": "a"})] {
            assert_eq!(
                PodMessage::parse(&json!({"eventType": "sdk-callback-data", "payload": {"id": id}})),
                Err(ProtocolError::BadPayload {
                    event_type: "sdk-callback-data",
                    reason: "the id is neither a string nor a number".into(),
                }),
                "{id}"
            );
        }
    }

    #[test]
    fn lenient_resolve_data() {
        let parse = |data: Value| match PodMessage::parse(
            &json!({"eventType": "sdk-resolve", "payload": {"id": 7, "data": data}}),
        ) {
            Ok(PodMessage::Resolve { id, data }) => {
                assert_eq!(id, "7");
                data
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(parse(json!(null)), SdkResult::ok());
        assert_eq!(parse(json!("text")), SdkResult::ok());
        // Success keeps the object; a null error is no error.
        let kept = parse(json!({"other": 1, "error": null}));
        assert_eq!(
            kept.clone().into_result(),
            Ok(Resolved::from_json(json!({"other": 1})))
        );
        let bad = parse(json!({"error": "boom", "streamId": "s1"}));
        assert_eq!(bad.value, Resolved::new(), "an error carries no success data");
        assert_eq!(bad.error.unwrap().data, Some(json!("boom")));
    }
}
