//! Tests of the state machine: a unit test per transition and error (`transitions`), and
//! property tests over random operation sequences (`properties`).

mod properties;
mod transitions;

use std::time::Duration;

use serde_json::{json, Value};

use crate::protocol::{ActionKind, HostMessage, PodMessage};
use crate::{
    Command, Config, Effect, Event, FrameId, Mode, RequestId, SdkResult, Session, Settings, SymphonyError,
};

pub(crate) const POD: &str = "http://127.0.0.1:9090";

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

/// A session plus the effects it returned, with helpers to play the browser's part.
pub(crate) struct Harness {
    pub session: Session,
}

impl Harness {
    pub fn new(mode: Mode) -> Self {
        Self {
            session: Session::new(config(mode)),
        }
    }

    pub fn drain(&mut self) -> Vec<Effect> {
        std::iter::from_fn(|| self.session.poll_effect()).collect()
    }

    pub fn cmd(&mut self, command: Command) -> (RequestId, Vec<Effect>) {
        let id = self.session.handle_command(command);
        (id, self.drain())
    }

    pub fn ev(&mut self, event: Event) -> Vec<Effect> {
        self.session.handle_event(event);
        self.drain()
    }

    pub fn msg(&mut self, message: PodMessage) -> Vec<Effect> {
        let value = serde_json::to_value(message).expect("pod messages serialise");
        self.ev(Event::Message(value))
    }

    pub fn render(&mut self, container: &str) -> (RequestId, Vec<Effect>) {
        self.cmd(Command::Render {
            container: container.into(),
            stream_id: Some("stream-main".into()),
            settings: Settings::new(),
        })
    }

    /// Renders, loads the main frame and says clientReady; returns the main frame.
    pub fn render_ready(&mut self) -> FrameId {
        let (request, effects) = self.render("main");
        let main = created_frames(&effects)[0];
        let effects = self.ev(Event::FrameLoaded(main));
        assert_eq!(answer_of(&effects, request), Some(Ok(())));
        self.msg(PodMessage::ClientReady);
        main
    }

    pub fn resolve(&mut self, id: &str, data: Value) -> Vec<Effect> {
        let data: SdkResult = serde_json::from_value(data).expect("result shape");
        self.msg(PodMessage::Resolve {
            id: id.to_owned(),
            data,
        })
    }
}

pub(crate) fn created_frames(effects: &[Effect]) -> Vec<FrameId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::CreateFrame { frame, .. } => Some(*frame),
            _ => None,
        })
        .collect()
}

pub(crate) fn removed_frames(effects: &[Effect]) -> Vec<FrameId> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::RemoveFrame { frame } => Some(*frame),
            _ => None,
        })
        .collect()
}

pub(crate) fn answers(effects: &[Effect]) -> Vec<(RequestId, Result<(), SymphonyError>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Answer { request, result } => Some((*request, result.clone())),
            _ => None,
        })
        .collect()
}

pub(crate) fn answer_of(effects: &[Effect], request: RequestId) -> Option<Result<(), SymphonyError>> {
    answers(effects)
        .into_iter()
        .find(|(r, _)| *r == request)
        .map(|(_, r)| r)
}

pub(crate) fn posted(effects: &[Effect]) -> Vec<HostMessage> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Post(m) => Some(m.clone()),
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

pub(crate) fn ok_data() -> Value {
    json!({})
}
