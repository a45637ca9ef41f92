//! The logout run: hide everything, ask the main frame (when it is ready) or the pod's
//! logout URL, fall back from the first to the second (when the frame is silent, gone, or
//! says no), ask again when the main frame signed in after the request left, bound it all by a
//! deadline, then remove the frames and answer every caller with the same result. An idle
//! logout that another tab performs is followed: hidden at once, closed when that tab
//! reports the end, performed here after all if no report comes in time.
//!
//! The run decides its steps; the session ([`super`]) acts on the [`Next`] each returns:
//! the end of the phase, the state news, the answers and the other tabs.

use serde_json::Value;

use crate::config::{Config, Transport};
use crate::error::SymphonyError;
use crate::outbox::{Outbox, TimerPurpose};
use crate::protocol::{Action, ActionKind, HostMessage, LogoutAction};
use crate::resolved::Resolved;
use crate::sdk::SdkFunction;
use crate::sdk_view::SdkLink;
use crate::vocabulary::{FrameId, LogoutAttemptId, RequestId, SdkCallId, TimerId, Work};

/// What the session does after a step of the run.
#[derive(Debug, PartialEq)]
#[must_use]
pub(crate) enum Next {
    /// The run goes on.
    Runs,
    /// The server part is over with this result: end the run ([`LogoutRun::end`]).
    Ends(Result<(), SymphonyError>),
    /// The tab whose logout this run follows reported a confirmed end: close without
    /// believing that the server session ended ([`LogoutRun::end_followed`]).
    FollowedEnds,
}

/// A logout in progress.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LogoutRun {
    /// Everyone who asked; all get the same answer.
    waiters: Vec<RequestId>,
    deadline: TimerId,
    /// The logout action posted to the main frame and its answer timer (none without an
    /// HTTP step: then the frame has until the deadline).
    frame_attempt: Option<(String, Option<TimerId>)>,
    /// What the main frame answered when it refused the logout; the HTTP step follows.
    frame_refusal: Option<SymphonyError>,
    /// The HTTP request; never in flight beside `frame_attempt`.
    http_attempt: Option<LogoutAttemptId>,
    /// The main frame while it is in the document.
    main: Option<FrameId>,
    /// The frames still in the document, hidden; removed when the server part is done.
    frames: Vec<FrameId>,
    /// The main frame had said `clientReady`, so it can be asked.
    main_ready: bool,
    /// Another tab performs this (idle) logout: nothing asked here unless it stays silent
    /// until the deadline, it reports a failure, our main frame signs in, or a caller of ours
    /// asks for a logout.
    following: bool,
    /// The main frame said `clientReady` (a signed-in document) after the request in flight
    /// left: a sign-in may have reached the pod after it, so its "ok" is not the end.
    signed_in_since_asked: bool,
    /// Over sdk.js: the containers rendered into (hidden; emptied when the run ends).
    containers: Vec<String>,
    /// Over sdk.js: the `logout()` call in flight.
    sdk_call: Option<SdkCallId>,
    /// Over sdk.js: `logout()` waits for `sdk.js` to load.
    waits_for_sdk: bool,
}

/// What a run closes: the frames of the built-in protocol (the main one, and whether it can
/// be asked), or the containers sdk.js rendered into.
#[derive(Debug, Default)]
pub(crate) struct Shown {
    pub main: Option<FrameId>,
    pub frames: Vec<FrameId>,
    pub main_ready: bool,
    pub containers: Vec<String>,
}

/// Who performs the server part of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Performer {
    /// This tab asks the pod.
    ThisTab,
    /// Another tab holds the idle logout's claim: this one follows it.
    AnotherTab,
}

impl LogoutRun {
    /// A run over these frames (already hidden), for these callers, bounded by the logout
    /// timeout from now. Nothing is asked yet ([`LogoutRun::start`]): the state news of the
    /// run's start must come before anything that may end it.
    pub(crate) fn new(
        waiters: Vec<RequestId>,
        shown: Shown,
        performer: Performer,
        out: &mut Outbox,
        config: &Config,
    ) -> Self {
        let Shown {
            main,
            frames,
            main_ready,
            containers,
        } = shown;
        Self {
            waiters,
            deadline: out.start_timer(TimerPurpose::LogoutDeadline, config.logout_timeout()),
            frame_attempt: None,
            frame_refusal: None,
            http_attempt: None,
            main,
            frames,
            main_ready,
            following: performer == Performer::AnotherTab,
            signed_in_since_asked: false,
            containers,
            sdk_call: None,
            waits_for_sdk: false,
        }
    }

    /// The frames still in the document.
    pub(crate) fn frames(&self) -> &[FrameId] {
        &self.frames
    }

    /// Over sdk.js: the containers rendered into.
    pub(crate) fn containers(&self) -> &[String] {
        &self.containers
    }

    /// The main frame, while it is in the document.
    pub(crate) fn main(&self) -> Option<FrameId> {
        self.main
    }

    /// Asks the pod, unless another tab performs the run.
    pub(crate) fn start(&mut self, out: &mut Outbox, config: &Config, link: &mut SdkLink) -> Next {
        if self.following {
            Next::Runs
        } else {
            self.ask(out, config, link)
        }
    }

    /// Another caller joins the run; a caller of ours wants the pod asked: a followed run
    /// is performed here from now on (we cannot vouch for another tab).
    pub(crate) fn join(
        &mut self,
        request: Option<RequestId>,
        out: &mut Outbox,
        config: &Config,
        link: &mut SdkLink,
    ) -> Next {
        self.waiters.extend(request);
        if self.following && request.is_some() {
            self.stop_following(out, config, link)
        } else {
            Next::Runs
        }
    }

    /// Over sdk.js: calls `window.symphony.logout()`, once `sdk.js` is there. Over the
    /// built-in protocol: asks the main frame when the frame step is on and the frame is
    /// there and ready, else the pod over HTTP.
    fn ask(&mut self, out: &mut Outbox, config: &Config, link: &mut SdkLink) -> Next {
        if config.transport() == Transport::SdkJs {
            if !crate::sdk_view::BUILT {
                return Next::Ends(Err(SymphonyError::SdkUnsupported));
            }
            if link.ensure_loaded(out, config) {
                self.waits_for_sdk = false;
                self.sdk_call = Some(link.call(out, SdkFunction::Logout, Vec::new(), None));
            } else {
                self.waits_for_sdk = true;
            }
            return Next::Runs;
        }
        match config.logout_action() {
            Some(name) if self.main.is_some() && self.main_ready => {
                self.ask_main_frame(name.to_owned(), out, config);
                Next::Runs
            }
            _ => self.ask_over_http(out, config),
        }
    }

    /// Stops following another tab's idle logout and performs it here, with a fresh
    /// deadline: that tab stayed silent or failed, our main frame signed in, or a caller of
    /// ours asked.
    fn stop_following(&mut self, out: &mut Outbox, config: &Config, link: &mut SdkLink) -> Next {
        self.following = false;
        let deadline = out.start_timer(TimerPurpose::LogoutDeadline, config.logout_timeout());
        out.cancel_timer(std::mem::replace(&mut self.deadline, deadline));
        self.ask(out, config, link)
    }

    /// `sdk.js` loaded: the `logout()` that waited for it goes. `None` when none waited.
    pub(crate) fn sdk_loaded(
        &mut self,
        out: &mut Outbox,
        config: &Config,
        link: &mut SdkLink,
    ) -> Option<Next> {
        if !self.waits_for_sdk {
            return None;
        }
        Some(self.ask(out, config, link))
    }

    /// `sdk.js` could not be loaded: the run that waited for it ends with that error.
    /// `None` when none waited.
    pub(crate) fn sdk_load_failed(&mut self, error: SymphonyError) -> Option<Next> {
        if !self.waits_for_sdk {
            return None;
        }
        self.waits_for_sdk = false;
        Some(Next::Ends(Err(error)))
    }

    /// `window.symphony.logout()` settled; `None` when it is not the call in flight.
    /// Symphony's `{}` ends the run; its error too (the next logout calls it again).
    pub(crate) fn sdk_settled(
        &mut self,
        call: SdkCallId,
        result: &Result<Resolved, SymphonyError>,
    ) -> Option<Next> {
        if self.sdk_call != Some(call) {
            return None;
        }
        self.sdk_call = None;
        Some(Next::Ends(result.clone().map(|_| ())))
    }

    /// Posts the logout action (named `name`) to the (ready) main frame and, when an HTTP
    /// step can follow, starts the frame's answer timer.
    fn ask_main_frame(&mut self, name: String, out: &mut Outbox, config: &Config) {
        let kind = ActionKind::Logout(LogoutAction::named(name));
        let id = out.new_action_id(&kind);
        out.emit(Work::Post(HostMessage::Action(Action { id: id.clone(), kind })));
        let timer = config
            .logout_url()
            .is_some()
            .then(|| out.start_timer(TimerPurpose::LogoutFrame, config.frame_logout_timeout()));
        self.frame_attempt = Some((id, timer));
        self.signed_in_since_asked = false;
    }

    /// Sends the HTTP logout, unless one is in flight; abandons the frame attempt first.
    /// Without an HTTP step the run ends here: with the frame's refusal, or with
    /// [`SymphonyError::LogoutNotSent`].
    fn ask_over_http(&mut self, out: &mut Outbox, config: &Config) -> Next {
        if self.http_attempt.is_some() {
            return Next::Runs;
        }
        if let Some((_, Some(timer))) = self.frame_attempt.take() {
            out.cancel_timer(timer);
        }
        let (Some(method), Some(url)) = (config.logout_method(), config.logout_url()) else {
            return Next::Ends(Err(self.frame_refusal.take().unwrap_or(SymphonyError::LogoutNotSent {
                reason: if self.main.is_some() {
                    "the main frame is not ready (the user has not signed in there) and the HTTP step is off"
                } else {
                    "no main frame is in the page and the HTTP step is off"
                },
            })));
        };
        let attempt = out.new_attempt();
        self.http_attempt = Some(attempt);
        self.signed_in_since_asked = false;
        out.emit(Work::SendLogoutRequest {
            attempt,
            method: method.to_owned(),
            url: url.to_owned(),
        });
        Next::Runs
    }

    /// The deadline passed: a followed run is performed here (that tab stayed silent),
    /// our own ends with a timeout.
    pub(crate) fn deadline_passed(&mut self, out: &mut Outbox, config: &Config, link: &mut SdkLink) -> Next {
        if self.following {
            return self.stop_following(out, config, link);
        }
        Next::Ends(Err(SymphonyError::Timeout {
            operation: "logout",
            after: config.logout_timeout(),
        }))
    }

    /// The main frame did not answer the logout action in time: its answer is now stale,
    /// the HTTP step follows.
    pub(crate) fn frame_silent(&mut self, out: &mut Outbox, config: &Config) -> Next {
        self.frame_attempt = None;
        self.ask_over_http(out, config)
    }

    /// The HTTP logout's outcome; `None` when it is not the request in flight.
    pub(crate) fn http_done(
        &mut self,
        attempt: LogoutAttemptId,
        result: Result<(), SymphonyError>,
        out: &mut Outbox,
        config: &Config,
        link: &mut SdkLink,
    ) -> Option<Next> {
        if self.http_attempt != Some(attempt) {
            return None;
        }
        self.http_attempt = None;
        Some(match result {
            Ok(()) => self.pod_confirmed(out, config, link),
            Err(error) => Next::Ends(Err(error)),
        })
    }

    /// The main frame's answer to the logout action; `None` when it is not the one asked.
    /// A "no" (any error, "unknown action" included) is not the end: we cannot tell a pod
    /// that failed from one that does not know our action, so the HTTP step follows.
    pub(crate) fn frame_done(
        &mut self,
        id: &str,
        error: Option<(String, Option<Value>)>,
        out: &mut Outbox,
        config: &Config,
        link: &mut SdkLink,
    ) -> Option<Next> {
        if self.frame_attempt.as_ref().is_none_or(|(asked, _)| asked != id) {
            return None;
        }
        Some(match error {
            None => self.pod_confirmed(out, config, link),
            Some((message, data)) => {
                self.frame_refusal = Some(logout_error_from_frame(message, data));
                self.ask_over_http(out, config)
            }
        })
    }

    /// The pod confirmed the end of the session it was asked about (over HTTP, or through
    /// the main frame): the run ends with success, unless the main frame signed in since the
    /// request left. Then the pod is asked again (a sign-in may have reached it after
    /// the logout did); the deadline still bounds the whole.
    fn pod_confirmed(&mut self, out: &mut Outbox, config: &Config, link: &mut SdkLink) -> Next {
        if !self.signed_in_since_asked {
            return Next::Ends(Ok(()));
        }
        if let Some((_, Some(timer))) = self.frame_attempt.take() {
            out.cancel_timer(timer);
        }
        if self.frame_refusal.is_some() {
            // The frame said no once: do not ask it again.
            self.ask_over_http(out, config)
        } else {
            self.ask(out, config, link)
        }
    }

    /// A frame of ours loaded during the run: a new document, perhaps the pod's own answer
    /// to the logout (its signed-out page). Only the main frame's readiness changes: it is
    /// not ready until it says so. `None` when the frame is not ours.
    pub(crate) fn frame_loaded(&mut self, frame: FrameId) -> Option<Next> {
        if !self.frames.contains(&frame) {
            return None;
        }
        if self.main == Some(frame) {
            self.main_ready = false;
        }
        Some(Next::Runs)
    }

    /// The main frame said `clientReady` during the run: a signed-in document loaded, perhaps
    /// after a sign-in that reaches the pod after our request. The pod's next "ok" is then
    /// not the end (fail closed); a followed run is performed here, where the sign-in was
    /// seen. `None` without a main frame.
    pub(crate) fn main_frame_ready(
        &mut self,
        out: &mut Outbox,
        config: &Config,
        link: &mut SdkLink,
    ) -> Option<Next> {
        self.main?;
        self.main_ready = true;
        if self.following {
            return Some(self.stop_following(out, config, link));
        }
        if self.http_attempt.is_some() || self.frame_attempt.is_some() {
            self.signed_in_since_asked = true;
        }
        Some(Next::Runs)
    }

    /// A frame left the document during the run; the main frame's going ends the frame
    /// attempt at once (the HTTP request takes over). `None` when it is not ours.
    pub(crate) fn frame_gone(&mut self, frame: FrameId, out: &mut Outbox, config: &Config) -> Option<Next> {
        let at = self.frames.iter().position(|f| *f == frame)?;
        self.frames.remove(at);
        if self.main == Some(frame) {
            self.main = None;
            if self.frame_attempt.is_some() {
                return Some(self.ask_over_http(out, config));
            }
        }
        Some(Next::Runs)
    }

    /// Another tab reported the end of a logout from our pod (`ok`: the pod confirmed it
    /// there). A followed run closes on a confirmed end and is performed here on any other
    /// (fail closed); our own runs on to its own end.
    pub(crate) fn another_tab_ended(
        &mut self,
        ok: bool,
        out: &mut Outbox,
        config: &Config,
        link: &mut SdkLink,
    ) -> Next {
        match (self.following, ok) {
            (true, true) => Next::FollowedEnds,
            (true, false) => self.stop_following(out, config, link),
            (false, _) => Next::Runs,
        }
    }

    /// Ends the run with `result`: cancels its timers, aborts a request still in flight,
    /// removes the frames. Returns the result every caller gets (after a refusal of the
    /// main frame, an error carries it too) and the callers.
    pub(crate) fn end(
        self,
        result: Result<(), SymphonyError>,
        out: &mut Outbox,
    ) -> (Result<(), SymphonyError>, Vec<RequestId>) {
        let result = match (result, self.frame_refusal) {
            (Err(http), Some(frame)) => Err(SymphonyError::LogoutRefused {
                frame: Box::new(frame),
                http: Box::new(http),
            }),
            (result, _) => result,
        };
        out.cancel_timer(self.deadline);
        if let Some((_, Some(timer))) = self.frame_attempt {
            out.cancel_timer(timer);
        }
        if let Some(attempt) = self.http_attempt {
            out.emit(Work::AbortLogoutRequest { attempt });
        }
        out.remove_frames(self.frames);
        if !self.containers.is_empty() {
            out.emit(Work::RemoveContainedFrames {
                containers: self.containers,
            });
        }
        (result, self.waiters)
    }

    /// Ends a followed run whose performer reported a confirmed end: cancels the deadline
    /// and removes the frames. Nobody waits (a caller of ours stops the following).
    pub(crate) fn end_followed(self, out: &mut Outbox) {
        debug_assert!(self.waiters.is_empty(), "a followed logout has no callers");
        out.cancel_timer(self.deadline);
        out.remove_frames(self.frames);
        if !self.containers.is_empty() {
            out.emit(Work::RemoveContainedFrames {
                containers: self.containers,
            });
        }
    }
}

/// Maps the main frame's answer to our `logout` action. Its error `data` may carry
/// `{"status": N}` (the pod's HTTP status) or `{"reason": "network"}`.
fn logout_error_from_frame(message: String, data: Option<Value>) -> SymphonyError {
    let status = data
        .as_ref()
        .and_then(|d| d.get("status"))
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok());
    let network = data
        .as_ref()
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str)
        == Some("network");
    match (status, network) {
        (Some(status), _) => SymphonyError::ServerStatus { status },
        (None, true) => SymphonyError::Network { message },
        (None, false) => SymphonyError::Pod {
            operation: "logout",
            message,
            data,
        },
    }
}
