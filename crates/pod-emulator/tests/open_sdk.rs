//! The message shapes of Symphony's public Open SDK sample (the only public client of the
//! wire protocol) are still accepted: a host that talks to the main frame as that sample
//! does gets `clientReady`, an `sdk-resolve {id, data}` for each `sdk-action`, and
//! `sdk-callback-data {id, data}` for its subscriptions. The frame's own script runs
//! against the real pod (tests/host). The shapes are written from what the sample sends,
//! not from its code: objects posted as they are (not as JSON text), ids such as
//! `set-stream-1`, keys present with the value `undefined` when the caller gave nothing
//! (`container`, `streamId`), and the Global unread subscription carrying params too.

mod host;

use host::*;
use serde_json::{json, Value};
use symphony_pod_emulator::{start, EmulatorConfig, RunningEmulator};

async fn state(pod: &RunningEmulator) -> Value {
    reqwest::get(format!("{}/__emulator/state", pod.url()))
        .await
        .expect("state")
        .json()
        .await
        .expect("state JSON")
}

/// The next answer, which must be `sdk-resolve` with exactly `{id, data}`.
async fn resolved(host: &mut Host, id: &str, data: Value) {
    let answer = host.next_post(id).await;
    assert_eq!(
        answer,
        json!({"eventType": "sdk-resolve", "payload": {"id": id, "data": data}}),
        "{id}"
    );
}

/// Waits until the main frame has reported showing `stream_id`.
async fn main_frame_shows(pod: &RunningEmulator, stream_id: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let views = state(pod).await["views"].clone();
        let last_main = views
            .as_array()
            .into_iter()
            .flatten()
            .rfind(|v| v["frame"] == "main")
            .cloned();
        if last_main.as_ref().is_some_and(|v| v["streamId"] == stream_id) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the main frame shows {last_main:?}, not {stream_id}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_open_sdk_samples_messages_are_answered() {
    let pod = start(EmulatorConfig::default()).await.expect("emulator starts");
    // The sample's main frame URL: its default settings, then embed, partnerId, streamId
    // and sdkOrigin.
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("condensed", "true")
        .append_pair("mode", "dark")
        .append_pair("showTitle", "true")
        .append_pair("embed", "true")
        .append_pair("partnerId", "sample-partner")
        .append_pair("streamId", "deal-room")
        .append_pair("sdkOrigin", HOST)
        .finish();
    let cookie = session_cookie(&pod, "alice").await;
    let mut host = Host::open(&pod, &format!("/apps/embed/default?{query}"), &cookie).await;

    // 1. The main frame loaded and the user is signed in.
    host.ready().await;

    // 2. A child frame registers once loaded, then the sample shows a chat in it.
    host.post("{eventType: 'sdk-register', payload: {iFrameId: 'symphony-child-0'}}")
        .await;
    host.post(
        "{eventType: 'sdk-action', payload: {name: 'set-stream', id: 'set-stream-1', \
         params: {streamId: 'legal-room', container: '#symphony-child-0'}}}",
    )
    .await;
    resolved(&mut host, "set-stream-1", json!({"streamId": "legal-room"})).await;
    let show = host.next_broadcast("the chat sent to the child frame").await;
    assert_eq!(show["kind"], "show");
    assert_eq!(show["target"], "symphony-child-0");
    assert_eq!(show["streamId"], "legal-room");

    // 3. The main frame shows another chat: no container, the key still there.
    host.post(
        "{eventType: 'sdk-action', payload: {name: 'set-stream', id: 'set-stream-2', \
         params: {streamId: 'credit-room', container: undefined}}}",
    )
    .await;
    resolved(&mut host, "set-stream-2", json!({"streamId": "credit-room"})).await;
    main_frame_shows(&pod, "credit-room").await;

    // 4. New settings for every frame: the params are the settings themselves.
    host.post(
        "{eventType: 'sdk-action', payload: {name: 'set-settings', id: 'set-settings-3', \
         params: {mode: 'light', condensed: false, showTitle: false}}}",
    )
    .await;
    resolved(&mut host, "set-settings-3", json!({})).await;
    let settings = host.next_broadcast("the settings sent to the child frames").await;
    assert_eq!(settings["kind"], "settings");
    assert_eq!(settings["settings"]["mode"], "light");
    assert_eq!(settings["settings"]["condensed"], false);

    // 5. The sample's subscriptions: new messages of one chat, and (no stream given) the
    //    global unread count, whose params still carry `streamId: undefined`.
    host.post(
        "{eventType: 'sdk-subscription', payload: {type: 'MessageNotifications', \
         id: 'message-notification-legal-room', params: {streamId: 'legal-room'}}}",
    )
    .await;
    host.post(
        "{eventType: 'sdk-subscription', payload: {type: 'GlobalUnreadCountNotifications', \
         id: 'unread-notification-undefined', params: {streamId: undefined}}}",
    )
    .await;
    subscriptions_reach(&pod, 2).await;

    // 6. A message sent in blast mode to one chat, with no container.
    host.post(
        "{eventType: 'sdk-action', payload: {name: 'send-message', id: 'send-message-4', \
         params: {message: 'Term sheet attached', \
         options: {mode: 'blast', streamIds: ['legal-room'], container: undefined}}}}",
    )
    .await;
    let mut posts = Vec::new();
    for _ in 0..3 {
        posts.push(host.next_post("the send's answer and notifications").await);
    }
    let recorded = state(&pod).await["messages"].clone();
    let sent = recorded
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .expect("the pod recorded the message");
    assert_eq!(sent["streamId"], "legal-room");
    assert_eq!(sent["text"], "Term sheet attached");
    assert_eq!(sent["fromName"], "alice");
    let expected = [
        json!({"eventType": "sdk-callback-data", "payload": {
            "id": "message-notification-legal-room",
            "data": {"type": "SOCIALMESSAGE", "streamId": "legal-room",
                     "fromWhomId": sent["fromWhomId"], "isMention": false}}}),
        json!({"eventType": "sdk-callback-data", "payload": {
            "id": "unread-notification-undefined",
            "data": {"notifications": [], "totalCount": 0}}}),
        json!({"eventType": "sdk-resolve", "payload": {"id": "send-message-4", "data": {
            "streamId": "legal-room",
            "messages": [{"messageId": sent["id"].to_string(), "streamId": "legal-room"}]}}}),
    ];
    assert_eq!(posts, expected);

    // 7. Someone else writes in the chat: both callbacks, with the unread count.
    let (status, _) = admin_post(
        &pod,
        "/__emulator/messages",
        &json!({"streamId": "legal-room", "text": "Signed", "fromName": "Bob"}),
    )
    .await;
    assert_eq!(status, 201);
    let message = host.next_post("the message notification").await;
    assert_eq!(
        message["payload"]["id"], "message-notification-legal-room",
        "{message}"
    );
    assert_eq!(message["payload"]["data"]["type"], "SOCIALMESSAGE");
    let unread = host.next_post("the unread notification").await;
    assert_eq!(
        unread,
        json!({"eventType": "sdk-callback-data", "payload": {
            "id": "unread-notification-undefined",
            "data": {"notifications": [{"streamId": "legal-room", "count": 1}], "totalCount": 1}}})
    );

    // 8. An action the frame does not know is still answered, with the error shape.
    host.post("{eventType: 'sdk-action', payload: {name: 'no-such-action', id: 'other-5', params: {}}}")
        .await;
    let answer = host.next_post("the refusal").await;
    assert_eq!(answer["eventType"], "sdk-resolve");
    assert_eq!(answer["payload"]["id"], "other-5");
    assert_eq!(answer["payload"]["data"]["error"]["type"], "ERROR");
    host.close().await;
    pod.shutdown().await;
}

/// Messages from another origin than `sdkOrigin` are ignored, as the frame must.
#[tokio::test]
async fn messages_from_another_origin_are_ignored() {
    let pod = start(EmulatorConfig::default()).await.expect("emulator starts");
    let mut host = Host::focus(&pod, "alice", "s1").await;
    host.ready().await;
    host.post_from(
        "http://127.0.0.1:9999",
        "{eventType: 'sdk-action', payload: {name: 'set-stream', id: 'set-stream-1', params: {streamId: 's2'}}}",
    )
    .await;
    host.expect_no_post(std::time::Duration::from_millis(300), "no answer")
        .await;
    host.close().await;
    pod.shutdown().await;
}
