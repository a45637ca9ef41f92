//! The notification objects a main frame posts to its host (`sdk-callback-data`), exactly
//! as Symphony documents them for `listen`, and the admin API's system messages and
//! connection events that make them. The frame script only picks the subscriptions a
//! notification is for; what each one carries is built here.

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The largest integer a JavaScript number holds exactly: user ids are numbers in the
/// documented payloads, so they stay at or below it.
pub(crate) const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The emulator's user id of a user name: a number derived from the name (64-bit FNV-1a,
/// folded to 53 bits), so that the same name has the same id in every run. Symphony's ids
/// are numbers assigned by the pod; the emulator has names only.
pub(crate) fn user_id(name: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let id = (hash ^ (hash >> 53)) & MAX_SAFE_INTEGER;
    id.max(1)
}

/// What a new chat message makes the main frames post, by notification type (the keys are
/// the `listen` types).
#[derive(Debug, Clone, Serialize)]
pub struct MessagePayloads {
    /// `{type: "SOCIALMESSAGE", streamId, fromWhomId, isMention}`.
    #[serde(rename = "MessageNotifications")]
    pub message: SocialMessage,
    /// `{streamId, count}` of the message's stream.
    #[serde(rename = "UnreadCountNotifications")]
    pub unread: UnreadCount,
    /// `{notifications: [{streamId, count}], totalCount}`.
    #[serde(rename = "GlobalUnreadCountNotifications")]
    pub global: GlobalUnreadCount,
}

/// A `MessageNotifications` object for a social message.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SocialMessage {
    /// Always `SOCIALMESSAGE`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The chat of the message.
    pub stream_id: String,
    /// The sender's user id.
    pub from_whom_id: u64,
    /// Whether the message mentions the user.
    pub is_mention: bool,
}

/// An `UnreadCountNotifications` object, and one entry of the global one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCount {
    /// The chat.
    pub stream_id: String,
    /// Its unread messages.
    pub count: u64,
}

/// A `GlobalUnreadCountNotifications` object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GlobalUnreadCount {
    /// One entry per chat with unread messages, by stream id.
    pub notifications: Vec<UnreadCount>,
    /// The sum of their counts.
    pub total_count: u64,
}

impl GlobalUnreadCount {
    /// From the unread count of every stream (streams at zero are left out).
    pub(crate) fn from_counts<'a>(counts: impl IntoIterator<Item = (&'a String, &'a u64)>) -> Self {
        let mut notifications: Vec<UnreadCount> = counts
            .into_iter()
            .filter(|(_, count)| **count > 0)
            .map(|(stream_id, count)| UnreadCount {
                stream_id: stream_id.clone(),
                count: *count,
            })
            .collect();
        notifications.sort_by(|a, b| a.stream_id.cmp(&b.stream_id));
        let total_count = notifications.iter().map(|n| n.count).sum();
        Self {
            notifications,
            total_count,
        }
    }
}

/// Checks that a JSON object has only the `allowed` keys.
fn only_keys(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(format!(
            "unknown field {key:?}; accepted fields: {}",
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

/// A documented user id: a positive integer a JavaScript number holds exactly.
pub(crate) fn numeric_user_id(value: &Value, field: &str) -> Result<u64, String> {
    match value.as_u64() {
        Some(id) if (1..=MAX_SAFE_INTEGER).contains(&id) => Ok(id),
        _ => Err(format!(
            "field '{field}' must be a positive integer (at most {MAX_SAFE_INTEGER})"
        )),
    }
}

fn non_empty_string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    match map.get(field).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(format!("field '{field}' must be a non-empty string")),
    }
}

/// Reads `POST /__emulator/maestro`'s body and answers the `MessageNotifications` object
/// of that system message: `{type: "MAESTRO", streamId, event}`, plus `userId` (a string,
/// as documented) for `JOIN_ROOM`, or `roomUpdate` for `UPDATE_ROOM`
/// (`{updateType: "PIN_MESSAGE", pinnedMessageId}` or `{updateType: "UNPIN_MESSAGE"}`).
pub(crate) fn maestro_payload(map: &Map<String, Value>) -> Result<Value, String> {
    only_keys(map, &["streamId", "event", "userId", "roomUpdate"])?;
    let stream_id = non_empty_string(map, "streamId")?;
    let event = map.get("event").and_then(Value::as_str).unwrap_or_default();
    let mut payload = json!({ "type": "MAESTRO", "streamId": stream_id, "event": event });
    let allowed = match event {
        "DEACTIVATE_ROOM" => [None, None],
        "JOIN_ROOM" => [Some("userId"), None],
        "UPDATE_ROOM" => [None, Some("roomUpdate")],
        _ => return Err("field 'event' must be one of DEACTIVATE_ROOM, JOIN_ROOM, UPDATE_ROOM".to_string()),
    };
    for field in ["userId", "roomUpdate"] {
        if map.contains_key(field) && !allowed.contains(&Some(field)) {
            return Err(format!("field '{field}' does not belong to a {event} message"));
        }
    }
    if let Some(user_id) = map.get("userId") {
        match user_id.as_str() {
            Some(s) if !s.is_empty() => payload["userId"] = json!(s),
            _ => return Err("field 'userId' must be a non-empty string".to_string()),
        }
    }
    if event == "UPDATE_ROOM" {
        let update = match map.get("roomUpdate") {
            Some(Value::Object(update)) => update,
            _ => return Err("an UPDATE_ROOM message needs a 'roomUpdate' object".to_string()),
        };
        let room_update = match update.get("updateType").and_then(Value::as_str) {
            Some("PIN_MESSAGE") => {
                only_keys(update, &["updateType", "pinnedMessageId"])?;
                let pinned =
                    non_empty_string(update, "pinnedMessageId").map_err(|e| format!("roomUpdate: {e}"))?;
                json!({ "updateType": "PIN_MESSAGE", "pinnedMessageId": pinned })
            }
            Some("UNPIN_MESSAGE") => {
                only_keys(update, &["updateType"])?;
                json!({ "updateType": "UNPIN_MESSAGE" })
            }
            _ => {
                return Err("roomUpdate: field 'updateType' must be PIN_MESSAGE or UNPIN_MESSAGE".to_string())
            }
        };
        payload["roomUpdate"] = room_update;
    }
    Ok(payload)
}

/// Reads `POST /__emulator/connections`' body and answers the `ConnectionNotifications`
/// object: `{status, userId}`, status one of `pending_incoming`, `accepted`, `deleted`, and
/// userId a number.
pub(crate) fn connection_payload(map: &Map<String, Value>) -> Result<Value, String> {
    only_keys(map, &["status", "userId"])?;
    let status = match map.get("status").and_then(Value::as_str) {
        Some(s @ ("pending_incoming" | "accepted" | "deleted")) => s,
        _ => return Err("field 'status' must be one of pending_incoming, accepted, deleted".to_string()),
    };
    let user_id = numeric_user_id(map.get("userId").unwrap_or(&Value::Null), "userId")?;
    Ok(json!({ "status": status, "userId": user_id }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn user_ids_are_stable_positive_and_safe() {
        assert_eq!(user_id("alice"), user_id("alice"));
        assert_ne!(user_id("alice"), user_id("bob"));
        for name in ["", "alice", "Emulator Bot", "\u{1F600}"] {
            let id = user_id(name);
            assert!((1..=MAX_SAFE_INTEGER).contains(&id), "{name}: {id}");
        }
    }

    #[test]
    fn payloads_have_the_documented_keys() {
        let message = SocialMessage {
            kind: "SOCIALMESSAGE",
            stream_id: "s1".into(),
            from_whom_id: 7,
            is_mention: true,
        };
        assert_eq!(
            serde_json::to_value(message).expect("serializes"),
            json!({"type": "SOCIALMESSAGE", "streamId": "s1", "fromWhomId": 7, "isMention": true})
        );
        let counts: HashMap<String, u64> = [("b".into(), 2), ("a".into(), 1), ("z".into(), 0)].into();
        assert_eq!(
            serde_json::to_value(GlobalUnreadCount::from_counts(&counts)).expect("serializes"),
            json!({"notifications": [{"streamId": "a", "count": 1}, {"streamId": "b", "count": 2}],
                   "totalCount": 3})
        );
    }

    #[test]
    fn system_messages_and_connections_are_read_strictly() {
        let read = |v: Value| maestro_payload(v.as_object().expect("object"));
        assert_eq!(
            read(json!({"streamId": "s", "event": "JOIN_ROOM", "userId": "9"})),
            Ok(json!({"type": "MAESTRO", "streamId": "s", "event": "JOIN_ROOM", "userId": "9"}))
        );
        assert!(read(json!({"streamId": "s", "event": "JOIN_ROOM", "roomUpdate": {}})).is_err());
        let connection = |v: Value| connection_payload(v.as_object().expect("object"));
        assert_eq!(
            connection(json!({"status": "deleted", "userId": 3})),
            Ok(json!({"status": "deleted", "userId": 3}))
        );
        assert!(connection(json!({"status": "deleted", "userId": MAX_SAFE_INTEGER + 1})).is_err());
    }
}
