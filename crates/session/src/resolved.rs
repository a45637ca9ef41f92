//! What a call resolves to when it succeeds: the pod's result object kept whole
//! ([`Resolved`]), and typed views of the objects Symphony documents: [`ChatOpened`]
//! (`openStream`, `startRoom`: `{streamId?, userIds?}`) and [`MessageSent`] (`sendMessage`:
//! `{streamId?, userIds?, messages?: [{messageId, streamId}]}`).
//!
//! The typed views are read leniently: a field that is absent or not of the documented
//! shape is `None` (Symphony documents every one of them as optional), and the whole object
//! stays in [`Resolved`], so that nothing the pod said is lost. Symphony does not document
//! the JSON types of its ids: this library reads ids given as strings or as non-negative
//! integers, and hands them out as strings (the form `start_room` takes them in).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A call's success value as the pod resolved it: `{}` for most calls, an object with data
/// (`streamId`, `userIds`, `messages`) for some. [`SdkResult`](crate::SdkResult) turns it back
/// into Symphony's JSON.
///
/// ```
/// use serde_json::json;
/// use symphony_session::Resolved;
///
/// let resolved = Resolved::from_json(json!({"streamId": "s1", "extra": true}));
/// assert_eq!(resolved.get("extra"), Some(&json!(true)));
/// assert!(Resolved::new().is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Resolved(Map<String, Value>);

impl Resolved {
    /// `{}`, what most calls resolve to.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object `value` is; anything but an object reads as `{}` (Symphony's results are
    /// objects).
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(object) => Self(object),
            _ => Self::new(),
        }
    }

    /// One field of the object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// True for `{}`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The object.
    pub fn as_object(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The object, owned.
    pub fn into_object(self) -> Map<String, Value> {
        self.0
    }

    /// The field `key` as a non-empty string id (see the module docs).
    fn id(&self, key: &str) -> Option<String> {
        read_id(self.get(key)?)
    }

    /// The field `key` as a list of ids: an array of ids, or one string of comma-separated
    /// ids (the form Symphony's `userIds` setting takes).
    fn ids(&self, key: &str) -> Option<Vec<String>> {
        match self.get(key)? {
            Value::Array(items) => items.iter().map(read_id).collect(),
            Value::String(list) => list
                .split(',')
                .map(|id| read_id(&Value::from(id.trim())))
                .collect(),
            _ => None,
        }
    }
}

impl From<Map<String, Value>> for Resolved {
    fn from(object: Map<String, Value>) -> Self {
        Self(object)
    }
}

/// The calls Symphony documents as resolving `{}` (render, logout, updateSettings, ...).
impl From<()> for Resolved {
    fn from((): ()) -> Self {
        Self::new()
    }
}

/// An id as a string: a non-empty string, or a non-negative integer's decimal text.
fn read_id(value: &Value) -> Option<String> {
    match value {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => id.as_u64().map(|id| id.to_string()),
        _ => None,
    }
}

/// What `openStream` and `startRoom` resolve to, as Symphony documents it:
/// `{streamId?, userIds?}`.
///
/// ```
/// use serde_json::json;
/// use symphony_session::{ChatOpened, Resolved};
///
/// let opened = ChatOpened::from(Resolved::from_json(json!({"streamId": "s1", "userIds": [7, "8"]})));
/// assert_eq!(opened.stream_id.as_deref(), Some("s1"));
/// assert_eq!(opened.user_ids, Some(vec!["7".to_owned(), "8".to_owned()]));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ChatOpened {
    /// The chat's stream (`streamId`), when the pod said.
    pub stream_id: Option<String>,
    /// The chat's members (`userIds`), when the pod said.
    pub user_ids: Option<Vec<String>>,
    /// The whole object as the pod sent it, fields this library does not read included.
    pub resolved: Resolved,
}

impl From<Resolved> for ChatOpened {
    fn from(resolved: Resolved) -> Self {
        Self {
            stream_id: resolved.id("streamId"),
            user_ids: resolved.ids("userIds"),
            resolved,
        }
    }
}

impl From<ChatOpened> for Resolved {
    fn from(opened: ChatOpened) -> Self {
        opened.resolved
    }
}

/// What `sendMessage` resolves to, as Symphony documents it:
/// `{streamId?, userIds?, messages?: [{messageId, streamId}]}`.
///
/// ```
/// use serde_json::json;
/// use symphony_session::{MessageSent, Resolved};
///
/// let sent = MessageSent::from(Resolved::from_json(
///     json!({"messages": [{"messageId": "m1", "streamId": "s1"}]}),
/// ));
/// let messages = sent.messages.unwrap();
/// assert_eq!((messages[0].message_id.as_str(), messages[0].stream_id.as_str()), ("m1", "s1"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct MessageSent {
    /// The stream sent to (`streamId`), when the pod said.
    pub stream_id: Option<String>,
    /// The recipients (`userIds`), when the pod said.
    pub user_ids: Option<Vec<String>>,
    /// The messages sent, one per stream (`messages`), when the pod said; `None` too when
    /// one of them lacks its `messageId` or `streamId` (the list is read whole or not at all).
    pub messages: Option<Vec<SentMessage>>,
    /// The whole object as the pod sent it, fields this library does not read included.
    pub resolved: Resolved,
}

/// One message [`MessageSent`] lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMessage {
    /// The message's id (`messageId`).
    pub message_id: String,
    /// The stream it went to (`streamId`).
    pub stream_id: String,
}

impl SentMessage {
    fn read(value: &Value) -> Option<Self> {
        Some(Self {
            message_id: read_id(value.get("messageId")?)?,
            stream_id: read_id(value.get("streamId")?)?,
        })
    }
}

impl From<Resolved> for MessageSent {
    fn from(resolved: Resolved) -> Self {
        let messages = match resolved.get("messages") {
            Some(Value::Array(items)) => items.iter().map(SentMessage::read).collect(),
            _ => None,
        };
        Self {
            stream_id: resolved.id("streamId"),
            user_ids: resolved.ids("userIds"),
            messages,
            resolved,
        }
    }
}

impl From<MessageSent> for Resolved {
    fn from(sent: MessageSent) -> Self {
        sent.resolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn opened(value: Value) -> ChatOpened {
        ChatOpened::from(Resolved::from_json(value))
    }

    fn sent(value: Value) -> MessageSent {
        MessageSent::from(Resolved::from_json(value))
    }

    fn strings(ids: &[&str]) -> Option<Vec<String>> {
        Some(ids.iter().map(|id| (*id).to_owned()).collect())
    }

    #[test]
    fn only_objects_are_results() {
        for value in [json!(null), json!([1]), json!("s"), json!(3), json!(true)] {
            assert!(Resolved::from_json(value).is_empty());
        }
        let object = json!({"a": 1});
        assert!(!Resolved::from_json(object.clone()).is_empty());
        assert_eq!(
            Value::Object(Resolved::from_json(object.clone()).into_object()),
            object
        );
    }

    #[test]
    fn ids_are_read_from_strings_and_integers() {
        let chat = opened(json!({"streamId": "s1", "userIds": ["a@b.c", 12, "13"]}));
        assert_eq!(chat.stream_id.as_deref(), Some("s1"));
        assert_eq!(chat.user_ids, strings(&["a@b.c", "12", "13"]));
        assert_eq!(opened(json!({"streamId": 42})).stream_id.as_deref(), Some("42"));
        assert_eq!(
            opened(json!({"userIds": "1, 2,3"})).user_ids,
            strings(&["1", "2", "3"])
        );
        assert_eq!(opened(json!({"userIds": []})).user_ids, Some(vec![]));
    }

    #[test]
    fn fields_of_another_shape_are_none_and_kept_whole() {
        let value = json!({"streamId": "", "userIds": [1, -2], "other": {"x": 1}});
        let chat = opened(value.clone());
        assert_eq!((chat.stream_id.as_ref(), chat.user_ids.as_ref()), (None, None));
        assert_eq!(Value::Object(chat.resolved.into_object()), value);
        for bad in [
            json!({"userIds": [1.5]}),
            json!({"userIds": {"a": 1}}),
            json!({"userIds": "1,,2"}),
        ] {
            assert_eq!(opened(bad.clone()).user_ids, None, "{bad}");
        }
        assert_eq!(opened(json!({"streamId": true})).stream_id, None);
        assert_eq!(opened(json!({})), ChatOpened::default());
    }

    #[test]
    fn sent_messages_are_read_whole_or_not_at_all() {
        let result = sent(json!({
            "streamId": "s1",
            "userIds": [5],
            "messages": [{"messageId": "m1", "streamId": "s1"}, {"messageId": 2, "streamId": "s2"}],
        }));
        assert_eq!(result.stream_id.as_deref(), Some("s1"));
        assert_eq!(result.user_ids, strings(&["5"]));
        let expected = [("m1", "s1"), ("2", "s2")].map(|(message_id, stream_id)| SentMessage {
            message_id: message_id.to_owned(),
            stream_id: stream_id.to_owned(),
        });
        assert_eq!(result.messages, Some(expected.to_vec()));
        for bad in [
            json!({"messages": [{"messageId": "m1"}]}),
            json!({"messages": [{"streamId": "s1"}]}),
            json!({"messages": [{"messageId": "m1", "streamId": "s1"}, 7]}),
            json!({"messages": {"messageId": "m1", "streamId": "s1"}}),
        ] {
            assert_eq!(sent(bad.clone()).messages, None, "{bad}");
        }
        assert_eq!(sent(json!({"messages": []})).messages, Some(vec![]));
    }

    #[test]
    fn typed_views_give_back_the_object() {
        let value = json!({"streamId": "s1", "extra": [1]});
        let resolved = Resolved::from_json(value);
        assert_eq!(Resolved::from(ChatOpened::from(resolved.clone())), resolved);
        assert_eq!(Resolved::from(MessageSent::from(resolved.clone())), resolved);
        assert_eq!(Resolved::from(()), Resolved::new());
    }
}
