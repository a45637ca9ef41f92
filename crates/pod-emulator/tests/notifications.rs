//! The notifications a main frame posts to its host (`sdk-callback-data`), with the frame's
//! own script running against the real pod (tests/host, in Node.js): for every type the
//! emulator supports, exactly the payload Symphony documents for `listen`, and the
//! documented params (`streamId`, `withMaestroMessages`, `status`) respected.

mod host;

use std::time::Duration;

use host::*;
use serde_json::{json, Value};
use symphony_pod_emulator::{start, EmulatorConfig, RunningEmulator};

/// How long a frame must stay silent for "no notification".
const QUIET: Duration = Duration::from_millis(300);

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

async fn pod() -> RunningEmulator {
    start(EmulatorConfig::default()).await.expect("emulator starts")
}

async fn subscribe(host: &mut Host, kind: &str, id: &str, params: &str) {
    host.post(&format!(
        "{{eventType: 'sdk-subscription', payload: {{type: '{kind}', id: '{id}', params: {params}}}}}"
    ))
    .await;
}

/// The next notification: its subscription id and its `data`; asserts the envelope is
/// exactly `{eventType: "sdk-callback-data", payload: {id, data}}`.
async fn notification(host: &mut Host, what: &str) -> (String, Value) {
    let message = host.next_post(what).await;
    assert_eq!(message["eventType"], "sdk-callback-data", "{what}: {message}");
    assert_eq!(keys(&message), ["eventType", "payload"], "{what}: {message}");
    let payload = &message["payload"];
    assert_eq!(keys(payload), ["data", "id"], "{what}: {message}");
    let id = payload["id"].as_str().expect("a string id").to_owned();
    (id, payload["data"].clone())
}

/// The sorted keys of a JSON object.
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

async fn inject(pod: &RunningEmulator, body: Value) -> Value {
    let (status, event) = admin_post(pod, "/__emulator/messages", &body).await;
    assert_eq!(status, 201, "{event}");
    event
}

/// A social message: `{type: "SOCIALMESSAGE", streamId, fromWhomId (number), isMention
/// (boolean)}`, for every stream without `streamId`, for that stream only with it.
#[tokio::test]
async fn message_notifications_are_social_messages() {
    let pod = pod().await;
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    subscribe(&mut host, "MessageNotifications", "all", "{}").await;
    subscribe(&mut host, "MessageNotifications", "s1-only", "{streamId: 's1'}").await;
    subscriptions_reach(&pod, 2).await;

    let event = inject(
        &pod,
        json!({"streamId": "s2", "text": "elsewhere", "fromName": "Bob"}),
    )
    .await;
    let bob = event["fromWhomId"]
        .as_u64()
        .expect("the sender's user id, a number");
    assert!((1..=MAX_SAFE_INTEGER).contains(&bob), "{bob}");
    let (id, data) = notification(&mut host, "a message in s2").await;
    assert_eq!(id, "all");
    assert_eq!(keys(&data), ["fromWhomId", "isMention", "streamId", "type"]);
    assert_eq!(
        data,
        json!({"type": "SOCIALMESSAGE", "streamId": "s2", "fromWhomId": bob, "isMention": false})
    );
    host.expect_no_post(QUIET, "the s1 subscription hears nothing of s2")
        .await;

    // The same sender has the same id; a mention and an explicit id are as given.
    let again = inject(
        &pod,
        json!({"streamId": "s2", "text": "again", "fromName": "Bob"}),
    )
    .await;
    assert_eq!(again["fromWhomId"], bob, "a user's id is stable");
    let (_, data) = notification(&mut host, "Bob again").await;
    assert_eq!(data["fromWhomId"], bob);
    inject(
        &pod,
        json!({"streamId": "s1", "text": "@alice look", "fromWhomId": 71811853189212_u64, "isMention": true}),
    )
    .await;
    let expected = json!({"type": "SOCIALMESSAGE", "streamId": "s1",
                          "fromWhomId": 71811853189212_u64, "isMention": true});
    for want in ["all", "s1-only"] {
        let (id, data) = notification(&mut host, "a mention in s1").await;
        assert_eq!((id.as_str(), &data), (want, &expected));
    }

    // A message the user sends from a frame: the user's own id, never a mention.
    host.post(
        "{eventType: 'sdk-action', payload: {name: 'send-message', id: 'send-1', \
         params: {message: 'mine', options: {mode: 'blast', streamIds: ['s1']}}}}",
    )
    .await;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let message = host.next_post("the send's answer and notifications").await;
        seen.push(message);
    }
    let resolve = seen
        .iter()
        .find(|m| m["eventType"] == "sdk-resolve")
        .expect("the send is answered");
    let recorded = state_messages(&pod).await;
    let last = recorded.last().expect("recorded");
    assert_eq!(
        resolve["payload"],
        json!({"id": "send-1", "data": {"streamId": "s1",
               "messages": [{"messageId": last["id"].to_string(), "streamId": "s1"}]}})
    );
    let alice = last["fromWhomId"].clone();
    assert!(alice.is_u64() && alice != json!(bob), "{alice}");
    for message in seen.iter().filter(|m| m["eventType"] == "sdk-callback-data") {
        assert_eq!(
            message["payload"]["data"],
            json!({"type": "SOCIALMESSAGE", "streamId": "s1", "fromWhomId": alice, "isMention": false})
        );
    }
    host.close().await;
    pod.shutdown().await;
}

async fn state_messages(pod: &RunningEmulator) -> Vec<Value> {
    let state: Value = reqwest::get(format!("{}/__emulator/state", pod.url()))
        .await
        .expect("state")
        .json()
        .await
        .expect("JSON");
    state["messages"].as_array().expect("messages").clone()
}

/// `UnreadCountNotifications` `{streamId, count}` for its stream;
/// `GlobalUnreadCountNotifications` `{notifications: [{streamId, count}], totalCount}` over
/// every stream with unread messages.
#[tokio::test]
async fn unread_counts_are_per_stream_and_global() {
    let pod = pod().await;
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    subscribe(
        &mut host,
        "UnreadCountNotifications",
        "unread-s1",
        "{streamId: 's1'}",
    )
    .await;
    subscribe(&mut host, "GlobalUnreadCountNotifications", "global", "{}").await;
    subscriptions_reach(&pod, 2).await;

    inject(&pod, json!({"streamId": "s1", "text": "one"})).await;
    let (id, data) = notification(&mut host, "s1's count").await;
    assert_eq!(id, "unread-s1");
    assert_eq!(keys(&data), ["count", "streamId"]);
    assert_eq!(data, json!({"streamId": "s1", "count": 1}));
    let (id, data) = notification(&mut host, "the global count").await;
    assert_eq!(id, "global");
    assert_eq!(keys(&data), ["notifications", "totalCount"]);
    assert_eq!(
        data,
        json!({"notifications": [{"streamId": "s1", "count": 1}], "totalCount": 1})
    );

    inject(&pod, json!({"streamId": "s2", "text": "two"})).await;
    let (id, data) = notification(&mut host, "the global count after s2").await;
    assert_eq!(id, "global", "the s1 subscription hears nothing of s2");
    assert_eq!(
        data,
        json!({"notifications": [{"streamId": "s1", "count": 1}, {"streamId": "s2", "count": 1}],
               "totalCount": 2})
    );

    inject(&pod, json!({"streamId": "s1", "text": "three"})).await;
    let (_, data) = notification(&mut host, "s1's count again").await;
    assert_eq!(data, json!({"streamId": "s1", "count": 2}));
    let (_, data) = notification(&mut host, "the global count again").await;
    assert_eq!(
        data,
        json!({"notifications": [{"streamId": "s1", "count": 2}, {"streamId": "s2", "count": 1}],
               "totalCount": 3})
    );
    for entry in data["notifications"].as_array().expect("an array") {
        assert_eq!(keys(entry), ["count", "streamId"]);
        assert!(entry["count"].is_u64() && entry["streamId"].is_string());
    }
    host.close().await;
    pod.shutdown().await;
}

/// `ActivityNotifications`: "no payload". The emulator's reading: `payload` is `{id}`, with
/// no `data` key, so that an SDK calls the callback with nothing.
#[tokio::test]
async fn activity_notifications_carry_no_payload() {
    let pod = pod().await;
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    subscribe(&mut host, "ActivityNotifications", "activity", "undefined").await;
    host.post("{eventType: 'sdk-register', payload: {iFrameId: 'side-chat'}}")
        .await;
    subscriptions_reach(&pod, 1).await;
    let no_payload = json!({"eventType": "sdk-callback-data", "payload": {"id": "activity"}});

    // The admin API, a click in the main frame, a key in a registered child frame.
    let (status, told) = admin_post(&pod, "/__emulator/activity", &json!({"frame": "main"})).await;
    assert_eq!((status, told), (202, json!({"told": 1})));
    assert_eq!(host.next_post("activity (admin API)").await, no_payload);
    host.dom_event("pointerdown").await;
    assert_eq!(host.next_post("activity (a click)").await, no_payload);
    host.child_posts("{kind: 'activity', target: 'side-chat'}").await;
    assert_eq!(host.next_post("activity (a child frame)").await, no_payload);
    host.close().await;
    pod.shutdown().await;
}

/// System messages (`MAESTRO`) reach the `MessageNotifications` subscriptions made with
/// `withMaestroMessages: true` only, with exactly the documented keys of each event.
#[tokio::test]
async fn maestro_messages_need_with_maestro_messages() {
    let pod = pod().await;
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    subscribe(
        &mut host,
        "MessageNotifications",
        "plain",
        "{streamId: undefined}",
    )
    .await;
    subscribe(
        &mut host,
        "MessageNotifications",
        "maestro",
        "{withMaestroMessages: true}",
    )
    .await;
    subscribe(
        &mut host,
        "MessageNotifications",
        "maestro-s2",
        "{streamId: 's2', withMaestroMessages: true}",
    )
    .await;
    subscriptions_reach(&pod, 3).await;

    let cases = [
        (
            json!({"streamId": "s1", "event": "DEACTIVATE_ROOM"}),
            json!({"type": "MAESTRO", "streamId": "s1", "event": "DEACTIVATE_ROOM"}),
        ),
        (
            json!({"streamId": "s1", "event": "JOIN_ROOM", "userId": "349026222344891"}),
            json!({"type": "MAESTRO", "streamId": "s1", "event": "JOIN_ROOM", "userId": "349026222344891"}),
        ),
        (
            json!({"streamId": "s1", "event": "UPDATE_ROOM",
                   "roomUpdate": {"updateType": "PIN_MESSAGE", "pinnedMessageId": "msg-7"}}),
            json!({"type": "MAESTRO", "streamId": "s1", "event": "UPDATE_ROOM",
                   "roomUpdate": {"updateType": "PIN_MESSAGE", "pinnedMessageId": "msg-7"}}),
        ),
        (
            json!({"streamId": "s1", "event": "UPDATE_ROOM", "roomUpdate": {"updateType": "UNPIN_MESSAGE"}}),
            json!({"type": "MAESTRO", "streamId": "s1", "event": "UPDATE_ROOM",
                   "roomUpdate": {"updateType": "UNPIN_MESSAGE"}}),
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = admin_post(&pod, "/__emulator/maestro", &body).await;
        assert_eq!(status, 202, "{body}: {answer}");
        assert_eq!(answer, json!({"told": 1, "data": expected}), "{body}");
        let (id, data) = notification(&mut host, "a system message").await;
        assert_eq!((id.as_str(), &data), ("maestro", &expected), "{body}");
        host.expect_no_post(QUIET, "only the maestro subscription of every stream")
            .await;
    }
    // The stream filter holds for system messages too.
    admin_post(
        &pod,
        "/__emulator/maestro",
        &json!({"streamId": "s2", "event": "DEACTIVATE_ROOM"}),
    )
    .await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        ids.push(notification(&mut host, "a system message in s2").await.0);
    }
    assert_eq!(ids, ["maestro", "maestro-s2"]);
    // A social message still reaches every subscription of its stream.
    inject(&pod, json!({"streamId": "s2", "text": "hello"})).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (id, data) = notification(&mut host, "a social message").await;
        assert_eq!(data["type"], "SOCIALMESSAGE");
        ids.push(id);
    }
    assert_eq!(ids, ["plain", "maestro", "maestro-s2"]);
    host.close().await;
    pod.shutdown().await;
}

/// `ConnectionNotifications` `{status, userId (number)}`, filtered by `params.status`.
#[tokio::test]
async fn connection_notifications_follow_the_status_filter() {
    let pod = pod().await;
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    subscribe(&mut host, "ConnectionNotifications", "any", "{}").await;
    subscribe(
        &mut host,
        "ConnectionNotifications",
        "accepted",
        "{status: ['accepted']}",
    )
    .await;
    subscriptions_reach(&pod, 2).await;

    let body = json!({"status": "pending_incoming", "userId": 349026222344891_u64});
    let (status, answer) = admin_post(&pod, "/__emulator/connections", &body).await;
    assert_eq!((status, answer), (202, json!({"told": 1, "data": body.clone()})));
    let (id, data) = notification(&mut host, "a connection request").await;
    assert_eq!(id, "any");
    assert_eq!(keys(&data), ["status", "userId"]);
    assert_eq!(data, body);
    host.expect_no_post(QUIET, "the accepted-only subscription hears no request")
        .await;

    let body = json!({"status": "accepted", "userId": 7});
    admin_post(&pod, "/__emulator/connections", &body).await;
    for want in ["any", "accepted"] {
        let (id, data) = notification(&mut host, "an accepted connection").await;
        assert_eq!((id.as_str(), &data), (want, &body));
    }
    host.close().await;
    pod.shutdown().await;
}

/// Types the emulator does not emulate (`InternalLinkNotifications`: its chats have no
/// Symphony links) and unknown types are ignored: not reported, never called.
#[tokio::test]
async fn other_types_are_ignored() {
    let pod = pod().await;
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    subscribe(&mut host, "InternalLinkNotifications", "links", "{}").await;
    subscribe(&mut host, "NoSuchNotifications", "other", "{}").await;
    subscribe(&mut host, "GlobalUnreadCountNotifications", "global", "{}").await;
    subscriptions_reach(&pod, 1).await;
    inject(&pod, json!({"streamId": "s1", "text": "one"})).await;
    let (id, _) = notification(&mut host, "the global count").await;
    assert_eq!(id, "global");
    host.expect_no_post(QUIET, "nothing for the others").await;
    let state: Value = reqwest::get(format!("{}/__emulator/state", pod.url()))
        .await
        .expect("state")
        .json()
        .await
        .expect("JSON");
    assert_eq!(state["subscriptions"], 1);
    host.close().await;
    pod.shutdown().await;
}

/// The admin endpoints that make notifications refuse what Symphony would never send.
#[tokio::test]
async fn notification_admin_endpoints_validate_their_bodies() {
    let pod = pod().await;
    let bad_messages = [
        json!({"streamId": "s1", "text": "x", "fromWhomId": "12"}),
        json!({"streamId": "s1", "text": "x", "fromWhomId": 0}),
        json!({"streamId": "s1", "text": "x", "fromWhomId": -3}),
        json!({"streamId": "s1", "text": "x", "fromWhomId": 1.5}),
        json!({"streamId": "s1", "text": "x", "fromWhomId": MAX_SAFE_INTEGER + 1}),
        json!({"streamId": "s1", "text": "x", "isMention": "true"}),
    ];
    for body in bad_messages {
        let (status, answer) = admin_post(&pod, "/__emulator/messages", &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let bad_maestro = [
        json!({}),
        json!({"streamId": "s1"}),
        json!({"streamId": "", "event": "DEACTIVATE_ROOM"}),
        json!({"streamId": "s1", "event": "LEAVE"}),
        json!({"streamId": "s1", "event": "JOIN_ROOM", "userId": 12}),
        json!({"streamId": "s1", "event": "DEACTIVATE_ROOM", "userId": "12"}),
        json!({"streamId": "s1", "event": "UPDATE_ROOM"}),
        json!({"streamId": "s1", "event": "UPDATE_ROOM", "roomUpdate": {"updateType": "RENAME"}}),
        json!({"streamId": "s1", "event": "UPDATE_ROOM", "roomUpdate": {"updateType": "PIN_MESSAGE"}}),
        json!({"streamId": "s1", "event": "UPDATE_ROOM",
               "roomUpdate": {"updateType": "UNPIN_MESSAGE", "pinnedMessageId": "m"}}),
        json!({"streamId": "s1", "event": "JOIN_ROOM", "userId": "1", "extra": true}),
    ];
    for body in bad_maestro {
        let (status, answer) = admin_post(&pod, "/__emulator/maestro", &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let bad_connections = [
        json!({}),
        json!({"status": "accepted"}),
        json!({"status": "friends", "userId": 1}),
        json!({"status": "accepted", "userId": "1"}),
        json!({"status": "accepted", "userId": 0}),
        json!({"status": "accepted", "userId": 1, "extra": 1}),
    ];
    for body in bad_connections {
        let (status, answer) = admin_post(&pod, "/__emulator/connections", &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    // Nobody listening: accepted, told nobody.
    let (status, answer) = admin_post(
        &pod,
        "/__emulator/connections",
        &json!({"status": "deleted", "userId": 5}),
    )
    .await;
    assert_eq!((status, answer["told"].clone()), (202, json!(0)));
    pod.shutdown().await;
}
