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

use super::{Phase, Session};
use crate::outbox::TimerPurpose;
use crate::protocol::{HostMessage, NotificationKind, Subscription, SubscriptionParams, TabMessage};
use crate::time::Timestamp;
use crate::vocabulary::{FrameId, LogoutReason, TimerId};
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

/// The subscription to the chats' activity, with an idle policy.
pub(crate) fn chat_activity_subscription(config: &crate::config::Config) -> Option<HostMessage> {
    config.idle()?;
    Some(HostMessage::Subscription(Subscription {
        kind: NotificationKind::ActivityNotifications,
        id: crate::protocol::CHAT_ACTIVITY.to_owned(),
        params: SubscriptionParams { stream_id: None },
    }))
}

impl IdleClock {
    /// The deadline the standing warning announced.
    pub(crate) fn warning(&self) -> Option<Timestamp> {
        self.warning
    }
}

impl Session {
    /// Starts, restarts or stops the idle clock so that it runs exactly while the session
    /// is `Rendered` (a new render restarts it), or `Unrendered` after a render while the
    /// pod session may be alive. Called after every input.
    pub(crate) fn sync_idle(&mut self) {
        if self.config.idle().is_none() {
            return;
        }
        let wanted = match &self.phase {
            Phase::Rendered(view) => Some(view.main),
            // The main frame left the page (a chat route unmounted) but the pod session may
            // live on: the clock of its render runs on, and logs out over HTTP when due.
            Phase::Unrendered if self.server_session_may_be_alive => self.idle.running_for,
            Phase::Unrendered | Phase::LoggingOut(_) | Phase::LoggedOut => None,
        };
        if wanted == self.idle.running_for {
            return;
        }
        if self.idle.warning.is_some() {
            self.outbox.emit(News::IdleWarningCleared);
        }
        if self.idle.check_scheduled {
            self.outbox.emit(Work::CancelIdleCheck);
        }
        if let Some(timer) = self.idle.claim_timer {
            self.outbox.cancel_timer(timer);
        }
        self.idle = IdleClock {
            running_for: wanted,
            ..IdleClock::default()
        };
        if wanted.is_some() {
            // The first check tells the time the render started, which counts as activity.
            self.schedule_idle_check(std::time::Duration::ZERO);
        }
    }

    fn schedule_idle_check(&mut self, after: Duration) {
        self.idle.check_scheduled = true;
        self.outbox.emit(Work::ScheduleIdleCheck { after });
    }

    /// A notification of that subscription: the user did something in a chat. The driver
    /// tells when ([`Work::ChatActivity`]); false while the clock does not run.
    pub(crate) fn chat_activity(&mut self) -> bool {
        if self.idle.running_for.is_none() {
            return false;
        }
        self.outbox.emit(Work::ChatActivity);
        true
    }

    /// A check of the clock: scheduled, or whenever the driver likes (a page shown again).
    pub(crate) fn idle_check(&mut self, now: Timestamp) {
        if self.idle.running_for.is_none() {
            return;
        }
        self.idle.check_scheduled = false;
        self.idle.now = self.idle.now.max(Some(now));
        if self.idle.last_activity.is_none() {
            self.record_activity(now, true);
        }
        self.evaluate_idle();
    }

    /// Activity seen here (the page, a chat, "stay signed in"), or reported by another tab
    /// (`heard_at`: when; the report is already capped to it). Activity at or after the
    /// deadline never renews the session: here it makes the logout due at once (a late
    /// timer must not let a returning user in), from another tab it is ignored.
    pub(crate) fn idle_activity(&mut self, at: Timestamp, heard_at: Option<Timestamp>) {
        if self.idle.running_for.is_none() {
            return;
        }
        let from_another_tab = heard_at.is_some();
        self.idle.now = self.idle.now.max(Some(heard_at.unwrap_or(at)));
        if let Some(deadline) = self.idle_deadline() {
            if at >= deadline {
                if !from_another_tab {
                    self.idle_due(deadline);
                }
                return;
            }
        }
        self.record_activity(at, !from_another_tab);
        if self.idle.warning.take().is_some() {
            self.outbox.emit(News::IdleWarningCleared);
            self.evaluate_idle();
        }
    }

    fn record_activity(&mut self, at: Timestamp, tell_other_tabs: bool) {
        self.idle.last_activity = self.idle.last_activity.max(Some(at));
        if tell_other_tabs {
            self.outbox.emit(Work::Broadcast(TabMessage::Activity {
                pod: self.config.pod_origin().to_owned(),
                at: at.0,
            }));
        }
    }

    fn idle_deadline(&self) -> Option<Timestamp> {
        let policy = self.config.idle()?;
        Some(self.idle.last_activity?.after(policy.timeout()))
    }

    /// Compares the clock with the deadline: warns, makes the logout due, and schedules the
    /// next check (never further away than the check interval).
    fn evaluate_idle(&mut self) {
        let (Some(policy), Some(now), Some(deadline)) =
            (self.config.idle(), self.idle.now, self.idle_deadline())
        else {
            return;
        };
        if now >= deadline {
            self.idle_due(deadline);
            self.schedule_idle_check(policy.check_interval());
            return;
        }
        let warn_at = deadline.before(policy.warning_lead());
        let next = if now >= warn_at {
            if self.idle.warning != Some(deadline) {
                self.idle.warning = Some(deadline);
                self.outbox.emit(News::IdleWarningStarted { deadline });
            }
            deadline
        } else {
            if self.idle.warning.take().is_some() {
                self.outbox.emit(News::IdleWarningCleared);
            }
            warn_at
        };
        self.schedule_idle_check(now.until(next).min(policy.check_interval()));
    }

    /// Asks the driver to claim this idle logout for this tab (once per deadline), and
    /// bounds the wait for its answer by the logout timeout.
    fn idle_due(&mut self, deadline: Timestamp) {
        if self.idle.claimed == Some(deadline) {
            return;
        }
        self.drop_idle_claim();
        self.idle.claimed = Some(deadline);
        let after = self.config.logout_timeout();
        self.idle.claim_timer = Some(self.outbox.start_timer(TimerPurpose::IdleClaim(deadline), after));
        self.outbox.emit(Work::IdleLogoutDue { deadline });
    }

    /// Forgets the claim waiting for an answer, if any.
    fn drop_idle_claim(&mut self) {
        self.idle.claimed = None;
        if let Some(timer) = self.idle.claim_timer.take() {
            self.outbox.cancel_timer(timer);
        }
    }

    /// The answer to [`Work::IdleLogoutDue`]. The claim counts only while its deadline is
    /// still the current one: activity counted before it (here, or reported by another tab
    /// as timed before it) moved the deadline, and then the claim is dropped, granted or
    /// not. Granted, this tab performs the logout; refused, another tab performs it and this
    /// one follows (hidden at once, closed when that tab reports the end, and performing its
    /// own logout if no report comes within the logout timeout). False when it answers no
    /// current claim.
    pub(crate) fn idle_claimed(&mut self, deadline: Timestamp, granted: bool) -> bool {
        if self.idle.running_for.is_none() || self.idle.claimed != Some(deadline) {
            return false;
        }
        let current = self.idle_deadline() == Some(deadline);
        self.drop_idle_claim();
        if current {
            self.begin_logout(None, LogoutReason::Idle, !granted);
        }
        true
    }

    /// No answer to the claim within the logout timeout (a browser whose lock request
    /// neither grants nor refuses): this tab logs out itself (more requests, never none).
    pub(crate) fn idle_claim_unanswered(&mut self, deadline: Timestamp) {
        self.idle.claim_timer = None;
        // Judged as a granted answer would be: it counts only while it is the current claim.
        self.idle_claimed(deadline, true);
    }
}
