//! Tests of the state machine: a unit test per transition and error (`transitions`), the
//! sequences that once broke a promise (`sequences`), and property tests over random
//! operation sequences (`properties`).

mod idle;
mod properties;
mod readers;
mod sdk;
mod sequences;
mod transitions;

use std::time::Duration;

use serde_json::{json, Value};

use crate::protocol::{ActionKind, HostMessage, PodMessage};
use crate::{
    Command, Config, Effect, Event, FrameId, Mode, News, RequestId, Resolved, SdkResult, Settings,
    SymphonyError, TimerId, Work,
};

pub(crate) const POD: &str = "http://127.0.0.1:9090";

/// How big [`json_tree`] grows: proptest's `prop_recursive` depth, desired size and expected
/// branch size, and the longest array and largest object.
pub(crate) struct TreeSize {
    pub depth: u32,
    pub size: u32,
    pub branch: u32,
    pub array: usize,
    pub object: usize,
}

/// Random JSON: `leaf` values nested in arrays and in objects whose keys come from `key`.
pub(crate) fn json_tree(
    leaf: impl proptest::strategy::Strategy<Value = Value> + 'static,
    key: impl proptest::strategy::Strategy<Value = String> + Clone + 'static,
    size: TreeSize,
) -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    leaf.prop_recursive(size.depth, size.size, size.branch, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..size.array).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..size.object)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

pub(crate) fn config(mode: Mode) -> Config {
    Config::builder(POD, "http://127.0.0.1:8080")
        .partner_id("partner")
        .mode(mode)
        .logout_timeout(Duration::from_millis(900))
        .frame_logout_timeout(Duration::from_millis(300))
        .request_timeout(Duration::from_millis(500))
        .build()
        .expect("test config is valid")
}

/// The tests drive the machine through the public fake driver.
pub(crate) use crate::testing::FakeDriver;

impl FakeDriver {
    pub(crate) fn with_mode(mode: Mode) -> Self {
        Self::new(config(mode))
    }

    pub(crate) fn render(&mut self, container: &str) -> (RequestId, Vec<Effect>) {
        self.command(Command::Render {
            container: container.into(),
            stream_id: Some("stream-main".into()),
            settings: Settings::new(),
        })
    }

    /// Renders into "main" and loads the main frame, without `clientReady` (not signed in).
    pub(crate) fn render_loaded_main(&mut self) -> FrameId {
        let (_, effects) = self.render("main");
        let main = created_frames(&effects)[0];
        self.event(Event::FrameLoaded(main));
        main
    }

    /// Renders into "main", loads the main frame and says clientReady; returns the main frame.
    pub(crate) fn render_ready_main(&mut self) -> FrameId {
        self.render_ready("main", "stream-main")
    }

    /// The main frame answers the action `id` with this JSON.
    pub(crate) fn resolve_json(&mut self, id: &str, data: Value) -> Vec<Effect> {
        let data: SdkResult = serde_json::from_value(data).expect("result shape");
        self.resolve(id, data)
    }
}

pub(crate) fn created_frames(effects: &[Effect]) -> Vec<FrameId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::CreateFrame { frame, .. }) => Some(*frame),
            _ => None,
        })
        .collect()
}

pub(crate) fn removed_frames(effects: &[Effect]) -> Vec<FrameId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::RemoveFrame { frame }) => Some(*frame),
            _ => None,
        })
        .collect()
}

pub(crate) fn answers(effects: &[Effect]) -> Vec<(RequestId, Result<Resolved, SymphonyError>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::News(News::Answer { request, result }) => Some((*request, result.clone())),
            _ => None,
        })
        .collect()
}

pub(crate) fn answer_of(effects: &[Effect], request: RequestId) -> Option<Result<Resolved, SymphonyError>> {
    answers(effects)
        .into_iter()
        .find(|(r, _)| *r == request)
        .map(|(_, r)| r)
}

pub(crate) fn posted(effects: &[Effect]) -> Vec<HostMessage> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::Post(m)) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// Ids and kinds of the actions posted.
pub(crate) fn posted_actions(effects: &[Effect]) -> Vec<(String, ActionKind)> {
    posted(effects)
        .into_iter()
        .filter_map(|m| match m {
            HostMessage::Action(a) => Some((a.id, a.kind)),
            _ => None,
        })
        .collect()
}

/// Another tab says it finished a logout from our pod (an older tab: no reason).
pub(crate) fn other_tab_logged_out(ok: bool) -> Event {
    let message = crate::protocol::TabMessage::LoggedOut {
        pod: POD.into(),
        ok,
        reason: None,
    };
    Event::TabMessage {
        message: serde_json::to_value(message).expect("tab messages serialise"),
        heard_at: crate::Timestamp(0),
    }
}

/// The storage key of the session mark of [`POD`].
pub(crate) fn mark_key() -> String {
    crate::protocol::session_mark_key(POD)
}

pub(crate) fn ok_data() -> Value {
    json!({})
}

pub(crate) fn timers_started(effects: &[Effect]) -> Vec<(TimerId, Duration)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::StartTimer { timer, after }) => Some((*timer, *after)),
            _ => None,
        })
        .collect()
}

pub(crate) fn http_attempts(effects: &[Effect]) -> Vec<crate::LogoutAttemptId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::SendLogoutRequest { attempt, method, url }) => {
                assert_eq!(
                    (method.as_str(), url.as_str()),
                    ("POST", "http://127.0.0.1:9090/logout")
                );
                Some(*attempt)
            }
            _ => None,
        })
        .collect()
}

pub(crate) fn logout_action(effects: &[Effect]) -> Option<String> {
    posted_actions(effects)
        .into_iter()
        .find(|(_, kind)| matches!(kind, ActionKind::Logout(_)))
        .map(|(id, _)| id)
}
