//! The outbox: the ordered queue of effects, the id counters, and the timers the effects
//! started with what each is for. Everything of the machine that is not the phase; every
//! phase writes to it.

use std::collections::VecDeque;
use std::time::Duration;

use litemap::LiteMap;

use crate::config::Config;
use crate::error::SymphonyError;
use crate::protocol::ActionKind;
use crate::resolved::Resolved;
use crate::vocabulary::{Effect, FrameId, LogoutAttemptId, News, RequestId, SdkCallId, TimerId, Work};

/// What a timer is for: what its firing means.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TimerPurpose {
    Action(String),
    /// The render's timeout, while its main frame loads.
    Render,
    /// The main frame loaded; not ready by now means the user may have to act.
    Interaction,
    LogoutFrame,
    LogoutDeadline,
    /// The claim of the idle logout of this deadline got no answer in time.
    IdleClaim(crate::Timestamp),
    /// `sdk.js` did not load in time.
    #[cfg_attr(not(any(test, feature = "sdk-js")), allow(dead_code))]
    SdkLoad,
    /// The sdk.js call made for this request did not settle in time.
    #[cfg_attr(not(any(test, feature = "sdk-js")), allow(dead_code))]
    SdkCall(RequestId),
}

/// The outbox: the queue of effects, the id counters and the timers the effects started:
/// everything of the machine that is not the phase.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Outbox {
    pub(crate) effects: VecDeque<Effect>,
    pub(crate) timers: LiteMap<TimerId, TimerPurpose>,
    pub(crate) next_request: u64,
    next_frame: u64,
    next_timer: u64,
    next_action: u64,
    next_attempt: u64,
    next_sdk_call: u64,
}

impl Outbox {
    pub(crate) fn emit(&mut self, effect: impl Into<Effect>) {
        self.effects.push_back(effect.into());
    }

    pub(crate) fn emit_all<E: Into<Effect>>(&mut self, effects: impl IntoIterator<Item = E>) {
        self.effects.extend(effects.into_iter().map(Into::into));
    }

    pub(crate) fn answer(&mut self, request: RequestId, result: Result<Resolved, SymphonyError>) {
        self.emit(News::Answer { request, result });
    }

    /// Answers `request` with success and no data, `{}`.
    pub(crate) fn answer_ok(&mut self, request: RequestId) {
        self.answer(request, Ok(Resolved::new()));
    }

    pub(crate) fn start_timer(&mut self, purpose: TimerPurpose, after: Duration) -> TimerId {
        self.next_timer += 1;
        let timer = TimerId(self.next_timer);
        self.timers.insert(timer, purpose);
        self.emit(Work::StartTimer { timer, after });
        timer
    }

    pub(crate) fn cancel_timer(&mut self, timer: TimerId) {
        if self.timers.remove(&timer).is_some() {
            self.emit(Work::CancelTimer { timer });
        }
    }

    pub(crate) fn new_frame(&mut self) -> FrameId {
        self.next_frame += 1;
        FrameId(self.next_frame)
    }

    pub(crate) fn new_attempt(&mut self) -> LogoutAttemptId {
        self.next_attempt += 1;
        LogoutAttemptId(self.next_attempt)
    }

    pub(crate) fn new_sdk_call(&mut self) -> SdkCallId {
        self.next_sdk_call += 1;
        SdkCallId(self.next_sdk_call)
    }

    pub(crate) fn new_action_id(&mut self, kind: &ActionKind) -> String {
        self.next_action += 1;
        format!("{}-{}", kind.name(), self.next_action)
    }

    /// Stores the mark that tells a later page of this browser that a session of the pod
    /// may be alive ([`Work::SetSessionMark`]).
    pub(crate) fn mark_session(&mut self, config: &Config) {
        let key = crate::protocol::session_mark_key(config.pod_origin());
        self.emit(Work::SetSessionMark { key });
    }

    pub(crate) fn remove_frames(&mut self, frames: impl IntoIterator<Item = FrameId>) {
        for frame in frames {
            self.emit(Work::RemoveFrame { frame });
        }
    }
}
