//! Inactivity logout: the clock of the last activity from any source (the host
//! page, the chats, the app's other tabs), the warning before the logout, and the claim
//! that lets exactly one tab of the app perform it.
//!
//! Time comes in with the events ([`Event::Activity`], [`Event::IdleCheck`]); the machine
//! asks for one check at a time ([`Work::ScheduleIdleCheck`]), never one timer per
//! activity.
//!
//! [`Event::Activity`]: crate::Event::Activity
//! [`Event::IdleCheck`]: crate::Event::IdleCheck
//! [`Work::ScheduleIdleCheck`]: crate::Work::ScheduleIdleCheck

use std::time::Duration;

use super::logout::Performer;
use crate::config::Config;
use crate::outbox::{Outbox, TimerPurpose};
use crate::protocol::TabMessage;
use crate::time::Timestamp;
use crate::vocabulary::{FrameId, TimerId};
use crate::vocabulary::{News, Work};

/// The idle clock of one render: it runs while the session is `Rendered`, and on after the
/// render's main frame left the page while the pod session may be alive.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct IdleClock {
    /// The main frame of the render the clock runs for; `None` while it does not run.
    running_for: Option<FrameId>,
    /// The latest time the driver told us.
    now: Option<Timestamp>,
    /// The last activity from any source; the first check of a render counts as one.
    last_activity: Option<Timestamp>,
    /// The logout deadline announced with [`News::IdleWarningStarted`], while it stands.
    warning: Option<Timestamp>,
    /// The deadline claimed with [`Work::IdleLogoutDue`], waiting for the answer.
    claimed: Option<Timestamp>,
    /// Bounds the wait for that answer (the logout timeout).
    claim_timer: Option<TimerId>,
    /// An [`Work::ScheduleIdleCheck`] was emitted and not cancelled.
    check_scheduled: bool,
}

/// What an answer to the claim of an idle logout means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClaimAnswer {
    /// It answers no claim waiting here: stale.
    NotWaited,
    /// Activity moved the deadline since the claim: dropped, nothing to do.
    Outdated,
    /// The logout is due: performed here (granted), or by the tab that holds the claim
    /// and followed here (refused).
    LogOut(Performer),
}

impl IdleClock {
    /// The deadline the standing warning announced.
    pub(crate) fn warning(&self) -> Option<Timestamp> {
        self.warning
    }

    /// Starts, restarts or stops the clock so that it runs for the render of this main
    /// frame (`None`: stops). Called after every input with what the phase wants.
    pub(crate) fn sync(&mut self, wanted: Option<FrameId>, out: &mut Outbox) {
        if wanted == self.running_for {
            return;
        }
        if self.warning.is_some() {
            out.emit(News::IdleWarningCleared);
        }
        if self.check_scheduled {
            out.emit(Work::CancelIdleCheck);
        }
        if let Some(timer) = self.claim_timer {
            out.cancel_timer(timer);
        }
        *self = IdleClock {
            running_for: wanted,
            ..IdleClock::default()
        };
        if wanted.is_some() {
            // The first check tells the time the render started, which counts as activity.
            self.schedule_check(Duration::ZERO, out);
        }
    }

    /// The main frame of the render the clock runs for.
    pub(crate) fn running_for(&self) -> Option<FrameId> {
        self.running_for
    }

    fn schedule_check(&mut self, after: Duration, out: &mut Outbox) {
        self.check_scheduled = true;
        out.emit(Work::ScheduleIdleCheck { after });
    }

    /// A notification of that subscription: the user did something in a chat. The driver
    /// tells when ([`Work::ChatActivity`]); false while the clock does not run.
    pub(crate) fn chat_activity(&self, out: &mut Outbox) -> bool {
        if self.running_for.is_none() {
            return false;
        }
        out.emit(Work::ChatActivity);
        true
    }

    /// A check of the clock: scheduled, or whenever the driver likes (a page shown again).
    pub(crate) fn check(&mut self, now: Timestamp, out: &mut Outbox, config: &Config) {
        if self.running_for.is_none() {
            return;
        }
        self.check_scheduled = false;
        self.now = self.now.max(Some(now));
        if self.last_activity.is_none() {
            self.record_activity(now);
            tell_other_tabs(now, out, config);
        }
        self.evaluate(out, config);
    }

    /// Activity seen here (the page, a chat, "stay signed in"), or reported by another tab
    /// (`heard_at`: when; the report is already capped to it). Activity at or after the
    /// deadline never renews the session: here it makes the logout due at once (a late
    /// timer must not let a returning user in), from another tab it is ignored.
    pub(crate) fn activity(
        &mut self,
        at: Timestamp,
        heard_at: Option<Timestamp>,
        out: &mut Outbox,
        config: &Config,
    ) {
        if self.running_for.is_none() {
            return;
        }
        let from_another_tab = heard_at.is_some();
        self.now = self.now.max(Some(heard_at.unwrap_or(at)));
        if let Some(deadline) = self.deadline(config) {
            if at >= deadline {
                if !from_another_tab {
                    self.due(deadline, out, config);
                }
                return;
            }
        }
        self.record_activity(at);
        if !from_another_tab {
            tell_other_tabs(at, out, config);
        }
        if self.warning.take().is_some() {
            out.emit(News::IdleWarningCleared);
            self.evaluate(out, config);
        }
    }

    fn record_activity(&mut self, at: Timestamp) {
        self.last_activity = self.last_activity.max(Some(at));
    }

    fn deadline(&self, config: &Config) -> Option<Timestamp> {
        let policy = config.idle()?;
        Some(self.last_activity?.after(policy.timeout()))
    }

    /// Compares the clock with the deadline: warns, makes the logout due, and schedules the
    /// next check (never further away than the check interval).
    fn evaluate(&mut self, out: &mut Outbox, config: &Config) {
        let (Some(policy), Some(now), Some(deadline)) = (config.idle(), self.now, self.deadline(config))
        else {
            return;
        };
        if now >= deadline {
            self.due(deadline, out, config);
            self.schedule_check(policy.check_interval(), out);
            return;
        }
        let warn_at = deadline.before(policy.warning_lead());
        let next = if now >= warn_at {
            if self.warning != Some(deadline) {
                self.warning = Some(deadline);
                out.emit(News::IdleWarningStarted { deadline });
            }
            deadline
        } else {
            if self.warning.take().is_some() {
                out.emit(News::IdleWarningCleared);
            }
            warn_at
        };
        self.schedule_check(now.until(next).min(policy.check_interval()), out);
    }

    /// Asks the driver to claim this idle logout for this tab (once per deadline), and
    /// bounds the wait for its answer by the logout timeout.
    fn due(&mut self, deadline: Timestamp, out: &mut Outbox, config: &Config) {
        if self.claimed == Some(deadline) {
            return;
        }
        self.drop_claim(out);
        self.claimed = Some(deadline);
        let after = config.logout_timeout();
        self.claim_timer = Some(out.start_timer(TimerPurpose::IdleClaim(deadline), after));
        out.emit(Work::IdleLogoutDue { deadline });
    }

    /// Forgets the claim waiting for an answer, if any.
    fn drop_claim(&mut self, out: &mut Outbox) {
        self.claimed = None;
        if let Some(timer) = self.claim_timer.take() {
            out.cancel_timer(timer);
        }
    }

    /// The answer to [`Work::IdleLogoutDue`]. The claim counts only while its deadline is
    /// still the current one: activity counted before it (here, or reported by another tab
    /// as timed before it) moved the deadline, and then the claim is dropped, granted or
    /// not. Granted, this tab performs the logout; refused, another tab performs it and this
    /// one follows (hidden at once, closed when that tab reports the end, and performing its
    /// own logout if no report comes within the logout timeout).
    pub(crate) fn claimed(
        &mut self,
        deadline: Timestamp,
        granted: bool,
        out: &mut Outbox,
        config: &Config,
    ) -> ClaimAnswer {
        if self.running_for.is_none() || self.claimed != Some(deadline) {
            return ClaimAnswer::NotWaited;
        }
        let current = self.deadline(config) == Some(deadline);
        self.drop_claim(out);
        if current {
            ClaimAnswer::LogOut(if granted {
                Performer::ThisTab
            } else {
                Performer::AnotherTab
            })
        } else {
            ClaimAnswer::Outdated
        }
    }

    /// No answer to the claim within the logout timeout (a browser whose lock request
    /// neither grants nor refuses): this tab logs out itself (more requests, never none).
    pub(crate) fn claim_unanswered(
        &mut self,
        deadline: Timestamp,
        out: &mut Outbox,
        config: &Config,
    ) -> ClaimAnswer {
        self.claim_timer = None;
        // Judged as a granted answer would be: it counts only while it is the current claim.
        self.claimed(deadline, true, out, config)
    }
}

/// Tells the app's other tabs of activity seen here at `at`.
fn tell_other_tabs(at: Timestamp, out: &mut Outbox, config: &Config) {
    out.emit(Work::Broadcast(TabMessage::Activity {
        pod: config.pod_origin().to_owned(),
        at: at.0,
    }));
}
