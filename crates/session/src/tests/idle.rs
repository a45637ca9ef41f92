//! The idle policy: a unit test per rule, and a property over random activity in several
//! simulated tabs that share a channel and the claims (as browser tabs share a
//! `BroadcastChannel` and Web Locks).

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::protocol::TabMessage;
use crate::{IdlePolicy, LogoutReason, SessionState, Timestamp};

const TIMEOUT: Duration = Duration::from_secs(10);
const WARNING: Duration = Duration::from_secs(3);
const INTERVAL: Duration = Duration::from_secs(1);

fn idle_config(policy: IdlePolicy) -> Config {
    config(Mode::Focus)
        .with_idle(Some(policy))
        .expect("test config is valid")
}

fn policy() -> IdlePolicy {
    IdlePolicy::new(TIMEOUT)
        .with_warning_lead(WARNING)
        .with_check_interval(INTERVAL)
}

fn tab() -> FakeDriver {
    FakeDriver::new(idle_config(policy()))
}

fn ms(millis: u64) -> Timestamp {
    Timestamp(millis)
}

fn dues(effects: &[Effect]) -> Vec<Timestamp> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::IdleLogoutDue { deadline }) => Some(*deadline),
            _ => None,
        })
        .collect()
}

fn warnings(effects: &[Effect]) -> Vec<Option<Timestamp>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::News(News::IdleWarningStarted { deadline }) => Some(Some(*deadline)),
            Effect::News(News::IdleWarningCleared) => Some(None),
            _ => None,
        })
        .collect()
}

fn tab_activity(at: u64) -> TabMessage {
    TabMessage::Activity { pod: POD.into(), at }
}

fn server_requests(effects: &[Effect]) -> usize {
    http_attempts(effects).len() + logout_action(effects).into_iter().count()
}

/// Renders and runs the first check (at the fake's time zero).
fn rendered(page: &mut FakeDriver) -> Vec<Effect> {
    let mut effects = page.render_loaded_main_effects();
    effects.extend(page.advance(Duration::ZERO));
    effects
}

impl FakeDriver {
    /// The main frame notifies the machine's own chat activity subscription.
    fn chat_activity(&mut self) -> Vec<Effect> {
        self.pod_message(crate::protocol::PodMessage::CallbackData {
            id: crate::protocol::CHAT_ACTIVITY.to_owned(),
            data: Value::Null,
        })
    }

    fn render_loaded_main_effects(&mut self) -> Vec<Effect> {
        let (_, mut effects) = self.render("main");
        let main = created_frames(&effects)[0];
        effects.extend(self.event(Event::FrameLoaded(main)));
        effects
    }
}

#[test]
fn without_a_policy_nothing_of_it_happens() {
    let mut page = FakeDriver::with_mode(Mode::Focus);
    page.render_ready_main();
    let effects = page.event(Event::Activity { at: ms(5) });
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(page.idle_check_due(), None);
}

#[test]
fn a_render_starts_the_clock_and_its_first_check_counts_as_activity() {
    let mut page = tab();
    let (_, effects) = page.render("main");
    assert!(effects.contains(&Effect::Work(Work::ScheduleIdleCheck {
        after: Duration::ZERO
    })));
    page.advance(Duration::from_millis(250));
    let sent = page.broadcasts().to_vec();
    assert_eq!(
        sent,
        vec![TabMessage::Activity {
            pod: POD.into(),
            at: 0
        }],
        "the render's start, told to the other tabs"
    );
    // Checks come at least once per interval, never one per activity.
    assert_eq!(page.idle_check_due(), Some(Duration::from_secs(1)));
    page.activity();
    page.activity();
    assert_eq!(page.idle_check_due(), Some(Duration::from_secs(1)));
}

#[test]
fn no_activity_warns_then_logs_out_for_idleness() {
    let mut page = tab();
    page.render_ready_main();
    let effects = page.advance(Duration::from_millis(6999));
    assert!(warnings(&effects).is_empty(), "{effects:?}");
    let effects = page.advance(Duration::from_millis(1));
    assert_eq!(warnings(&effects), vec![Some(ms(10_000))], "at timeout - warning");
    let effects = page.advance(Duration::from_millis(2999));
    assert!(dues(&effects).is_empty());
    assert_eq!(page.session().state(), SessionState::Rendered);
    let effects = page.advance(Duration::from_millis(1));
    assert_eq!(dues(&effects), vec![ms(10_000)]);
    assert_eq!(page.claims(), &[(ms(10_000), true)]);
    assert_eq!(page.session().state(), SessionState::LoggingOut);
    assert!(page.frames().values().all(|f| f.hidden), "hidden at once");
    assert_eq!(warnings(&effects), vec![None], "the warning ends with the logout");
    assert!(effects.contains(&Effect::Work(Work::CancelIdleCheck)));
    // An ordinary logout: the ready main frame is asked.
    let id = logout_action(&effects).expect("the main frame is asked");
    let effects = page.resolve_json(&id, ok_data());
    assert_eq!(page.session().state(), SessionState::LoggedOut);
    assert_eq!(page.session().logout_reason(), Some(LogoutReason::Idle));
    assert_eq!(page.logouts_ended(), &[(LogoutReason::Idle, Ok(()))]);
    assert!(!page.session().server_session_may_be_alive());
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Work(Work::Broadcast(TabMessage::LoggedOut { ok: true, .. }))
    )));
    assert_eq!(page.idle_check_due(), None);
    assert!(
        page.advance(TIMEOUT * 3).is_empty(),
        "nothing runs once logged out"
    );
}

#[test]
fn activity_clears_the_warning_and_moves_the_deadline() {
    let mut page = tab();
    page.render_ready_main();
    page.advance(Duration::from_secs(8));
    assert_eq!(page.idle_warning(), Some(ms(10_000)));
    let effects = page.activity();
    assert_eq!(warnings(&effects), vec![None]);
    assert!(
        effects.contains(&Effect::Work(Work::Broadcast(TabMessage::Activity {
            pod: POD.into(),
            at: 8000
        })))
    );
    let effects = page.advance(Duration::from_millis(9999));
    assert!(dues(&effects).is_empty());
    assert_eq!(page.idle_warning(), Some(ms(18_000)));
    assert_eq!(dues(&page.advance(Duration::from_millis(1))), vec![ms(18_000)]);
}

#[test]
fn activity_after_the_deadline_never_renews() {
    let mut page = tab();
    rendered(&mut page);
    // The timers ran late (a sleeping computer): the first sign of life comes too late.
    let effects = page.event(Event::Activity { at: ms(12_000) });
    assert_eq!(dues(&effects), vec![ms(10_000)]);
    assert_eq!(page.session().state(), SessionState::LoggingOut);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Work(Work::Broadcast(TabMessage::Activity { .. })))),
        "not told as activity"
    );
}

#[test]
fn a_check_at_any_time_decides_from_the_time_it_carries() {
    let mut page = tab();
    rendered(&mut page);
    let effects = page.event(Event::IdleCheck { now: ms(8_500) });
    assert_eq!(warnings(&effects), vec![Some(ms(10_000))]);
    assert_eq!(
        effects.last(),
        Some(&Effect::Work(Work::ScheduleIdleCheck {
            after: Duration::from_secs(1)
        }))
    );
    let effects = page.event(Event::IdleCheck { now: ms(30_000) });
    assert_eq!(dues(&effects), vec![ms(10_000)]);
}

#[test]
fn another_tabs_activity_counts_but_is_neither_told_again_nor_believed_ahead_of_time() {
    let mut page = tab();
    rendered(&mut page);
    page.advance(Duration::from_secs(4));
    let told = page.broadcasts().len();
    page.hear(&tab_activity(4_000));
    assert_eq!(page.broadcasts().len(), told, "not told again");
    assert!(
        dues(&page.advance(Duration::from_millis(9_999))).is_empty(),
        "4 s + 10 s"
    );
    assert_eq!(dues(&page.advance(Duration::from_millis(1))), vec![ms(14_000)]);

    // A report from ahead of this tab's clock counts as made when it was heard.
    let mut page = tab();
    rendered(&mut page);
    page.advance(Duration::from_millis(2_500));
    page.hear(&tab_activity(u64::MAX));
    assert!(dues(&page.advance(Duration::from_millis(9_999))).is_empty());
    assert_eq!(dues(&page.advance(Duration::from_millis(1))), vec![ms(12_500)]);
}

#[test]
fn activity_of_another_pod_or_outside_rendered_changes_nothing() {
    let mut page = tab();
    rendered(&mut page);
    let other = TabMessage::Activity {
        pod: "https://other.symphony.com".into(),
        at: 9_000,
    };
    page.hear(&other);
    assert_eq!(dues(&page.advance(TIMEOUT)), vec![ms(10_000)]);

    let mut page = tab();
    assert!(page.event(Event::Activity { at: ms(1) }).is_empty());
    assert!(page.event(Event::IdleCheck { now: ms(1) }).is_empty());
    assert!(page.hear(&tab_activity(1)).is_empty());
    assert_eq!(
        page.session().diagnostics().stale_events,
        0,
        "checks may come any time"
    );
}

#[test]
fn a_logout_during_the_warning_is_one_logout_requested() {
    let mut page = tab();
    page.render_ready_main();
    page.advance(Duration::from_secs(8));
    let (logout, effects) = page.command(Command::Logout);
    assert_eq!(warnings(&effects), vec![None]);
    assert_eq!(page.session().logout_reason(), Some(LogoutReason::Requested));
    let id = logout_action(&effects).expect("asked");
    page.resolve_json(&id, ok_data());
    assert_eq!(page.answer(logout), Some(&Ok(Resolved::new())));
    let later = page.advance(TIMEOUT);
    assert!(
        dues(&later).is_empty() && server_requests(&later) == 0,
        "{later:?}"
    );
    assert!(page.claims().is_empty());
}

#[test]
fn an_idle_logout_is_an_ordinary_logout_joined_by_callers_and_failing_closed() {
    let mut page = tab();
    page.render_ready_main();
    let effects = page.advance(TIMEOUT);
    let id = logout_action(&effects).expect("the main frame is asked");
    // A caller arriving now joins it: no second request, the pod's own answer.
    let (logout, effects) = page.command(Command::Logout);
    assert_eq!(server_requests(&effects), 0, "{effects:?}");
    let effects = page.resolve_json(
        &id,
        serde_json::json!({"error": {"type": "ERROR", "message": "pod down", "data": {"status": 503}}}),
    );
    // The frame's no is followed by the HTTP step, which fails too.
    let attempt = *page.http_in_flight().first().expect("the HTTP step follows");
    assert_eq!(server_requests(&effects), 1, "{effects:?}");
    let effects = page.event(Event::LogoutAnswered { attempt, status: 503 });
    assert!(
        removed_frames(&effects).len() == 1 && page.frames().is_empty(),
        "fail closed"
    );
    assert!(matches!(
        page.answer(logout),
        Some(Err(SymphonyError::LogoutRefused { http, .. })) if **http == SymphonyError::ServerStatus { status: 503 }
    ));
    assert_eq!(page.session().state(), SessionState::LoggedOut);
    assert_eq!(page.session().logout_reason(), Some(LogoutReason::Idle));
    assert!(
        page.session().server_session_may_be_alive(),
        "the next logout asks again"
    );
    assert!(page.broadcasts().contains(&TabMessage::LoggedOut {
        pod: POD.into(),
        ok: false,
        reason: Some(LogoutReason::Idle),
    }));
}

#[test]
fn a_new_render_restarts_the_clock_and_forgets_the_reason() {
    let mut page = tab();
    page.render_ready_main();
    page.advance(Duration::from_secs(8));
    let (_, effects) = page.render("main");
    assert_eq!(warnings(&effects), vec![None]);
    let effects = page.advance(Duration::from_millis(9_999));
    assert!(dues(&effects).is_empty(), "restarted at 8 s");
    page.advance(Duration::from_millis(1));
    assert_eq!(page.session().logout_reason(), Some(LogoutReason::Idle));
    page.advance(Duration::from_secs(1));
    page.render("main");
    assert_eq!(page.session().logout_reason(), None);
}

#[test]
fn another_tabs_logout_is_its_own_reason() {
    let mut page = tab();
    rendered(&mut page);
    page.event(other_tab_logged_out(true));
    assert_eq!(page.session().logout_reason(), Some(LogoutReason::AnotherTab));
    assert_eq!(page.session().state(), SessionState::LoggedOut);
}

/// Two tabs reach the same deadline; the second is refused the claim.
fn two_tabs_at_the_deadline() -> (FakeDriver, FakeDriver, Vec<Effect>, Vec<Effect>) {
    let mut first = tab();
    let mut second = first.another_tab(idle_config(policy()));
    rendered(&mut first);
    rendered(&mut second);
    let first_effects = first.advance(TIMEOUT);
    let second_effects = second.advance(TIMEOUT);
    assert_eq!(first.claims(), &[(ms(10_000), true)]);
    assert_eq!(second.claims(), &[(ms(10_000), false)]);
    (first, second, first_effects, second_effects)
}

#[test]
fn a_refused_claim_follows_the_other_tab_and_closes_on_its_report() {
    let (mut first, mut second, first_effects, second_effects) = two_tabs_at_the_deadline();
    assert_eq!(server_requests(&first_effects), 1);
    assert_eq!(
        server_requests(&second_effects),
        0,
        "only the holder asks the pod"
    );
    assert_eq!(second.session().state(), SessionState::LoggingOut);
    assert!(second.frames().values().all(|f| f.hidden), "hidden at once");
    first.answer_http(200);
    let told = first.broadcasts().last().cloned().expect("the end told");
    let effects = second.hear(&told);
    assert_eq!(second.session().state(), SessionState::LoggedOut);
    assert!(second.frames().is_empty());
    assert_eq!(server_requests(&effects), 0);
    assert_eq!(second.session().logout_reason(), Some(LogoutReason::Idle));
    assert!(
        second.session().server_session_may_be_alive(),
        "another tab's word is not proof"
    );
    assert_eq!(
        second.logouts_ended(),
        &[(LogoutReason::Idle, Ok(()))],
        "the holder's confirmed end, told here"
    );
    assert_eq!(first.logouts_ended(), &[(LogoutReason::Idle, Ok(()))]);
    assert!(second.timers().is_empty(), "its deadline cancelled");
}

#[test]
fn a_followed_logout_is_performed_here_when_the_other_tab_stays_silent() {
    let (_, mut second, _, _) = two_tabs_at_the_deadline();
    let effects = second.advance(Duration::from_millis(899));
    assert_eq!(server_requests(&effects), 0);
    let effects = second.advance(Duration::from_millis(1));
    assert_eq!(server_requests(&effects), 1, "fail closed: {effects:?}");
    second.answer_http(200);
    assert_eq!(second.session().state(), SessionState::LoggedOut);
    assert!(!second.session().server_session_may_be_alive());
}

#[test]
fn a_caller_asking_while_following_gets_the_pods_own_answer() {
    let (_, mut second, _, _) = two_tabs_at_the_deadline();
    let (logout, effects) = second.command(Command::Logout);
    assert_eq!(server_requests(&effects), 1, "{effects:?}");
    second.answer_http(200);
    assert_eq!(second.answer(logout), Some(&Ok(Resolved::new())));
    assert_eq!(second.session().state(), SessionState::LoggedOut);
}

#[test]
fn an_unanswered_claim_is_performed_here_after_the_logout_timeout() {
    // A browser whose lock request neither grants nor refuses: waiting for it must not keep
    // the session alive.
    let mut page = tab();
    page.hold_claims();
    rendered(&mut page);
    let effects = page.advance(TIMEOUT);
    assert_eq!(dues(&effects), vec![ms(10_000)]);
    assert_eq!(page.held_claims(), &[ms(10_000)]);
    assert_eq!(page.session().state(), SessionState::Rendered);
    assert_eq!(server_requests(&page.advance(Duration::from_millis(899))), 0);
    let effects = page.advance(Duration::from_millis(1));
    assert_eq!(server_requests(&effects), 1, "logs out itself: {effects:?}");
    assert_eq!(page.session().logout_reason(), Some(LogoutReason::Idle));
    // The answer that comes at last changes nothing.
    let effects = page.answer_claim();
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(page.session().diagnostics().stale_events, 1);
}

#[test]
fn an_answered_claim_stops_its_timer() {
    let mut page = tab();
    page.hold_claims();
    rendered(&mut page);
    page.advance(TIMEOUT);
    let effects = page.answer_claim();
    assert_eq!(server_requests(&effects), 1);
    assert!(
        page.timers().len() == 1,
        "only the logout's own deadline runs: {:?}",
        page.timers()
    );
}

#[test]
fn a_claim_is_dropped_when_activity_from_before_its_deadline_moved_it() {
    for granted in [true, false] {
        let mut page = tab();
        page.hold_claims();
        rendered(&mut page);
        page.advance(TIMEOUT);
        assert_eq!(page.held_claims(), &[ms(10_000)]);
        if !granted {
            // Another tab holds this deadline: the answer will be a refusal.
            let mut other = page.another_tab(idle_config(policy()));
            rendered(&mut other);
            other.advance(TIMEOUT);
        }
        // Another tab's report of activity at 9.5 s, heard late (after the deadline).
        page.hear(&tab_activity(9_500));
        let effects = page.answer_claim();
        assert_eq!(server_requests(&effects), 0, "granted {granted}: {effects:?}");
        assert_eq!(
            page.session().state(),
            SessionState::Rendered,
            "granted {granted}"
        );
        assert_eq!(
            page.session().diagnostics().stale_events,
            0,
            "a current claim, dropped"
        );
        assert!(page.timers().is_empty(), "its wait stopped: {:?}", page.timers());
        // The new deadline is 9.5 s + 10 s: due then, claimed again.
        let effects = page.advance(Duration::from_millis(9_499));
        assert!(dues(&effects).is_empty(), "{effects:?}");
        assert_eq!(dues(&page.advance(Duration::from_millis(1))), vec![ms(19_500)]);
    }
    // This tab's own activity from before the deadline, passed late, moves it too.
    let mut page = tab();
    page.hold_claims();
    rendered(&mut page);
    page.advance(TIMEOUT);
    page.event(Event::Activity { at: ms(9_900) });
    assert_eq!(server_requests(&page.answer_claim()), 0);
    assert_eq!(page.session().state(), SessionState::Rendered);
}

#[test]
fn the_clock_runs_on_after_the_main_frame_left_and_logs_out_over_http() {
    // A chat route unmounted: the main frame left the page, the pod session did not.
    for follow in [false, true] {
        let mut page = tab();
        let mut other = page.another_tab(idle_config(policy()));
        let main = page.render_ready_main();
        page.advance(Duration::from_secs(4));
        page.event(Event::FrameRemoved(main));
        assert_eq!(page.session().state(), SessionState::Unrendered);
        assert!(page.session().server_session_may_be_alive());
        if follow {
            // Another tab claims the same deadline first: this one follows it.
            rendered(&mut other);
            other.advance(TIMEOUT);
        }
        let effects = page.advance(TIMEOUT - Duration::from_secs(4) - Duration::from_millis(1));
        assert!(dues(&effects).is_empty(), "{effects:?}");
        assert_eq!(page.idle_warning(), Some(ms(10_000)), "warned all the same");
        let effects = page.advance(Duration::from_millis(1));
        assert_eq!(dues(&effects), vec![ms(10_000)]);
        assert_eq!(page.session().state(), SessionState::LoggingOut);
        assert_eq!(page.session().logout_reason(), Some(LogoutReason::Idle));
        if follow {
            assert_eq!(server_requests(&effects), 0, "the holder asks the pod");
            page.advance(Duration::from_millis(900));
        } else {
            assert_eq!(server_requests(&effects), 1, "over HTTP: no frame left");
            assert_eq!(logout_action(&effects), None);
        }
        assert_eq!(page.http_in_flight().len(), 1, "follow {follow}");
        page.answer_http(200);
        assert_eq!(page.session().state(), SessionState::LoggedOut);
        assert!(!page.session().server_session_may_be_alive());
        assert!(page.advance(TIMEOUT * 3).is_empty(), "the clock stopped");
    }
}

#[test]
fn the_clock_stops_when_nothing_of_the_render_reached_the_pod() {
    let mut page = tab().without_container("main");
    let (_, effects) = page.render("main");
    assert_eq!(page.session().state(), SessionState::Unrendered, "{effects:?}");
    assert!(!page.session().server_session_may_be_alive());
    assert!(dues(&page.advance(TIMEOUT * 2)).is_empty());
    assert_eq!(page.idle_check_due(), None);
}

#[test]
fn every_tab_shows_the_reason_of_the_tab_that_logged_out() {
    for (said, shown) in [
        (Some(LogoutReason::Idle), LogoutReason::Idle),
        (Some(LogoutReason::Requested), LogoutReason::Requested),
        // An older tab says no reason.
        (None, LogoutReason::AnotherTab),
    ] {
        let mut page = tab();
        page.render_ready_main();
        page.hear(&TabMessage::LoggedOut {
            pod: POD.into(),
            ok: true,
            reason: said,
        });
        assert_eq!(page.session().state(), SessionState::LoggedOut);
        assert_eq!(page.session().logout_reason(), Some(shown), "{said:?}");
    }
}

#[test]
fn a_followed_logout_that_the_pod_did_not_confirm_is_asked_here() {
    let (mut first, mut second, _, _) = two_tabs_at_the_deadline();
    // The holder's server step failed: its end says so.
    first.answer_http(503);
    let told = first.broadcasts().last().cloned().expect("the end told");
    assert_eq!(
        told,
        TabMessage::LoggedOut {
            pod: POD.into(),
            ok: false,
            reason: Some(LogoutReason::Idle)
        }
    );
    let effects = second.hear(&told);
    assert_eq!(server_requests(&effects), 1, "asks the pod itself: {effects:?}");
    assert_eq!(second.session().state(), SessionState::LoggingOut);
    second.answer_http(200);
    assert_eq!(second.session().state(), SessionState::LoggedOut);
    assert!(!second.session().server_session_may_be_alive());
    assert_eq!(second.session().logout_reason(), Some(LogoutReason::Idle));
}

#[test]
fn the_chats_activity_is_the_machines_own_subscription() {
    let subscription = crate::protocol::HostMessage::Subscription(crate::protocol::Subscription {
        kind: crate::NotificationKind::ActivityNotifications,
        id: crate::protocol::CHAT_ACTIVITY.to_owned(),
        params: crate::protocol::SubscriptionParams { stream_id: None },
    });
    // Without an idle policy, nothing is asked for.
    let mut plain = FakeDriver::new(config(Mode::Focus));
    plain.render_ready_main();
    assert!(!plain.posted().contains(&subscription));

    let mut page = tab();
    let main = page.render_ready_main();
    assert_eq!(
        page.posted().iter().filter(|m| **m == subscription).count(),
        1,
        "asked for at clientReady"
    );
    page.advance(Duration::from_secs(8));
    assert_eq!(page.idle_warning(), Some(ms(10_000)));
    let effects = page.chat_activity();
    assert!(effects.contains(&Effect::Work(Work::ChatActivity)), "{effects:?}");
    assert_eq!(warnings(&effects), vec![None], "the warning ends");
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::News(News::Notify { .. }))),
        "activity, not news"
    );
    assert!(
        effects.contains(&Effect::Work(Work::Broadcast(TabMessage::Activity {
            pod: POD.into(),
            at: 8_000
        })))
    );
    assert!(dues(&page.advance(Duration::from_millis(9_999))).is_empty());
    assert_eq!(page.idle_warning(), Some(ms(18_000)), "the deadline moved");
    // A main frame that says clientReady again (reloaded after a sign-in) is asked again.
    page.client_ready();
    assert_eq!(page.posted().iter().filter(|m| **m == subscription).count(), 2);
    // Once the clock stopped, a late notification is stale.
    page.event(Event::FrameRemoved(main));
    let effects = page.command(Command::Logout).1;
    page.answer_http(200);
    drop(effects);
    let stale = page.session().diagnostics().stale_events;
    assert!(page.chat_activity().is_empty());
    assert_eq!(page.session().diagnostics().stale_events, stale + 1);
}

#[test]
fn a_logged_out_tab_asks_the_pod_when_another_tab_signed_in_since() {
    // This tab logged out, the pod confirmed: nothing of its own may be alive.
    let mut first = FakeDriver::new(config(Mode::Focus));
    let mut second = first.another_tab(config(Mode::Focus));
    first.render_loaded_main();
    first.command(Command::Logout);
    first.answer_http(200);
    assert_eq!(first.session().state(), SessionState::LoggedOut);
    assert!(!first.session().server_session_may_be_alive());
    // Another tab of the app signs in again (its main frame loads: the mark is set).
    second.render_ready_main();
    // A logout here must reach the pod: the mark says a session may be alive.
    let (logout, effects) = first.command(Command::Logout);
    assert_eq!(http_attempts(&effects).len(), 1, "{effects:?}");
    first.answer_http(200);
    assert_eq!(first.answer(logout), Some(&Ok(Resolved::new())));
    assert_eq!(first.session().state(), SessionState::LoggedOut);
    // Without the mark (nobody signed in since), `{}` at once, as before.
    let (again, effects) = first.command(Command::Logout);
    assert!(http_attempts(&effects).is_empty(), "{effects:?}");
    assert_eq!(first.answer(again), Some(&Ok(Resolved::new())));
}

#[test]
fn a_claim_answer_for_another_deadline_is_stale() {
    let mut page = tab();
    rendered(&mut page);
    let effects = page.event(Event::IdleLogoutClaimed {
        deadline: ms(10_000),
        granted: true,
    });
    assert!(effects.is_empty());
    assert_eq!(page.session().diagnostics().stale_events, 1);
    assert_eq!(page.session().state(), SessionState::Rendered);
}

#[test]
fn the_policy_is_validated_and_the_warning_bounded_by_the_timeout() {
    let builder = || Config::builder(POD, "http://127.0.0.1:8080");
    for policy in [
        IdlePolicy::new(Duration::ZERO),
        IdlePolicy::new(IdlePolicy::MAX + Duration::from_millis(1)),
        IdlePolicy::new(TIMEOUT).with_check_interval(Duration::ZERO),
    ] {
        let err = builder().idle(policy).build().expect_err("refused");
        assert!(err.to_string().contains("idle"), "{err}");
    }
    // The bounds: a millisecond at least, a day at most.
    let ms = Duration::from_millis(1);
    assert!(builder()
        .idle(IdlePolicy::new(ms).with_check_interval(ms))
        .build()
        .is_ok());
    let day = Duration::from_secs(24 * 60 * 60);
    assert!(builder()
        .idle(IdlePolicy::new(day).with_check_interval(day))
        .build()
        .is_ok());
    let policy = IdlePolicy::new(Duration::from_secs(4));
    assert_eq!(policy.warning_lead(), Duration::from_secs(4));
    assert_eq!(
        policy.with_warning_lead(Duration::ZERO).warning_lead(),
        Duration::ZERO
    );
    assert_eq!(policy.check_interval(), IdlePolicy::DEFAULT_CHECK_INTERVAL);
    assert_eq!(policy.timeout(), Duration::from_secs(4));
    let config = builder().idle(policy).build().expect("valid");
    assert_eq!(config.idle(), Some(policy));
    let plain = builder().build().expect("valid");
    assert_eq!(plain.idle(), None);
    assert_eq!(plain.with_idle(Some(policy)), Ok(config.clone()));
    assert_eq!(config.with_idle(None), Ok(plain));
    assert!(config.with_idle(Some(IdlePolicy::new(Duration::ZERO))).is_err());
}

#[test]
fn timestamps_saturate() {
    assert_eq!(Timestamp::from_millis_f64(-5.0), ms(0));
    assert_eq!(Timestamp::from_millis_f64(f64::NAN), ms(0));
    assert_eq!(Timestamp::from_millis_f64(1234.9), ms(1234));
    assert_eq!(ms(u64::MAX).after(TIMEOUT), ms(u64::MAX));
    assert_eq!(ms(5).before(TIMEOUT), ms(0));
    assert_eq!(ms(5).until(ms(3)), Duration::ZERO);
    assert_eq!(ms(3).until(ms(5)), Duration::from_millis(2));
    assert_eq!(LogoutReason::Idle.to_string(), "idle");
    assert_eq!(LogoutReason::Requested.as_str(), "requested");
    assert_eq!(LogoutReason::AnotherTab.as_str(), "another-tab");
}

/// Several tabs on one clock: the channel delivers at once, HTTP logouts are answered after
/// `http_delay`, idle logout claims (with `claim_delay`) after that delay, interleaved with
/// the tab messages, and every effect is logged per tab with its time.
struct Tabs {
    tabs: Vec<FakeDriver>,
    heard: Vec<usize>,
    log: Vec<Vec<(u64, Effect)>>,
    http_delay: Duration,
    http_due: Vec<(Duration, usize)>,
    claim_delay: Option<Duration>,
    claim_due: Vec<(Duration, usize)>,
    now: Duration,
}

impl Tabs {
    fn new(count: usize, policy: IdlePolicy, http_delay: Duration, claim_delay: Option<Duration>) -> Self {
        let first = FakeDriver::new(idle_config(policy));
        let mut tabs = vec![];
        for _ in 1..count {
            tabs.push(first.another_tab(idle_config(policy)));
        }
        tabs.insert(0, first);
        if claim_delay.is_some() {
            tabs.iter_mut().for_each(FakeDriver::hold_claims);
        }
        let mut all = Self {
            heard: vec![0; count],
            log: vec![Vec::new(); count],
            tabs,
            http_delay,
            http_due: Vec::new(),
            claim_delay,
            claim_due: Vec::new(),
            now: Duration::ZERO,
        };
        for i in 0..count {
            let (_, effects) = all.tabs[i].render("main");
            all.record(i, effects);
        }
        all
    }

    fn millis(&self) -> u64 {
        self.now.as_millis() as u64
    }

    fn record(&mut self, tab: usize, effects: Vec<Effect>) {
        let now = self.millis();
        for effect in effects {
            if matches!(effect, Effect::Work(Work::SendLogoutRequest { .. })) {
                self.http_due.push((self.now + self.http_delay, tab));
            }
            if let (Effect::Work(Work::IdleLogoutDue { .. }), Some(delay)) = (&effect, self.claim_delay) {
                self.claim_due.push((self.now + delay, tab));
            }
            self.log[tab].push((now, effect));
        }
    }

    /// Delivers every tab message not yet heard to the other tabs, until none is left.
    fn deliver(&mut self) {
        let mut heard = 0;
        while heard < 10_000 {
            let mut delivered = false;
            for from in 0..self.tabs.len() {
                let sent = self.tabs[from].broadcasts()[self.heard[from]..].to_vec();
                self.heard[from] += sent.len();
                for message in sent {
                    delivered = true;
                    heard += 1;
                    for to in (0..self.tabs.len()).filter(|to| *to != from) {
                        let effects = self.tabs[to].hear(&message);
                        self.record(to, effects);
                    }
                }
            }
            if !delivered {
                return;
            }
        }
        panic!("the tabs' messages never stop: a tab repeats what it hears");
    }

    fn next_due(&self) -> Option<Duration> {
        let timers = self.tabs.iter().filter_map(FakeDriver::next_due);
        let answers = self.http_due.iter().chain(&self.claim_due).map(|(due, _)| *due);
        timers.chain(answers).min()
    }

    /// Moves every tab to `until`, firing what falls due, in order.
    fn run_until(&mut self, until: Duration) {
        let until = until.max(self.now);
        while let Some(due) = self.next_due().filter(|due| *due <= until) {
            self.now = due;
            for i in 0..self.tabs.len() {
                let by = due - self.tabs[i].now();
                let effects = self.tabs[i].advance(by);
                self.record(i, effects);
                self.deliver();
            }
            let answering: Vec<usize> = self
                .http_due
                .iter()
                .filter(|(at, _)| *at <= due)
                .map(|(_, tab)| *tab)
                .collect();
            self.http_due.retain(|(at, _)| *at > due);
            for tab in answering {
                if !self.tabs[tab].http_in_flight().is_empty() {
                    let effects = self.tabs[tab].answer_http(200);
                    self.record(tab, effects);
                    self.deliver();
                }
            }
            let claiming: Vec<usize> = self
                .claim_due
                .iter()
                .filter(|(at, _)| *at <= due)
                .map(|(_, tab)| *tab)
                .collect();
            self.claim_due.retain(|(at, _)| *at > due);
            for tab in claiming {
                let effects = self.tabs[tab].answer_claim();
                self.record(tab, effects);
                self.deliver();
            }
        }
        self.now = until;
        for i in 0..self.tabs.len() {
            let by = until - self.tabs[i].now();
            let effects = self.tabs[i].advance(by);
            self.record(i, effects);
            self.deliver();
        }
    }

    fn running(&self) -> bool {
        self.tabs
            .iter()
            .any(|t| t.session().state() == SessionState::Rendered)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random activity in random tabs: the policy's promises hold in every tab.
    #[test]
    fn idle_logout_across_tabs(
        tab_count in 1usize..=3,
        timeout_ms in 2_000u64..20_000,
        warning_share in 0u64..100,
        interval_ms in 100u64..3_000,
        http_delay_ms in prop_oneof![Just(0u64), 1u64..400],
        claim_delay_ms in prop_oneof![Just(None), (0u64..400).prop_map(Some)],
        // When, in which tab, and whether in a chat (the machine's own subscription) or
        // in the page.
        activity in proptest::collection::vec((0u64..30_000, 0usize..3, any::<bool>()), 0..25),
    ) {
        let timeout = Duration::from_millis(timeout_ms);
        let lead = Duration::from_millis(timeout_ms * warning_share / 100);
        let policy = IdlePolicy::new(timeout).with_warning_lead(lead).with_check_interval(Duration::from_millis(interval_ms));
        let claim_delay = claim_delay_ms.map(Duration::from_millis);
        let mut tabs = Tabs::new(tab_count, policy, Duration::from_millis(http_delay_ms), claim_delay);
        let mut activity: Vec<(u64, usize, bool)> = activity
            .into_iter()
            .map(|(at, tab, in_chat)| (at, tab % tab_count, in_chat))
            .collect();
        activity.sort();
        // The render's first check (at 0) counts as activity.
        let mut last_activity = 0u64;
        let mut first_logout: Option<u64> = None;
        let mut states: Vec<SessionState> = tabs.tabs.iter().map(|t| t.session().state()).collect();
        let check_logouts = |tabs: &Tabs, last: u64, first: &mut Option<u64>, states: &mut Vec<SessionState>| {
            for (i, tab) in tabs.tabs.iter().enumerate() {
                let state = tab.session().state();
                if states[i] == SessionState::Rendered && state != SessionState::Rendered {
                    // When it happened, from the tab's log.
                    let log = &tabs.log[i];
                    let rendered = log
                        .iter()
                        .rposition(|(_, e)| *e == Effect::News(News::StateChanged(SessionState::Rendered)))
                        .expect("rendered");
                    let now = log[rendered..]
                        .iter()
                        .find(|(_, e)| matches!(e, Effect::News(News::StateChanged(s)) if *s != SessionState::Rendered))
                        .map(|(at, _)| *at)
                        .expect("a state change logged");
                    prop_assert!(
                        now >= last + timeout_ms,
                        "tab {i} logged out at {now} ms, last activity at {last} ms"
                    );
                    first.get_or_insert(now);
                }
                states[i] = state;
            }
            Ok(())
        };
        for (at, tab, in_chat) in activity {
            tabs.run_until(Duration::from_millis(at));
            check_logouts(&tabs, last_activity, &mut first_logout, &mut states)?;
            if tabs.tabs[tab].session().state() != SessionState::Rendered {
                continue;
            }
            // A tab whose claim is still unanswered has reached its deadline: activity from
            // then on renews nothing (it is at or after that deadline everywhere).
            let renews = tabs.tabs.iter().all(|t| t.held_claims().is_empty());
            if renews {
                last_activity = at;
            }
            let effects = if in_chat {
                tabs.tabs[tab].chat_activity()
            } else {
                tabs.tabs[tab].activity()
            };
            tabs.record(tab, effects);
            tabs.deliver();
            check_logouts(&tabs, last_activity, &mut first_logout, &mut states)?;
            for (i, other) in tabs.tabs.iter().enumerate().filter(|_| renews) {
                if other.session().state() == SessionState::Rendered {
                    prop_assert_eq!(other.idle_warning(), None, "tab {} still warned after activity", i);
                }
            }
        }
        // The claim's answer may come later than the check that made it due.
        let bound = last_activity + timeout_ms + interval_ms + claim_delay_ms.unwrap_or(0);
        tabs.run_until(Duration::from_millis(bound));
        check_logouts(&tabs, last_activity, &mut first_logout, &mut states)?;
        prop_assert!(!tabs.running(), "a tab still rendered at {} ms", bound);
        let first = first_logout.expect("logged out");
        prop_assert!(first <= bound, "first logout at {} ms, bound {} ms", first, bound);
        tabs.run_until(Duration::from_millis(bound + 5_000));
        let mut requests = 0;
        for (i, tab) in tabs.tabs.iter().enumerate() {
            prop_assert_eq!(tab.session().state(), SessionState::LoggedOut, "tab {}", i);
            let effects: Vec<Effect> = tabs.log[i].iter().map(|(_, e)| e.clone()).collect();
            requests += server_requests(&effects);
            // A due logout was preceded by its warning, standing until then.
            if let Some(at) = effects.iter().position(|e| matches!(e, Effect::Work(Work::IdleLogoutDue { .. }))) {
                let Effect::Work(Work::IdleLogoutDue { deadline }) = effects[at] else { unreachable!() };
                let last_warning = warnings(&effects[..at]).last().copied();
                if lead > Duration::ZERO {
                    prop_assert_eq!(last_warning, Some(Some(deadline)), "tab {}: warned until due", i);
                }
            }
        }
        prop_assert_eq!(requests, 1, "one server request across {} tabs", tab_count);
    }
}

proptest! {
    /// Durations in error messages are written by `time::DurationText`, which must write exactly what
    /// `Duration`'s `Debug` writes, whatever the unit and however many fraction digits.
    #[test]
    fn durations_in_messages_read_as_debug_writes_them(
        secs in prop_oneof![Just(0u64), 0u64..100_000, any::<u64>()],
        nanos in prop_oneof![Just(0u32), 0u32..1_000, 0u32..1_000_000, 0u32..1_000_000_000],
        zeros in 0u32..9,
    ) {
        // Also nanosecond counts ending in zeros, where the fraction is trimmed.
        let nanos = (nanos / 10u32.pow(zeros)) * 10u32.pow(zeros);
        let duration = Duration::new(secs, nanos);
        prop_assert_eq!(crate::time::DurationText(duration).to_string(), format!("{duration:?}"));
    }
}

#[test]
fn durations_in_messages_at_the_edges() {
    for duration in [
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_nanos(999),
        Duration::from_micros(1),
        Duration::from_nanos(1_001),
        Duration::from_millis(1),
        Duration::from_nanos(1_000_001),
        Duration::from_millis(1500),
        Duration::from_secs(86_400),
        Duration::MAX,
    ] {
        assert_eq!(
            crate::time::DurationText(duration).to_string(),
            format!("{duration:?}")
        );
    }
    // What a user reads in the range error.
    let err = IdlePolicy::new(Duration::from_micros(500));
    let message = config(Mode::Focus).with_idle(Some(err)).unwrap_err().to_string();
    assert_eq!(
        message,
        "idle timeout of 500µs is out of range: it must be between 1 ms and 86400s"
    );
}

#[test]
fn a_followed_logout_is_performed_here_when_the_main_frame_signs_in() {
    // A sign-in in this tab may reach the pod after the other tab's logout did: only this
    // tab can ask the pod about it (fail closed). A load alone (the pod's signed-out page)
    // is no sign-in.
    let (_, mut second, _, _) = two_tabs_at_the_deadline();
    let main = second
        .session()
        .main_frame()
        .expect("the main frame stays, hidden");
    let effects = second.event(Event::FrameLoaded(main));
    assert_eq!(server_requests(&effects), 0, "{effects:?}");
    let effects = second.client_ready();
    assert_eq!(server_requests(&effects), 1, "{effects:?}");
    let id = logout_action(&effects).expect("the signed-in frame is asked");
    second.resolve_json(&id, ok_data());
    assert_eq!(second.session().state(), SessionState::LoggedOut);
    assert!(!second.session().server_session_may_be_alive());
}
