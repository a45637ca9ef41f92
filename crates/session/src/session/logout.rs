//! The logout run: hide everything, ask the main frame (when it is ready) or the pod's
//! logout URL, fall back from the first to the second (when the frame is silent, gone, or
//! says no), bound it all by a deadline, then remove the frames and answer every caller
//! with the same result. A logout in a page that never rendered first asks the storage
//! whether an earlier page left a session of the pod. An idle logout that
//! another tab performs is followed: hidden at once, closed when that tab reports the end,
//! performed here after all if no report comes in time.

use serde_json::Value;

use super::{Phase, Session};
use crate::error::SymphonyError;
use crate::outbox::TimerPurpose;
use crate::protocol::{session_mark_key, Action, ActionKind, HostMessage, LogoutAction, TabMessage};
use crate::resolved::Resolved;
use crate::vocabulary::Work;
use crate::vocabulary::{
    FrameId, LogoutAttemptId, LogoutReason, RequestId, SessionState, StoredMark, TimerId,
};

/// A logout in progress.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LogoutRun {
    /// Everyone who asked; all get the same answer.
    pub waiters: Vec<RequestId>,
    pub deadline: crate::vocabulary::TimerId,
    /// The logout action posted to the main frame and its answer timer (none without an
    /// HTTP step: then the frame has until the deadline).
    pub frame_attempt: Option<(String, Option<TimerId>)>,
    /// What the main frame answered when it refused the logout; the HTTP step follows.
    pub frame_refusal: Option<SymphonyError>,
    /// The HTTP request; never in flight beside `frame_attempt`.
    pub http_attempt: Option<LogoutAttemptId>,
    /// The main frame while it is in the document.
    pub main: Option<FrameId>,
    /// The frames still in the document, hidden; removed when the server part is done.
    pub frames: Vec<FrameId>,
    /// The main frame had said `clientReady`, so it can be asked.
    pub main_ready: bool,
    /// Another tab performs this (idle) logout: nothing asked here unless it stays silent
    /// until the deadline or a caller of ours asks for a logout.
    pub following: bool,
    /// A frame of ours navigated (loaded, or said `clientReady`) after the request in
    /// flight left: a sign-in may have reached the pod after it, so its "ok" is not the end.
    pub navigated_since_asked: bool,
}

impl Session {
    pub(crate) fn logout(&mut self, request: RequestId) {
        self.begin_logout(Some(request), LogoutReason::Requested, false);
    }

    /// Starts a logout (or joins the one running), for a caller (`request`) or for the idle
    /// policy (none). With `follow`, another tab performs the server part.
    pub(crate) fn begin_logout(&mut self, request: Option<RequestId>, reason: LogoutReason, follow: bool) {
        let before = self.state();
        match std::mem::replace(&mut self.phase, Phase::Unrendered) {
            Phase::LoggingOut(mut run) => {
                run.waiters.extend(request);
                let stop_following = run.following && request.is_some();
                self.phase = Phase::LoggingOut(run);
                if stop_following {
                    // A caller of ours wants the pod asked: we cannot vouch for another tab.
                    self.stop_following();
                }
            }
            Phase::Rendered(mut view) => {
                // Nothing of the session stays visible while the server answers: hide first.
                let frames = view.frames();
                self.outbox.emit(Work::HideFrames {
                    frames: frames.clone(),
                });
                view.interrupt(&mut self.outbox, |operation| SymphonyError::Interrupted {
                    operation,
                    by: "logout",
                });
                let run = LogoutRun {
                    waiters: request.into_iter().collect(),
                    deadline: self.start_logout_deadline(),
                    frame_attempt: None,
                    frame_refusal: None,
                    http_attempt: None,
                    main: Some(view.main),
                    frames,
                    main_ready: view.ready,
                    following: follow,
                    navigated_since_asked: false,
                };
                self.phase = Phase::LoggingOut(run);
                self.logout_reason = Some(reason);
                // Told before the pod is asked: asking may end the logout at once (nothing
                // can be sent), and its end must come after its start.
                self.announce_state(before);
                if !follow {
                    self.ask_the_pod();
                }
            }
            other @ (Phase::Unrendered | Phase::LoggedOut) => {
                self.phase = other;
                if !self.server_session_may_be_alive {
                    let Some(request) = request else {
                        return;
                    };
                    // Nothing of this page may be alive (never rendered, or its own logout
                    // was confirmed), but another page of this browser may hold a session
                    // of the pod (an earlier page, or another tab signed in since): the
                    // storage tells.
                    if self.mark_waiters.is_empty() {
                        let key = session_mark_key(self.config.pod_origin());
                        self.outbox.emit(Work::ReadSessionMark { key });
                    }
                    self.mark_waiters.push(request);
                    return;
                }
                // The frames are gone already; only the server part is left to do (for a
                // caller, or for the idle clock that ran on after the main frame left).
                self.phase = Phase::LoggingOut(LogoutRun {
                    waiters: request.into_iter().collect(),
                    deadline: self.start_logout_deadline(),
                    frame_attempt: None,
                    frame_refusal: None,
                    http_attempt: None,
                    main: None,
                    frames: Vec::new(),
                    main_ready: false,
                    following: follow,
                    navigated_since_asked: false,
                });
                self.logout_reason = Some(reason);
                self.announce_state(before);
                if !follow {
                    self.ask_over_http();
                }
            }
        }
    }

    /// The storage answered [`Work::ReadSessionMark`]: the logouts that waited for it
    /// ask the pod over HTTP when an earlier page may have left a session (or the storage
    /// could not tell), else they are answered `{}`. False when nobody waited.
    pub(crate) fn session_mark_read(&mut self, mark: StoredMark) -> bool {
        let waiters = std::mem::take(&mut self.mark_waiters);
        if waiters.is_empty() {
            return false;
        }
        match self.phase {
            Phase::Unrendered | Phase::LoggedOut => {
                if mark != StoredMark::Absent {
                    self.server_session_may_be_alive = true;
                }
                for request in waiters {
                    if self.server_session_may_be_alive {
                        self.logout(request);
                    } else {
                        self.outbox.answer_ok(request);
                    }
                }
            }
            // A render came first: these logouts were asked before it, not of it.
            Phase::Rendered(_) => {
                for request in waiters {
                    let error = SymphonyError::Interrupted {
                        operation: "logout",
                        by: "a new render",
                    };
                    self.outbox.answer(request, Err(error));
                }
            }
            // A render and a logout came first: join it.
            Phase::LoggingOut(_) => {
                for request in waiters {
                    self.logout(request);
                }
            }
        }
        true
    }

    /// Asks the main frame when the frame step is on and the frame is there and ready,
    /// else the pod over HTTP.
    fn ask_the_pod(&mut self) {
        match (&self.phase, self.config.logout_action()) {
            (Phase::LoggingOut(run), Some(name)) if run.main.is_some() && run.main_ready => {
                let name = name.to_owned();
                self.ask_main_frame(name);
            }
            _ => self.ask_over_http(),
        }
    }

    pub(crate) fn following_another_tab(&self) -> bool {
        matches!(&self.phase, Phase::LoggingOut(run) if run.following)
    }

    /// Stops following another tab's idle logout and performs it here, with a fresh
    /// deadline: that tab stayed silent, or a caller of ours asked.
    pub(crate) fn stop_following(&mut self) {
        let deadline = self.start_logout_deadline();
        let Phase::LoggingOut(run) = &mut self.phase else {
            return;
        };
        run.following = false;
        let old = std::mem::replace(&mut run.deadline, deadline);
        self.outbox.cancel_timer(old);
        self.ask_the_pod();
    }

    /// The tab performing the idle logout we follow reported its end: close here, without
    /// believing that the server session ended (nobody here asked the pod).
    pub(crate) fn finish_following(&mut self, run: LogoutRun) {
        self.outbox.cancel_timer(run.deadline);
        self.outbox.remove_frames(run.frames);
        self.subscriptions.clear();
        self.phase = Phase::LoggedOut;
        self.state_news(SessionState::LoggingOut, SessionState::LoggedOut);
        // A caller of ours stops the following (`begin_logout`), so nobody waits here.
        debug_assert!(run.waiters.is_empty(), "a followed logout has no callers");
    }

    fn start_logout_deadline(&mut self) -> crate::vocabulary::TimerId {
        self.outbox
            .start_timer(TimerPurpose::LogoutDeadline, self.config.logout_timeout())
    }

    /// Posts the logout action (named `name`) to the (ready) main frame and, when an HTTP
    /// step can follow, starts the frame's answer timer.
    fn ask_main_frame(&mut self, name: String) {
        let kind = ActionKind::Logout(LogoutAction::named(name));
        let id = self.outbox.new_action_id(&kind);
        self.outbox
            .emit(Work::Post(HostMessage::Action(Action { id: id.clone(), kind })));
        let timer = self.config.logout_url().is_some().then(|| {
            self.outbox
                .start_timer(TimerPurpose::LogoutFrame, self.config.frame_logout_timeout())
        });
        if let Phase::LoggingOut(run) = &mut self.phase {
            run.frame_attempt = Some((id, timer));
            run.navigated_since_asked = false;
        }
    }

    /// Sends the HTTP logout, unless one is in flight; abandons the frame attempt first.
    /// Without an HTTP step the logout ends here: with the frame's refusal, or with
    /// [`SymphonyError::LogoutNotSent`].
    pub(crate) fn ask_over_http(&mut self) {
        let Phase::LoggingOut(run) = &mut self.phase else {
            return;
        };
        if run.http_attempt.is_some() {
            return;
        }
        if let Some((_, Some(timer))) = run.frame_attempt.take() {
            self.outbox.cancel_timer(timer);
        }
        let (Some(method), Some(url)) = (self.config.logout_method(), self.config.logout_url()) else {
            let error = run.frame_refusal.take().unwrap_or(SymphonyError::LogoutNotSent {
                reason: if run.main.is_some() {
                    "the main frame is not ready (the user has not signed in there) and the HTTP step is off"
                } else {
                    "no main frame is in the page and the HTTP step is off"
                },
            });
            self.finish_logout(Err(error), false);
            return;
        };
        let attempt = self.outbox.new_attempt();
        run.http_attempt = Some(attempt);
        run.navigated_since_asked = false;
        self.outbox.emit(Work::SendLogoutRequest {
            attempt,
            method: method.to_owned(),
            url: url.to_owned(),
        });
    }

    /// Ends the logout: removes the frames, tells the other tabs, then answers every
    /// waiter with `result` (after a refusal of the main frame, an error carries it too).
    /// `from_http` tells whether `result` is the HTTP request's own answer (else a request
    /// in flight is aborted).
    pub(crate) fn finish_logout(&mut self, result: Result<(), SymphonyError>, from_http: bool) {
        let Phase::LoggingOut(run) = std::mem::replace(&mut self.phase, Phase::LoggedOut) else {
            return;
        };
        let result = match (result, run.frame_refusal) {
            (Err(http), Some(frame)) => Err(SymphonyError::LogoutRefused {
                frame: Box::new(frame),
                http: Box::new(http),
            }),
            (result, _) => result,
        };
        self.outbox.cancel_timer(run.deadline);
        if let Some((_, Some(timer))) = run.frame_attempt {
            self.outbox.cancel_timer(timer);
        }
        if let (Some(attempt), false) = (run.http_attempt, from_http) {
            self.outbox.emit(Work::AbortLogoutRequest { attempt });
        }
        self.outbox.remove_frames(run.frames);
        self.subscriptions.clear();
        self.server_session_may_be_alive = result.is_err();
        if result.is_ok() {
            // The pod confirmed the end: no later page needs to ask it again.
            let key = session_mark_key(self.config.pod_origin());
            self.outbox.emit(Work::ClearSessionMark { key });
        }
        self.state_news(SessionState::LoggingOut, SessionState::LoggedOut);
        self.outbox.emit(Work::Broadcast(TabMessage::LoggedOut {
            pod: self.config.pod_origin().to_owned(),
            ok: result.is_ok(),
            reason: self.logout_reason,
        }));
        for request in run.waiters {
            self.outbox.answer(request, result.clone().map(Resolved::from));
        }
    }

    /// The HTTP logout's outcome; false when it is not the request in flight.
    pub(crate) fn http_logout_done(
        &mut self,
        attempt: LogoutAttemptId,
        result: Result<(), SymphonyError>,
    ) -> bool {
        match &self.phase {
            Phase::LoggingOut(run) if run.http_attempt == Some(attempt) => {
                match result {
                    Ok(()) => self.pod_confirmed(true),
                    Err(error) => self.finish_logout(Err(error), true),
                }
                true
            }
            _ => false,
        }
    }

    /// The main frame's answer to the logout action; false when it is not the one asked.
    /// A "no" (any error, "unknown action" included) is not the end: we cannot tell a pod
    /// that failed from one that does not know our action, so the HTTP step follows.
    pub(crate) fn frame_logout_done(&mut self, id: &str, error: Option<(String, Option<Value>)>) -> bool {
        let Phase::LoggingOut(run) = &mut self.phase else {
            return false;
        };
        if run.frame_attempt.as_ref().is_none_or(|(asked, _)| asked != id) {
            return false;
        }
        match error {
            None => self.pod_confirmed(false),
            Some((message, data)) => {
                run.frame_refusal = Some(logout_error_from_frame(message, data));
                self.ask_over_http();
            }
        }
        true
    }

    /// The pod confirmed the end of the session it was asked about (over HTTP, or through
    /// the main frame): the logout ends with success, unless a frame of ours navigated
    /// since the request left. Then the pod is asked again (a sign-in may have reached it
    /// after the logout did); the deadline still bounds the whole.
    fn pod_confirmed(&mut self, from_http: bool) {
        let Phase::LoggingOut(run) = &mut self.phase else {
            return;
        };
        if !run.navigated_since_asked {
            self.finish_logout(Ok(()), from_http);
            return;
        }
        if from_http {
            run.http_attempt = None;
        }
        if let Some((_, Some(timer))) = run.frame_attempt.take() {
            self.outbox.cancel_timer(timer);
        }
        if run.frame_refusal.is_some() {
            // The frame said no once: do not ask it again.
            self.ask_over_http();
        } else {
            self.ask_the_pod();
        }
    }

    /// A frame of ours loaded (`ready`: the main frame said `clientReady`) during the
    /// logout: it navigated, perhaps after a sign-in that reaches the pod after our request.
    /// The pod's next "ok" is then not the end (fail closed); a followed logout is
    /// performed here, where the navigation was seen. False when the frame is not ours.
    pub(crate) fn navigated_during_logout(&mut self, frame: Option<FrameId>, ready: bool) -> bool {
        let Phase::LoggingOut(run) = &mut self.phase else {
            return false;
        };
        let frame = match frame {
            Some(frame) if run.frames.contains(&frame) => frame,
            Some(_) => return false,
            None => match run.main {
                Some(main) => main,
                None => return false,
            },
        };
        if run.main == Some(frame) {
            // A new document: ready only once it says so.
            run.main_ready = ready;
        }
        if run.following {
            self.stop_following();
        } else if run.http_attempt.is_some() || run.frame_attempt.is_some() {
            run.navigated_since_asked = true;
        }
        true
    }

    /// A frame left the document during the logout; the main frame's going ends the frame
    /// attempt at once (the HTTP request takes over).
    pub(crate) fn frame_gone_during_logout(&mut self, frame: FrameId) -> bool {
        let Phase::LoggingOut(run) = &mut self.phase else {
            return false;
        };
        let Some(at) = run.frames.iter().position(|f| *f == frame) else {
            return false;
        };
        run.frames.remove(at);
        if run.main == Some(frame) {
            run.main = None;
            if run.frame_attempt.is_some() {
                self.ask_over_http();
            }
        }
        true
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
