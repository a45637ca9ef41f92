//! The sdk.js transport: the same machine, Symphony's documented `window.symphony` calls
//! out, their promises, callbacks and the load outcome in.

use serde_json::json;

use super::*;
use crate::{
    IdlePolicy, LogoutReason, SdkFunction, SdkLoadFailure, SdkOutcome, SessionState, Transport,
    SDK_CONTAINER_CLASS,
};

fn sdk_config(mode: Mode) -> Config {
    Config::builder(POD, "http://127.0.0.1:8080")
        .partner_id("partner")
        .mode(mode)
        .transport(Transport::SdkJs)
        .logout_timeout(Duration::from_millis(900))
        .request_timeout(Duration::from_millis(500))
        .build()
        .expect("test config is valid")
}

fn ok() -> SdkOutcome {
    SdkOutcome::Resolved(json!({}))
}

/// Renders into "main" and resolves it: sdk.js loaded, the chat ready.
fn rendered(h: &mut FakeDriver) -> RequestId {
    let (render, _) = h.render("main");
    h.sdk_loads();
    let effects = h.settle_sdk(SdkFunction::Render, ok());
    assert_eq!(answer_of(&effects, render), Some(Ok(Resolved::new())));
    render
}

fn loads(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Work(Work::LoadSdk { .. })))
        .count()
}

fn calls(effects: &[Effect], function: SdkFunction) -> Vec<crate::SdkCall> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Work(Work::CallSdk { request, .. }) if request.function == function => {
                Some(request.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn render_loads_sdk_js_then_calls_render_and_answers_when_it_resolves() {
    let mut h = FakeDriver::new(sdk_config(Mode::Collaboration));
    let (render, effects) = h.command(Command::Render {
        container: "main".into(),
        stream_id: Some("s1".into()),
        settings: Settings::new().with("mode", "dark"),
    });
    assert_eq!(
        effects[1],
        Effect::Work(Work::LoadSdk {
            url: "http://127.0.0.1:9090/embed/sdk.js".into(),
            partner_id: Some("partner".into()),
            mode: Mode::Collaboration,
        })
    );
    assert!(
        calls(&effects, SdkFunction::Render).is_empty(),
        "not before sdk.js is there"
    );
    assert_eq!(h.session().state(), SessionState::Rendered);
    assert!(!h.listening(), "sdk.js hears the frames, not the driver");
    let effects = h.sdk_loads();
    assert_eq!(calls(&effects, SdkFunction::OnUserInteractionRequired).len(), 1);
    let render_call = calls(&effects, SdkFunction::Render).remove(0);
    assert_eq!(render_call.container.as_deref(), Some("main"));
    assert_eq!(
        render_call.arguments,
        vec![
            json!(SDK_CONTAINER_CLASS),
            json!({"mode": "dark", "streamId": "s1"})
        ]
    );
    assert!(
        h.storage().keys.contains(&mark_key()),
        "the pod may be reached from here"
    );
    assert_eq!(
        answer_of(&effects, render),
        None,
        "answered when the chat is ready"
    );
    let effects = h.settle_sdk(SdkFunction::Render, ok());
    assert_eq!(answer_of(&effects, render), Some(Ok(Resolved::new())));
    assert!(h.session().is_ready() && h.session().is_loaded());
    assert!(h.session().frames().is_empty(), "sdk.js owns its frames");
    assert_eq!(h.sdk().loads, 1);
}

#[test]
fn a_second_render_reuses_the_loaded_sdk_js() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let (again, effects) = h.render("other");
    assert_eq!(loads(&effects), 0);
    assert_eq!(calls(&effects, SdkFunction::Render).len(), 1);
    let effects = h.settle_sdk(SdkFunction::Render, ok());
    assert_eq!(answer_of(&effects, again), Some(Ok(Resolved::new())));
}

#[test]
fn sdk_js_that_cannot_be_used_fails_the_render_with_a_typed_error() {
    let url = "http://127.0.0.1:9090/embed/sdk.js";
    let cases: Vec<(Option<SdkLoadFailure>, SymphonyError)> = vec![
        (
            Some(SdkLoadFailure::BlockedByCsp {
                directive: "script-src-elem".into(),
            }),
            SymphonyError::SdkBlockedByCsp {
                directive: "script-src-elem".into(),
            },
        ),
        (
            Some(SdkLoadFailure::Failed),
            SymphonyError::SdkLoadFailed { url: url.into() },
        ),
        (
            Some(SdkLoadFailure::Conflict {
                found: "another pod".into(),
            }),
            SymphonyError::SdkConflict {
                found: "another pod".into(),
            },
        ),
        (Some(SdkLoadFailure::Unsupported), SymphonyError::SdkUnsupported),
        (
            None,
            SymphonyError::SdkLoadTimeout {
                url: url.into(),
                after: Config::DEFAULT_SDK_LOAD_TIMEOUT,
            },
        ),
    ];
    for (failure, expected) in cases {
        let mut h = FakeDriver::new(sdk_config(Mode::Focus));
        let (render, _) = h.render("main");
        let (queued, _) = h.command(Command::OpenStream {
            stream_id: "s".into(),
            container: Some("side".into()),
        });
        let effects = match failure.clone() {
            Some(failure) => h.event(Event::SdkLoadFailed(failure)),
            None => h.advance(Config::DEFAULT_SDK_LOAD_TIMEOUT),
        };
        assert_eq!(
            answer_of(&effects, render),
            Some(Err(expected.clone())),
            "{failure:?}"
        );
        if failure.is_some() {
            assert_eq!(answer_of(&effects, queued), Some(Err(expected)), "{failure:?}");
        } else {
            // The action's own timeout came first.
            assert!(matches!(
                h.answer(queued),
                Some(Err(SymphonyError::Timeout {
                    operation: "open stream",
                    ..
                }))
            ));
        }
        assert_eq!(h.session().state(), SessionState::Unrendered, "{failure:?}");
        assert!(
            !h.session().server_session_may_be_alive(),
            "nothing reached the pod"
        );
        assert!(h.timers().is_empty(), "{failure:?}: {:?}", h.timers());
        // The next render asks again.
        let (_, effects) = h.render("main");
        assert_eq!(loads(&effects), 1, "{failure:?}");
    }
}

#[test]
fn actions_wait_for_the_render_then_call_the_documented_functions() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    let (render, _) = h.render("main");
    h.sdk_loads();
    let (open, effects) = h.command(Command::OpenStream {
        stream_id: "s 2".into(),
        container: Some("side-1".into()),
    });
    assert!(
        calls(&effects, SdkFunction::OpenStream).is_empty(),
        "queued until ready"
    );
    let effects = h.settle_sdk(SdkFunction::Render, ok());
    assert_eq!(answer_of(&effects, render), Some(Ok(Resolved::new())));
    let open_call = calls(&effects, SdkFunction::OpenStream).remove(0);
    assert_eq!(open_call.arguments, vec![json!("s 2"), json!("#side-1")]);
    let effects = h.settle_sdk(
        SdkFunction::OpenStream,
        SdkOutcome::Resolved(json!({"streamId": "s 2", "userIds": ["7"]})),
    );
    assert_eq!(
        answer_of(&effects, open),
        Some(Ok(Resolved::from_json(
            json!({"streamId": "s 2", "userIds": ["7"]})
        ))),
        "Symphony's object, kept"
    );
    let cases: Vec<(Command, SdkFunction, Vec<Value>)> = vec![
        (
            Command::OpenStream {
                stream_id: "s".into(),
                container: Some("main".into()),
            },
            SdkFunction::OpenStream,
            vec![json!("s")],
        ),
        (
            Command::StartRoom {
                user_ids: vec!["7".into(), "a@b.c".into()],
                container: Some("9x".into()),
            },
            SdkFunction::StartRoom,
            vec![json!(["7", "a@b.c"]), json!("#\\39 x")],
        ),
        (
            Command::SendMessage {
                message: "hi".into(),
                stream_ids: vec!["s".into()],
                container: None,
            },
            SdkFunction::SendMessage,
            vec![json!("hi"), json!({"mode": "blast", "streamIds": ["s"]})],
        ),
        (
            Command::UpdateSettings(Settings::new().with("mode", "light")),
            SdkFunction::UpdateSettings,
            vec![json!({"mode": "light"})],
        ),
        (
            Command::CreateRoom {
                name: "Deal".into(),
                users: vec!["7".into()],
                options: json!({"public": false}),
            },
            SdkFunction::CreateRoom,
            vec![json!("Deal"), json!(["7"]), json!({"public": false})],
        ),
        (Command::CheckAuth, SdkFunction::CheckAuth, vec![]),
        (
            Command::UpdateTheme(json!({"primary": "#111"})),
            SdkFunction::UpdateTheme,
            vec![json!({"primary": "#111"})],
        ),
        (
            Command::Subscribe {
                kind: crate::NotificationKind::UnreadCountNotifications,
                stream_id: Some("s".into()),
            },
            SdkFunction::Listen,
            vec![json!({"type": "UnreadCountNotifications", "params": {"streamId": "s"}})],
        ),
    ];
    for (command, function, arguments) in cases {
        let (request, effects) = h.command(command);
        let made = calls(&effects, function);
        assert_eq!(made.len(), 1, "{function:?}: {effects:?}");
        assert_eq!(made[0].arguments, arguments, "{function:?}");
        let effects = h.settle_sdk(function, ok());
        assert_eq!(
            answer_of(&effects, request),
            Some(Ok(Resolved::new())),
            "{function:?}"
        );
    }
    assert!(
        h.timers().is_empty(),
        "every action's timer stopped: {:?}",
        h.timers()
    );
}

#[test]
fn answers_keep_symphonys_shape_and_anything_else_is_normalised() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let pod_error = json!({"type": "INVALID_USERS", "message": "unknown user", "data": {"users": ["x"]}});
    let cases = vec![
        (
            SdkOutcome::Resolved(json!({"error": pod_error})),
            pod_error.clone(),
        ),
        (
            SdkOutcome::Rejected(json!("boom")),
            json!({"type": "ERROR", "message": "sdk.js rejected createRoom(): boom", "data": "boom"}),
        ),
        (
            SdkOutcome::Resolved(json!(42)),
            json!({"type": "ERROR", "message": "sdk.js resolved createRoom() with a value that is not an object, not Symphony's documented result", "data": 42}),
        ),
    ];
    for (outcome, json_error) in cases {
        let (request, _) = h.command(Command::CreateRoom {
            name: "Deal".into(),
            users: vec!["7".into()],
            options: Value::Null,
        });
        let effects = h.settle_sdk(SdkFunction::CreateRoom, outcome.clone());
        let (_, result) = effects
            .iter()
            .find_map(|e| e.sdk_result().filter(|(r, _)| *r == request))
            .expect("answered");
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            json!({"error": json_error}),
            "{outcome:?}"
        );
    }
    let (request, _) = h.command(Command::CheckAuth);
    let effects = h.settle_sdk(SdkFunction::CheckAuth, SdkOutcome::Missing);
    assert_eq!(
        answer_of(&effects, request),
        Some(Err(SymphonyError::SdkApiMissing {
            function: "checkAuth"
        }))
    );
}

#[test]
fn a_missing_container_fails_the_render() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus)).without_container("main");
    let (render, _) = h.render("main");
    let effects = h.sdk_loads();
    assert_eq!(
        answer_of(&effects, render),
        Some(Err(SymphonyError::ContainerNotFound {
            container: "main".into()
        }))
    );
}

#[test]
fn concurrent_logouts_make_one_logout_call_and_share_its_result() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let (open, _) = h.command(Command::OpenStream {
        stream_id: "s".into(),
        container: Some("side".into()),
    });
    h.settle_sdk(SdkFunction::OpenStream, ok());
    assert!(h.answer(open).is_some());
    let (first, effects) = h.command(Command::Logout);
    // Hidden at once, first of all, every container rendered into.
    assert_eq!(
        effects[0],
        Effect::Work(Work::HideContainedFrames {
            containers: vec!["main".into(), "side".into()]
        })
    );
    assert_eq!(calls(&effects, SdkFunction::Logout).len(), 1);
    assert!(http_attempts(&effects).is_empty() && logout_action(&effects).is_none());
    let mut waiters = vec![first];
    for _ in 0..9 {
        let (request, effects) = h.command(Command::Logout);
        assert!(effects.is_empty(), "joins: {effects:?}");
        waiters.push(request);
    }
    let effects = h.settle_sdk(SdkFunction::Logout, ok());
    let answered = answers(&effects);
    assert_eq!(answered.len(), 10);
    assert!(answered.iter().all(|(_, r)| *r == Ok(Resolved::new())));
    assert_eq!(h.sdk().emptied, vec![vec!["main".to_owned(), "side".to_owned()]]);
    assert_eq!(h.session().state(), SessionState::LoggedOut);
    assert!(!h.storage().keys.contains(&mark_key()));
    assert!(!h.session().server_session_may_be_alive());
    // No effect after logout until render.
    let (open, effects) = h.command(Command::OpenStream {
        stream_id: "s".into(),
        container: None,
    });
    assert!(calls(&effects, SdkFunction::OpenStream).is_empty());
    assert_eq!(
        answer_of(&effects, open),
        Some(Err(SymphonyError::NotRendered {
            operation: "open stream"
        }))
    );
}

#[test]
fn a_logout_that_never_settles_ends_in_a_timeout_and_the_next_one_calls_again() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let (logout, _) = h.command(Command::Logout);
    let effects = h.advance(Duration::from_millis(900));
    assert_eq!(
        answer_of(&effects, logout),
        Some(Err(SymphonyError::Timeout {
            operation: "logout",
            after: Duration::from_millis(900)
        }))
    );
    assert_eq!(h.sdk().emptied.len(), 1, "removed also when sdk.js hangs");
    assert!(h.session().server_session_may_be_alive());
    // The late answer changes nothing.
    let before = h.session().core_snapshot();
    assert!(h.settle_sdk(SdkFunction::Logout, ok()).is_empty());
    assert_eq!(h.session().core_snapshot(), before);
    // An error, then the next logout calls logout() again.
    let (again, effects) = h.command(Command::Logout);
    assert_eq!(calls(&effects, SdkFunction::Logout).len(), 1);
    let effects = h.settle_sdk(
        SdkFunction::Logout,
        SdkOutcome::Resolved(json!({"error": {"type": "ERROR", "message": "down"}})),
    );
    assert!(matches!(
        answer_of(&effects, again),
        Some(Err(SymphonyError::Sdk { .. }))
    ));
    let (third, effects) = h.command(Command::Logout);
    assert_eq!(calls(&effects, SdkFunction::Logout).len(), 1);
    let effects = h.settle_sdk(SdkFunction::Logout, ok());
    assert_eq!(answer_of(&effects, third), Some(Ok(Resolved::new())));
}

#[test]
fn a_logout_before_any_render_follows_the_session_mark() {
    // Without the mark: `{}` at once, sdk.js not even loaded.
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    let (logout, effects) = h.command(Command::Logout);
    assert_eq!(loads(&effects), 0);
    assert_eq!(answer_of(&effects, logout), Some(Ok(Resolved::new())));
    // With it: load sdk.js and call logout().
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    h.storage().keys.insert(mark_key());
    let (logout, effects) = h.command(Command::Logout);
    assert_eq!(loads(&effects), 1);
    let effects = h.sdk_loads();
    assert_eq!(calls(&effects, SdkFunction::Logout).len(), 1);
    let effects = h.settle_sdk(SdkFunction::Logout, ok());
    assert_eq!(answer_of(&effects, logout), Some(Ok(Resolved::new())));
    assert!(!h.storage().keys.contains(&mark_key()));
    // sdk.js that cannot load: the error, and the session may still be alive.
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    h.storage().keys.insert(mark_key());
    let (logout, _) = h.command(Command::Logout);
    let effects = h.event(Event::SdkLoadFailed(SdkLoadFailure::Failed));
    assert!(matches!(
        answer_of(&effects, logout),
        Some(Err(SymphonyError::SdkLoadFailed { .. }))
    ));
    assert!(h.session().server_session_may_be_alive());
    assert!(h.storage().keys.contains(&mark_key()));
    // A render whose sdk.js fails too reached nothing: what may be alive stays so.
    let (render, _) = h.render("main");
    let effects = h.event(Event::SdkLoadFailed(SdkLoadFailure::Failed));
    assert!(matches!(
        answer_of(&effects, render),
        Some(Err(SymphonyError::SdkLoadFailed { .. }))
    ));
    assert!(h.session().server_session_may_be_alive());
}

#[test]
fn callbacks_reach_their_subscription_until_it_or_the_session_ends() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let (subscribe, _) = h.command(Command::Subscribe {
        kind: crate::NotificationKind::MessageNotifications,
        stream_id: None,
    });
    h.settle_sdk(SdkFunction::Listen, ok());
    let subscription = crate::SubscriptionId(subscribe.0);
    let data = json!({"type": "SOCIALMESSAGE", "streamId": "s", "fromWhomId": 7, "isMention": false});
    let effects = h.sdk_callback(SdkFunction::Listen, Some("MessageNotifications"), data.clone());
    assert_eq!(
        effects,
        vec![Effect::News(News::Notify {
            subscription,
            data: data.clone()
        })]
    );
    let (unsubscribe, _) = h.command(Command::Unsubscribe(subscription));
    assert_eq!(h.answer(unsubscribe), Some(&Ok(Resolved::new())));
    assert!(h
        .sdk_callback(SdkFunction::Listen, Some("MessageNotifications"), data.clone())
        .is_empty());
    // A second subscription, dropped by the logout.
    h.command(Command::Subscribe {
        kind: crate::NotificationKind::MessageNotifications,
        stream_id: None,
    });
    h.settle_sdk(SdkFunction::Listen, ok());
    h.command(Command::Logout);
    h.settle_sdk(SdkFunction::Logout, ok());
    assert!(h
        .sdk_callback(SdkFunction::Listen, Some("MessageNotifications"), data)
        .is_empty());
}

#[test]
fn interaction_required_shows_the_chat_and_the_render_waits_for_the_user() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    let (render, _) = h.render("main");
    h.sdk_loads();
    assert!(!h.session().is_loaded(), "nothing shows yet");
    let effects = h.sdk_callback(
        SdkFunction::OnUserInteractionRequired,
        None,
        json!({"reason": "login"}),
    );
    assert!(effects.contains(&Effect::News(News::InteractionRequiredChanged(true))));
    assert!(h.session().interaction_required());
    // The sign-in page shows: loaded, as a built-in main frame is at its `load`.
    assert!(effects.contains(&Effect::News(News::LoadedChanged(true))));
    assert!(h.session().is_loaded() && !h.session().is_ready());
    // Past the request timeout: still waiting for the user.
    let effects = h.advance(Duration::from_secs(60));
    assert_eq!(answer_of(&effects, render), None);
    let effects = h.settle_sdk(SdkFunction::Render, ok());
    assert_eq!(answer_of(&effects, render), Some(Ok(Resolved::new())));
    assert!(!h.session().interaction_required());
}

#[test]
fn a_render_that_does_not_resolve_in_time_is_answered_with_a_timeout() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    let (render, _) = h.render("main");
    h.sdk_loads();
    let effects = h.advance(Duration::from_millis(500));
    assert!(matches!(
        answer_of(&effects, render),
        Some(Err(SymphonyError::Timeout {
            operation: "render",
            ..
        }))
    ));
    // It resolves late: the chat is ready, with no second answer.
    h.settle_sdk(SdkFunction::Render, ok());
    assert!(h.session().is_ready());
}

#[test]
fn the_idle_logout_counts_the_chats_activity_and_calls_logout() {
    let policy = IdlePolicy::new(Duration::from_secs(10))
        .with_warning_lead(Duration::from_secs(3))
        .with_check_interval(Duration::from_secs(1));
    let config = sdk_config(Mode::Focus).with_idle(Some(policy)).unwrap();
    let mut h = FakeDriver::new(config);
    let (_, _) = h.render("main");
    h.sdk_loads();
    let effects = h.settle_sdk(SdkFunction::Render, ok());
    let listen = calls(&effects, SdkFunction::Listen);
    assert_eq!(listen.len(), 1);
    assert_eq!(
        listen[0].arguments,
        vec![json!({"type": "ActivityNotifications"})]
    );
    h.advance(Duration::from_secs(8));
    let effects = h.sdk_callback(SdkFunction::Listen, Some("ActivityNotifications"), Value::Null);
    assert!(effects.contains(&Effect::Work(Work::ChatActivity)), "{effects:?}");
    // Active at 8 s: no logout at 10 s; at 18 s, the logout() call.
    let effects = h.advance(Duration::from_secs(3));
    assert!(calls(&effects, SdkFunction::Logout).is_empty());
    let effects = h.advance(Duration::from_secs(8));
    assert_eq!(calls(&effects, SdkFunction::Logout).len(), 1, "{effects:?}");
    assert_eq!(h.session().logout_reason(), Some(LogoutReason::Idle));
}

#[test]
fn another_tabs_logout_closes_the_chats_here() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let effects = h.event(other_tab_logged_out(true));
    assert_eq!(
        effects[0],
        Effect::Work(Work::HideContainedFrames {
            containers: vec!["main".into()]
        })
    );
    assert_eq!(h.sdk().emptied, vec![vec!["main".to_owned()]]);
    assert!(calls(&effects, SdkFunction::Logout).is_empty(), "no call of ours");
    assert_eq!(h.session().state(), SessionState::LoggedOut);
    assert!(
        h.session().server_session_may_be_alive(),
        "another tab's word is not proof"
    );
}

#[test]
fn the_built_in_protocol_still_cannot_carry_the_sdk_only_calls() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_ready_main();
    for command in [Command::CheckAuth, Command::UpdateTheme(json!({}))] {
        let operation = command.operation();
        let (request, _) = h.command(command);
        assert_eq!(
            h.answer(request),
            Some(&Err(SymphonyError::NotAvailable { operation }))
        );
    }
}

/// One step of a random sequence over the sdk.js transport.
#[derive(Clone, Debug)]
enum Op {
    Render(u8),
    Act(u8),
    Logout,
    Load,
    LoadFails(u8),
    Settle { pick: usize, outcome: u8 },
    Callback { pick: usize },
    Advance(u16),
    OtherTab(bool),
    Activity,
}

fn arb_op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        2 => (0u8..3).prop_map(Op::Render),
        3 => (0u8..8).prop_map(Op::Act),
        2 => Just(Op::Logout),
        2 => Just(Op::Load),
        1 => (0u8..5).prop_map(Op::LoadFails),
        5 => (any::<usize>(), 0u8..6).prop_map(|(pick, outcome)| Op::Settle { pick, outcome }),
        2 => any::<usize>().prop_map(|pick| Op::Callback { pick }),
        2 => (0u16..1200).prop_map(Op::Advance),
        1 => any::<bool>().prop_map(Op::OtherTab),
        1 => Just(Op::Activity),
    ]
}

fn command_of(pick: u8) -> Command {
    match pick {
        0 => Command::OpenStream {
            stream_id: "s".into(),
            container: Some("side".into()),
        },
        1 => Command::StartRoom {
            user_ids: vec!["7".into()],
            container: None,
        },
        2 => Command::SendMessage {
            message: "hi".into(),
            stream_ids: vec!["s".into()],
            container: None,
        },
        3 => Command::UpdateSettings(Settings::new().with("mode", "dark")),
        4 => Command::Subscribe {
            kind: crate::NotificationKind::MessageNotifications,
            stream_id: None,
        },
        5 => Command::Unsubscribe(crate::SubscriptionId(1)),
        6 => Command::CheckAuth,
        _ => Command::CreateRoom {
            name: "r".into(),
            users: vec!["7".into()],
            options: Value::Null,
        },
    }
}

fn outcome_of(pick: u8) -> SdkOutcome {
    match pick {
        0 | 1 => SdkOutcome::Resolved(json!({})),
        2 => SdkOutcome::Resolved(json!({"error": {"type": "ERROR", "message": "no"}})),
        3 => SdkOutcome::Rejected(json!("boom")),
        4 => SdkOutcome::Resolved(json!("odd")),
        _ => SdkOutcome::Missing,
    }
}

/// What the property saw of the logout running.
struct Run {
    /// It started in Rendered: there were chats to hide.
    rendered: bool,
    hidden: bool,
    calls: usize,
}

/// What a random sequence must keep: each request answered once (the fake checks), every
/// container hidden before `logout()` is called and emptied when the logout ends, at most
/// one `logout()` in flight, `{}` for a logout only when `logout()` resolved `{}`, nothing
/// called outside Rendered but render and logout, and in the end every request answered.
fn run_sdk(ops: &[Op], idle: bool) {
    let mut config = sdk_config(Mode::Focus);
    if idle {
        let policy = IdlePolicy::new(Duration::from_secs(2))
            .with_warning_lead(Duration::from_millis(500))
            .with_check_interval(Duration::from_millis(250));
        config = config.with_idle(Some(policy)).expect("valid");
    }
    let mut h = FakeDriver::new(config);
    let mut issued = Vec::new();
    let mut run: Option<Run> = None;
    for op in ops {
        let before = h.session().state();
        let effects = match op {
            Op::Render(i) => {
                let (request, effects) = h.render(["main", "other", "side"][usize::from(*i)]);
                issued.push(request);
                effects
            }
            Op::Act(i) => {
                let (request, effects) = h.command(command_of(*i));
                issued.push(request);
                if !matches!(before, SessionState::Rendered) {
                    let calls: Vec<_> = effects
                        .iter()
                        .filter(|e| matches!(e, Effect::Work(Work::CallSdk { .. })))
                        .collect();
                    assert!(calls.is_empty(), "a call outside Rendered: {calls:?}");
                }
                effects
            }
            Op::Logout => {
                let (request, effects) = h.command(Command::Logout);
                issued.push(request);
                effects
            }
            Op::Load if h.sdk().loading => h.sdk_loads(),
            Op::LoadFails(i) if h.sdk().loading => {
                let failure = match i {
                    0 => SdkLoadFailure::Failed,
                    1 => SdkLoadFailure::BlockedByCsp {
                        directive: "script-src".into(),
                    },
                    2 => SdkLoadFailure::Conflict { found: "x".into() },
                    3 => SdkLoadFailure::Unsupported,
                    _ => SdkLoadFailure::Failed,
                };
                h.event(Event::SdkLoadFailed(failure))
            }
            Op::Settle { pick, outcome } => {
                let in_flight: Vec<_> = h.sdk().in_flight.keys().copied().collect();
                if in_flight.is_empty() {
                    continue;
                }
                let call = in_flight[pick % in_flight.len()];
                let function = h.sdk().in_flight[&call].function;
                let outcome = outcome_of(*outcome);
                let effects = h.event(Event::SdkSettled {
                    call,
                    outcome: outcome.clone(),
                });
                if function == SdkFunction::Logout
                    && effects.contains(&Effect::News(News::StateChanged(SessionState::LoggedOut)))
                {
                    let resolved_ok = outcome == ok();
                    for (_, result) in answers(&effects) {
                        assert_eq!(result.is_ok(), resolved_ok, "the logout's result is logout()'s");
                    }
                }
                effects
            }
            Op::Callback { pick } => {
                let registered: Vec<_> = h.sdk().callbacks.keys().copied().collect();
                if registered.is_empty() {
                    continue;
                }
                let call = registered[pick % registered.len()];
                h.event(Event::SdkCallback {
                    call,
                    data: json!({"reason": "login"}),
                })
            }
            Op::Advance(ms) => h.advance(Duration::from_millis(u64::from(*ms))),
            Op::OtherTab(ok) => h.event(other_tab_logged_out(*ok)),
            Op::Activity => h.activity(),
            Op::Load | Op::LoadFails(_) => continue,
        };
        // One logout() per run, and after every container was hidden.
        let mut hid_in_step = false;
        for effect in &effects {
            match effect {
                Effect::News(News::StateChanged(SessionState::LoggingOut)) => {
                    run = Some(Run {
                        rendered: before == SessionState::Rendered,
                        hidden: hid_in_step,
                        calls: 0,
                    });
                }
                Effect::Work(Work::HideContainedFrames { .. }) => {
                    hid_in_step = true;
                    if let Some(run) = &mut run {
                        run.hidden = true;
                    }
                }
                Effect::Work(Work::CallSdk { request, .. }) if request.function == SdkFunction::Logout => {
                    let run = run.as_mut().expect("logout() called outside a logout");
                    run.calls += 1;
                    assert!(run.calls <= 1, "two logout() calls in one logout");
                    assert!(
                        run.hidden || !run.rendered,
                        "logout() called before the chats were hidden"
                    );
                }
                Effect::News(News::StateChanged(SessionState::LoggedOut)) => run = None,
                _ => {}
            }
        }
        if effects.contains(&Effect::News(News::StateChanged(SessionState::LoggedOut)))
            && h.session().state() == SessionState::LoggedOut
        {
            assert!(h.session().frames().is_empty());
        }
    }
    // The end: a logout answers everything still waiting (a render may wait for the user).
    if h.sdk().loading {
        h.sdk_loads();
    }
    let (logout, _) = h.command(Command::Logout);
    issued.push(logout);
    for _ in 0..10_000 {
        if h.next_due().is_none() {
            break;
        }
        h.fire_next();
    }
    if h.sdk().loading {
        h.sdk_loads();
    }
    while let Some(call) = h.sdk().in_flight.keys().next().copied() {
        h.event(Event::SdkSettled { call, outcome: ok() });
    }
    for request in issued {
        assert!(h.answer(request).is_some(), "request {request} never answered");
    }
    assert_ne!(h.session().state(), SessionState::LoggingOut);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..proptest::prelude::ProptestConfig::default() })]

    #[test]
    fn sdk_sequences_keep_every_invariant(ops in proptest::collection::vec(arb_op(), 1..50)) {
        run_sdk(&ops, false);
    }

    #[test]
    fn sdk_sequences_with_an_idle_policy_keep_every_invariant(ops in proptest::collection::vec(arb_op(), 1..50)) {
        run_sdk(&ops, true);
    }
}

#[test]
fn only_listen_and_on_user_interaction_required_take_a_callback() {
    let with: Vec<_> = SdkFunction::ALL.iter().filter(|f| f.takes_callback()).collect();
    assert_eq!(
        with,
        [&SdkFunction::Listen, &SdkFunction::OnUserInteractionRequired]
    );
    let names: Vec<_> = SdkFunction::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        [
            "render",
            "openStream",
            "startRoom",
            "sendMessage",
            "createRoom",
            "updateSettings",
            "updateTheme",
            "listen",
            "checkAuth",
            "onUserInteractionRequired",
            "logout"
        ]
    );
}

#[test]
fn container_ids_become_one_css_selector_each() {
    use crate::sdk_view::id_selector;
    for (id, selector) in [
        ("side", "#side"),
        ("side-1_b", "#side-1_b"),
        ("9x", "#\\39 x"),
        ("a9", "#a9"),
        ("-x9", "#-x9"),
        ("-", "#\\-"),
        ("-9", "#-\\39 "),
        ("--x", "#--x"),
        ("a.b:c", "#a\\.b\\:c"),
        ("é漢", "#é漢"),
        ("a\u{1}b", "#a\\1 b"),
        ("x\u{7f}", "#x\\7f "),
        ("a\0b", "#a\u{FFFD}b"),
    ] {
        assert_eq!(id_selector(id), selector, "{id:?}");
    }
}

#[test]
fn a_new_render_keeps_the_containers_of_the_last_one_once() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    h.command(Command::OpenStream {
        stream_id: "s".into(),
        container: Some("side".into()),
    });
    h.settle_sdk(SdkFunction::OpenStream, ok());
    let (_, _) = h.render("main");
    h.settle_sdk(SdkFunction::Render, ok());
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(
        effects[0],
        Effect::Work(Work::HideContainedFrames {
            containers: vec!["main".into(), "side".into()]
        })
    );
}

#[test]
fn unsubscribing_drops_a_subscription_made_or_still_on_its_way() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    let (_, _) = h.render("main");
    h.sdk_loads();
    // Queued before the render is ready, unsubscribed before it goes out.
    let (queued, _) = h.command(Command::Subscribe {
        kind: crate::NotificationKind::MessageNotifications,
        stream_id: None,
    });
    let (unsubscribe, _) = h.command(Command::Unsubscribe(crate::SubscriptionId(queued.0)));
    assert_eq!(h.answer(unsubscribe), Some(&Ok(Resolved::new())));
    h.settle_sdk(SdkFunction::Render, ok());
    h.settle_sdk(SdkFunction::Listen, ok());
    assert!(h
        .sdk_callback(SdkFunction::Listen, Some("MessageNotifications"), json!({}))
        .is_empty());
    // In flight, unsubscribed before it settles.
    let (in_flight, _) = h.command(Command::Subscribe {
        kind: crate::NotificationKind::UnreadCountNotifications,
        stream_id: None,
    });
    let (unsubscribe, _) = h.command(Command::Unsubscribe(crate::SubscriptionId(in_flight.0)));
    assert_eq!(h.answer(unsubscribe), Some(&Ok(Resolved::new())));
    h.settle_sdk(SdkFunction::Listen, ok());
    assert!(h
        .sdk_callback(SdkFunction::Listen, Some("UnreadCountNotifications"), json!({}))
        .is_empty());
    // Unknown, or cancelled already: a typed error.
    for subscription in [crate::SubscriptionId(999), crate::SubscriptionId(in_flight.0)] {
        let (again, _) = h.command(Command::Unsubscribe(subscription));
        assert!(
            matches!(
                h.answer(again),
                Some(Err(SymphonyError::InvalidArgument {
                    argument: "subscription",
                    ..
                }))
            ),
            "{subscription:?}"
        );
    }
}

#[test]
fn a_subscription_of_the_session_before_a_logout_stays_silent_after_the_next_render() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    h.command(Command::Subscribe {
        kind: crate::NotificationKind::MessageNotifications,
        stream_id: None,
    });
    h.settle_sdk(SdkFunction::Listen, ok());
    h.command(Command::Logout);
    h.settle_sdk(SdkFunction::Logout, ok());
    h.render("main");
    h.settle_sdk(SdkFunction::Render, ok());
    assert!(h.session().is_ready());
    // sdk.js may still call the old callback: it is no subscription of this session.
    assert!(h
        .sdk_callback(SdkFunction::Listen, Some("MessageNotifications"), json!({}))
        .is_empty());
}

#[test]
fn each_action_times_out_on_its_own() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    let (first, _) = h.command(Command::CheckAuth);
    h.advance(Duration::from_millis(200));
    let (second, _) = h.command(Command::CheckAuth);
    let effects = h.advance(Duration::from_millis(300));
    assert!(matches!(
        answer_of(&effects, first),
        Some(Err(SymphonyError::Timeout {
            operation: "check auth",
            ..
        }))
    ));
    assert_eq!(answer_of(&effects, second), None, "its own timer runs on");
    let effects = h.settle_sdk(SdkFunction::CheckAuth, ok());
    assert!(effects.is_empty(), "the first call's late answer changes nothing");
    let effects = h.settle_sdk(
        SdkFunction::CheckAuth,
        SdkOutcome::Resolved(json!({"authenticated": true})),
    );
    assert_eq!(
        answer_of(&effects, second),
        Some(Ok(Resolved::from_json(json!({"authenticated": true}))))
    );
}

#[test]
fn registering_a_callback_is_no_stale_event_and_a_late_interaction_signal_is() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    rendered(&mut h);
    h.settle_sdk(SdkFunction::OnUserInteractionRequired, ok());
    assert_eq!(h.session().diagnostics().stale_events, 0);
    // The chat is ready: "interaction required" comes too late to mean anything.
    let effects = h.sdk_callback(
        SdkFunction::OnUserInteractionRequired,
        None,
        json!({"reason": "eula"}),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!h.session().interaction_required());
    assert_eq!(h.session().diagnostics().stale_events, 1);
}

#[test]
fn the_containers_sdk_js_rendered_into_are_told_while_its_frames_may_be_there() {
    let mut h = FakeDriver::new(sdk_config(Mode::Focus));
    assert!(h.session().sdk_containers().is_empty(), "nothing rendered");
    rendered(&mut h);
    h.command(Command::OpenStream {
        stream_id: "s2".into(),
        container: Some("side".into()),
    });
    assert_eq!(h.session().sdk_containers(), ["main", "side"]);
    h.command(Command::Logout);
    assert_eq!(h.session().state(), SessionState::LoggingOut);
    assert_eq!(
        h.session().sdk_containers(),
        ["main", "side"],
        "while logging out"
    );
    h.settle_sdk(SdkFunction::Logout, ok());
    assert_eq!(h.session().state(), SessionState::LoggedOut);
    assert!(h.session().sdk_containers().is_empty(), "emptied by the logout");
    let mut built_in = FakeDriver::new(config(Mode::Focus));
    built_in.render("main");
    assert!(
        built_in.session().sdk_containers().is_empty(),
        "the built-in protocol's frames are Session::frames"
    );
}

#[test]
fn the_built_in_protocols_events_are_told_from_the_others() {
    // A build without the built-in protocol drops these unread (and leaves their handlers
    // out); every other event is shared by both transports.
    let frame = crate::FrameId(1);
    let attempt = crate::LogoutAttemptId(1);
    let protocol = [
        Event::FrameLoaded(frame),
        Event::FrameContainerMissing(frame),
        Event::FrameRemoved(frame),
        Event::FrameBlockedByCsp {
            frame,
            directive: "frame-src".into(),
        },
        Event::Message(json!({})),
        Event::LogoutAnswered { attempt, status: 200 },
        Event::LogoutFailed {
            attempt,
            message: "offline".into(),
        },
    ];
    for event in &protocol {
        assert!(event.is_built_in_protocol(), "{event:?}");
    }
    let call = crate::SdkCallId(1);
    let shared = [
        Event::TimerFired(crate::TimerId(1)),
        Event::TabMessage {
            message: json!({}),
            heard_at: crate::Timestamp(0),
        },
        Event::Activity {
            at: crate::Timestamp(0),
        },
        Event::IdleCheck {
            now: crate::Timestamp(0),
        },
        Event::SessionMarkRead(crate::StoredMark::Absent),
        Event::SdkLoaded,
        Event::SdkLoadFailed(SdkLoadFailure::Failed),
        Event::SdkSettled { call, outcome: ok() },
        Event::SdkCallback {
            call,
            data: json!({}),
        },
        Event::IdleLogoutClaimed {
            deadline: crate::Timestamp(0),
            granted: true,
        },
    ];
    for event in &shared {
        assert!(!event.is_built_in_protocol(), "{event:?}");
    }
}

#[test]
fn the_built_in_protocols_work_is_told_from_the_rest() {
    // Rendering over sdk.js asks for shared work only; over the built-in protocol, for its
    // frame.
    let work = |config: Config| -> Vec<Work> {
        let mut h = FakeDriver::new(config);
        let (_, effects) = h.render("main");
        effects
            .into_iter()
            .filter_map(|effect| match effect {
                Effect::Work(work) => Some(work),
                Effect::News(_) => None,
            })
            .collect()
    };
    let over_sdk = work(sdk_config(Mode::Focus));
    assert!(!over_sdk.is_empty());
    assert!(over_sdk.iter().all(|w| !w.is_built_in_protocol()), "{over_sdk:?}");
    let built_in = work(config(Mode::Focus));
    assert!(built_in.iter().any(Work::is_built_in_protocol), "{built_in:?}");
    let frame = crate::FrameId(1);
    let attempt = crate::LogoutAttemptId(1);
    for work in [
        Work::HideFrames { frames: vec![frame] },
        Work::RemoveFrame { frame },
        Work::AbortLogoutRequest { attempt },
        Work::ListenForMessages,
        Work::StopListeningForMessages,
    ] {
        assert!(work.is_built_in_protocol(), "{work:?}");
    }
    for work in [
        Work::CancelIdleCheck,
        Work::ChatActivity,
        Work::ReadSessionMark { key: "k".into() },
        Work::HideContainedFrames {
            containers: vec!["main".into()],
        },
    ] {
        assert!(!work.is_built_in_protocol(), "{work:?}");
    }
}
