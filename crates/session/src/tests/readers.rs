//! The hand-written readers of incoming messages (`protocol` module docs say why) read what
//! serde's derived readers read: checked over random JSON shaped like the messages.

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{json_tree, TreeSize};
use crate::protocol::{PodMessage, TabMessage};
use crate::ErrorPayload;

/// JSON built from the messages' own keys and values, and a little noise.
fn arb_shaped() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop_oneof![
            Just("ERROR".to_owned()),
            Just("m".to_owned()),
            Just("https://pod".to_owned()),
            Just("x-1".to_owned()),
            Just("idle".to_owned()),
            ".{0,4}"
        ]
        .prop_map(Value::from),
    ];
    let key = prop_oneof![
        Just("loggedOut".to_owned()),
        Just("activity".to_owned()),
        Just("type".to_owned()),
        Just("pod".to_owned()),
        Just("ok".to_owned()),
        Just("at".to_owned()),
        Just("reason".to_owned()),
        Just("type".to_owned()),
        Just("message".to_owned()),
        Just("data".to_owned()),
        Just("id".to_owned()),
        Just("error".to_owned()),
        Just("streamId".to_owned()),
        ".{0,3}"
    ];
    json_tree(
        leaf,
        key,
        TreeSize {
            depth: 3,
            size: 32,
            branch: 5,
            array: 3,
            object: 4,
        },
    )
}

/// Real messages with one field changed, dropped or added, so that most cases are near
/// misses rather than noise.
fn arb_near_miss(real: Vec<Value>) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(real),
        arb_shaped(),
        prop::sample::select(vec![
            "pod", "ok", "at", "reason", "type", "message", "data", "id", "extra",
        ]),
        0..3usize,
    )
        .prop_map(|(mut real, noise, key, how)| {
            let Value::Object(target) = &mut real else {
                return real;
            };
            match how {
                0 => drop(target.remove(key)),
                1 => drop(target.insert(key.to_owned(), noise)),
                _ => {}
            }
            real
        })
}

fn tab_messages() -> Vec<Value> {
    vec![
        json!({"type": "loggedOut", "pod": "https://pod", "ok": true}),
        json!({"type": "loggedOut", "pod": "https://pod", "ok": false, "reason": "idle"}),
        json!({"type": "activity", "pod": "https://pod", "at": 1_700_000_000_000u64}),
    ]
}

/// The hand reader read `value` as serde did; serde also reads a struct (and an internally
/// tagged enum) from an array, which the hand readers refuse (stricter).
fn reads_as_serde<T: PartialEq + std::fmt::Debug>(
    value: &Value,
    by_hand: Option<T>,
    by_serde: Option<T>,
) -> Result<(), TestCaseError> {
    if value.is_array() {
        prop_assert!(by_hand.is_none(), "{value}");
    } else {
        prop_assert_eq!(by_hand, by_serde, "{}", value);
    }
    Ok(())
}

proptest! {
    #[test]
    fn tab_messages_read_as_serde_reads_them(
        value in prop_oneof![arb_shaped(), arb_near_miss(tab_messages())]
    ) {
        let by_serde = serde_json::from_value::<TabMessage>(value.clone()).ok();
        reads_as_serde(&value, TabMessage::read(&value), by_serde)?;
    }

    #[test]
    fn error_payloads_read_as_serde_reads_them(
        value in prop_oneof![
            arb_shaped(),
            arb_near_miss(vec![json!({"type": "ERROR", "message": "m", "data": {"status": 503}})]),
        ]
    ) {
        reads_as_serde(&value, ErrorPayload::read(&value), ErrorPayload::deserialize(&value).ok())?;
    }

    #[test]
    fn resolve_and_callback_payloads_read_as_serde_reads_them(
        payload in prop_oneof![
            arb_shaped(),
            arb_near_miss(vec![
                json!({"id": "x-1", "data": {"n": 1}}),
                json!({"id": 7}),
                json!({"id": "x-2", "data": {"streamId": "s", "error": null}}),
                json!({"id": "x-3", "data": {"error": {"type": "ERROR", "message": "m"}}}),
            ]),
        ],
        resolve in any::<bool>(),
    ) {
        /// The payload's shape as serde would read it.
        #[derive(Deserialize)]
        struct Payload {
            id: Value,
            #[serde(default)]
            data: Value,
        }
        let event_type = if resolve { "sdk-resolve" } else { "sdk-callback-data" };
        let by_hand = PodMessage::parse(&json!({"eventType": event_type, "payload": payload}));
        let by_serde = Payload::deserialize(&payload).ok().filter(|p| p.id.is_string() || p.id.is_number());
        match (by_hand, by_serde) {
            (Ok(PodMessage::CallbackData { id, data }), Some(expected)) => {
                prop_assert_eq!(Value::from(id), expected.id.as_str().map_or_else(|| Value::from(expected.id.to_string()), Value::from));
                prop_assert_eq!(data, expected.data);
            }
            (Ok(PodMessage::Resolve { id, data }), Some(expected)) => {
                prop_assert_eq!(Value::from(id), expected.id.as_str().map_or_else(|| Value::from(expected.id.to_string()), Value::from));
                // The result: an object's `error` (a non-null one) fails it, its other fields
                // are the success data; anything but an object is `{}`.
                let object = expected.data.as_object().cloned().unwrap_or_default();
                let failed = object.get("error").is_some_and(|error| !error.is_null());
                prop_assert_eq!(data.error.is_some(), failed);
                let mut success = if failed { serde_json::Map::new() } else { object };
                success.remove("error");
                prop_assert_eq!(data.value.as_object(), &success);
            }
            (Err(_), None) => {}
            (Err(_), Some(_)) => prop_assert!(payload.is_array(), "refused what serde reads: {}", payload),
            (by_hand, None) => prop_assert!(false, "read what serde refuses: {:?} from {}", by_hand, payload),
            (other, _) => prop_assert!(false, "{:?}", other),
        }
    }
}

#[test]
fn readers_say_what_is_wrong() {
    use crate::protocol::ProtocolError;
    let bad = |payload: Value, reason: &str| {
        assert_eq!(
            PodMessage::parse(&json!({"eventType": "sdk-resolve", "payload": payload})),
            Err(ProtocolError::BadPayload {
                event_type: "sdk-resolve",
                reason: reason.into()
            })
        );
    };
    bad(json!(4), "the payload is not an object");
    bad(json!({"data": {}}), "the id is missing");
    bad(json!({"id": null}), "the id is neither a string nor a number");
    assert_eq!(
        TabMessage::read(&json!({"loggedOut": {"pod": "p", "ok": true}, "x": 1})),
        None
    );
    assert_eq!(
        ErrorPayload::read(&json!({"type": "E", "message": "m", "data": null})),
        Some(ErrorPayload {
            kind: "E".into(),
            message: "m".into(),
            data: None
        })
    );
}
