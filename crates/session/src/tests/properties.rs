//! Property tests: random sequences of commands and events, with the invariants of
//! DESIGN.md checked after every step.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::protocol::NotificationKind;
use crate::{LogoutAttemptId, SessionState, SubscriptionId, TimerId};

const CONTAINERS: [&str; 3] = ["main", "side", "third"];

#[derive(Clone, Debug)]
enum Op {
    Render { container: usize, with_stream: bool },
    OpenStream { container: Option<usize>, bad: bool },
    StartRoom { container: Option<usize> },
    SendMessage { container: Option<usize> },
    UpdateSettings { empty: bool },
    Subscribe { kind: usize },
    Unsubscribe(usize),
    Logout,
    FrameLoaded(usize),
    FrameRemoved(usize),
    ContainerMissing(usize),
    ClientReady,
    Resolve { action: usize, outcome: usize },
    Callback(usize),
    HttpAnswer { attempt: usize, status: u16 },
    HttpFail(usize),
    FireTimer(usize),
    Garbage(Value),
    Elsewhere(bool),
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("clientReady"),
            Just("sdk-resolve"),
            Just("sdk-callback-data"),
            Just("logout-1"),
            Just("sub-1"),
            Just("error"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("eventType".to_owned()),
                    Just("payload".to_owned()),
                    Just("id".to_owned()),
                    Just("data".to_owned()),
                    Just("error".to_owned()),
                    Just("status".to_owned()),
                    ".{0,6}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Protocol-looking messages with random payloads, and plain random JSON.
fn arb_message() -> impl Strategy<Value = Value> {
    prop_oneof![
        arb_json(),
        (
            prop_oneof![
                Just("clientReady"),
                Just("sdk-resolve"),
                Just("sdk-callback-data"),
                Just("sdk-action")
            ],
            arb_json()
        )
            .prop_map(|(event_type, payload)| json!({"eventType": event_type, "payload": payload})),
    ]
}

fn arb_op() -> impl Strategy<Value = Op> {
    let container = prop::option::of(0..CONTAINERS.len());
    prop_oneof![
        3 => (0..CONTAINERS.len(), any::<bool>()).prop_map(|(container, with_stream)| Op::Render { container, with_stream }),
        3 => (container.clone(), prop::bool::weighted(0.1)).prop_map(|(container, bad)| Op::OpenStream { container, bad }),
        1 => container.clone().prop_map(|container| Op::StartRoom { container }),
        1 => container.prop_map(|container| Op::SendMessage { container }),
        1 => any::<bool>().prop_map(|empty| Op::UpdateSettings { empty }),
        1 => (0..3usize).prop_map(|kind| Op::Subscribe { kind }),
        1 => any::<usize>().prop_map(Op::Unsubscribe),
        4 => Just(Op::Logout),
        4 => any::<usize>().prop_map(Op::FrameLoaded),
        1 => any::<usize>().prop_map(Op::FrameRemoved),
        1 => any::<usize>().prop_map(Op::ContainerMissing),
        3 => Just(Op::ClientReady),
        4 => (any::<usize>(), 0..5usize).prop_map(|(action, outcome)| Op::Resolve { action, outcome }),
        1 => any::<usize>().prop_map(Op::Callback),
        2 => (any::<usize>(), prop_oneof![Just(200u16), Just(204), Just(401), Just(500)]).prop_map(|(attempt, status)| Op::HttpAnswer { attempt, status }),
        1 => any::<usize>().prop_map(Op::HttpFail),
        4 => any::<usize>().prop_map(Op::FireTimer),
        1 => arb_message().prop_map(Op::Garbage),
        1 => any::<bool>().prop_map(Op::Elsewhere),
    ]
}

/// What the test has seen of the machine, from its effects alone.
#[derive(Default)]
struct Observer {
    issued: BTreeSet<RequestId>,
    answered: BTreeMap<RequestId, Result<(), SymphonyError>>,
    frames: Vec<(FrameId, u64)>,
    live: BTreeSet<FrameId>,
    actions: Vec<(String, u64)>,
    attempts: Vec<(LogoutAttemptId, u64)>,
    timers: Vec<(TimerId, u64)>,
    active_timers: BTreeSet<TimerId>,
    subscription_ids: Vec<String>,
    subscriptions: Vec<SubscriptionId>,
    frame_logout: Option<String>,
    http_logout: Option<LogoutAttemptId>,
    episode: Vec<RequestId>,
    ready: bool,
}

impl Observer {
    /// Records a step's effects and checks the invariants that concern them.
    fn observe(&mut self, h: &Harness, effects: &[Effect], answered_http: Option<LogoutAttemptId>) {
        let generation = h.session.generation();
        let mut logged_out = false;
        for effect in effects {
            match effect {
                Effect::CreateFrame { frame, .. } => {
                    assert!(self.live.insert(*frame), "frame created twice");
                    self.frames.push((*frame, generation));
                }
                Effect::RemoveFrame { frame } => assert!(self.live.remove(frame), "removed an unknown frame"),
                Effect::HideFrames { frames } => {
                    let hidden: BTreeSet<_> = frames.iter().copied().collect();
                    assert_eq!(hidden, self.live, "every frame is hidden when a logout starts");
                }
                Effect::Post(message) => match message {
                    crate::protocol::HostMessage::Action(action) => {
                        if matches!(action.kind, ActionKind::Logout(_)) {
                            assert!(
                                self.frame_logout.is_none() && self.http_logout.is_none(),
                                "a second server logout while one is in flight"
                            );
                            self.frame_logout = Some(action.id.clone());
                        }
                        self.actions.push((action.id.clone(), generation));
                    }
                    crate::protocol::HostMessage::Subscription(sub) => {
                        self.subscription_ids.push(sub.id.clone())
                    }
                    crate::protocol::HostMessage::Register(_) => {}
                },
                Effect::SendLogoutRequest { attempt, .. } => {
                    assert!(self.http_logout.is_none(), "two HTTP logouts in flight");
                    // The HTTP request replaces an abandoned frame attempt, never runs beside it.
                    self.frame_logout = None;
                    self.http_logout = Some(*attempt);
                    self.attempts.push((*attempt, generation));
                }
                Effect::AbortLogoutRequest { attempt } => {
                    assert_eq!(self.http_logout, Some(*attempt));
                    self.http_logout = None;
                }
                Effect::StartTimer { timer, .. } => {
                    self.active_timers.insert(*timer);
                    self.timers.push((*timer, generation));
                }
                Effect::CancelTimer { timer } => {
                    assert!(self.active_timers.remove(timer), "cancelled an inactive timer");
                }
                Effect::Answer { request, result } => {
                    assert!(self.issued.contains(request), "answer to a request never made");
                    assert!(
                        self.answered.insert(*request, result.clone()).is_none(),
                        "request {request} answered twice"
                    );
                }
                Effect::StateChanged(SessionState::LoggedOut) => logged_out = true,
                Effect::ReadyChanged(ready) => {
                    assert_ne!(self.ready, *ready, "readiness announced twice");
                    self.ready = *ready;
                }
                Effect::StateChanged(_) | Effect::Notify { .. } => {}
            }
        }
        if logged_out {
            if answered_http.is_some() && answered_http == self.http_logout {
                self.http_logout = None;
            }
            self.frame_logout = None;
            assert!(
                self.http_logout.is_none(),
                "an HTTP logout left in flight after completion"
            );
            let results: Vec<_> = self
                .episode
                .iter()
                .map(|r| self.answered.get(r).cloned())
                .collect();
            assert!(
                results.iter().all(Option::is_some),
                "a logout waiter was not answered"
            );
            assert!(
                results.windows(2).all(|w| w[0] == w[1]),
                "concurrent logouts got different results: {results:?}"
            );
            self.episode.clear();
        }
        let state = h.session.state();
        if matches!(state, SessionState::LoggedOut | SessionState::Unrendered) {
            assert!(self.live.is_empty(), "frames left in {state}: {:?}", self.live);
        }
        assert_eq!(
            self.ready,
            h.session.is_ready(),
            "announced readiness is the machine's"
        );
        let internal: BTreeSet<_> = h.session.frames().into_iter().collect();
        assert_eq!(
            internal, self.live,
            "the machine's frames and the effects disagree"
        );
        let internal_timers: BTreeSet<_> = h.session.active_timers().into_iter().collect();
        assert_eq!(internal_timers, self.active_timers);
    }
}

fn pick<T: Clone>(items: &[T], index: &usize) -> Option<T> {
    (!items.is_empty()).then(|| items[index % items.len()].clone())
}

fn command_for(op: &Op, observer: &Observer) -> Option<Command> {
    let container = |c: &Option<usize>| c.map(|i| CONTAINERS[i].to_owned());
    Some(match op {
        Op::Render {
            container,
            with_stream,
        } => Command::Render {
            container: CONTAINERS[*container].into(),
            stream_id: with_stream.then(|| "stream \"<x>\"".to_owned()),
            settings: Settings::new().with("mode", "dark"),
        },
        Op::OpenStream { container: c, bad } => Command::OpenStream {
            stream_id: if *bad { String::new() } else { "s1".into() },
            container: container(c),
        },
        Op::StartRoom { container: c } => Command::StartRoom {
            user_ids: vec![7],
            container: container(c),
        },
        Op::SendMessage { container: c } => Command::SendMessage {
            message: "hi".into(),
            stream_ids: vec!["s1".into()],
            container: container(c),
        },
        Op::UpdateSettings { empty } => Command::UpdateSettings(if *empty {
            Settings::new()
        } else {
            Settings::new().with("mode", "light")
        }),
        Op::Subscribe { kind } => Command::Subscribe {
            kind: [
                NotificationKind::MessageNotifications,
                NotificationKind::UnreadCountNotifications,
                NotificationKind::GlobalUnreadCountNotifications,
            ][*kind],
            stream_id: (*kind != 2).then(|| "s1".to_owned()),
        },
        Op::Unsubscribe(index) => Command::Unsubscribe(pick(&observer.subscriptions, index)?),
        Op::Logout => Command::Logout,
        _ => return None,
    })
}

/// The event for an op, and the generation of the item it refers to (if it refers to one).
fn event_for(op: &Op, observer: &Observer) -> Option<(Event, Option<u64>)> {
    let resolve = |id: String, outcome: usize| {
        let data = match outcome {
            0 | 1 => json!({}),
            2 => json!({"error": {"type": "ERROR", "message": "pod says no", "data": {"status": 500}}}),
            3 => json!({"error": {"type": "ERROR", "message": "dropped", "data": {"reason": "network"}}}),
            _ => json!({"error": {"type": "ERROR", "message": "nope"}}),
        };
        json!({"eventType": "sdk-resolve", "payload": {"id": id, "data": data}})
    };
    Some(match op {
        Op::FrameLoaded(i) => pick(&observer.frames, i).map(|(f, g)| (Event::FrameLoaded(f), Some(g)))?,
        Op::FrameRemoved(i) => pick(&observer.frames, i).map(|(f, g)| (Event::FrameRemoved(f), Some(g)))?,
        Op::ContainerMissing(i) => {
            pick(&observer.frames, i).map(|(f, g)| (Event::FrameContainerMissing(f), Some(g)))?
        }
        Op::ClientReady => (Event::Message(json!({"eventType": "clientReady"})), None),
        Op::Resolve { action, outcome } => {
            pick(&observer.actions, action).map(|(id, g)| (Event::Message(resolve(id, *outcome)), Some(g)))?
        }
        Op::Callback(i) => pick(&observer.subscription_ids, i).map(|id| {
            (
                Event::Message(
                    json!({"eventType": "sdk-callback-data", "payload": {"id": id, "data": {"count": 1}}}),
                ),
                None,
            )
        })?,
        Op::HttpAnswer { attempt, status } => pick(&observer.attempts, attempt).map(|(a, g)| {
            (
                Event::LogoutAnswered {
                    attempt: a,
                    status: *status,
                },
                Some(g),
            )
        })?,
        Op::HttpFail(i) => pick(&observer.attempts, i).map(|(a, g)| {
            (
                Event::LogoutFailed {
                    attempt: a,
                    message: "reset".into(),
                },
                Some(g),
            )
        })?,
        Op::FireTimer(i) => pick(&observer.timers, i).map(|(t, g)| (Event::TimerFired(t), Some(g)))?,
        Op::Garbage(value) => (Event::Message(value.clone()), None),
        Op::Elsewhere(confirmed) => (
            Event::LoggedOutElsewhere {
                server_confirmed: *confirmed,
            },
            None,
        ),
        _ => return None,
    })
}

fn run(mode: Mode, ops: &[Op]) -> Observer {
    let mut h = Harness::new(mode);
    let mut observer = Observer::default();
    for op in ops {
        let before = h.session.state();
        if let Some(command) = command_for(op, &observer) {
            let is_logout = command == Command::Logout;
            let is_render = matches!(command, Command::Render { .. });
            let operation = command.operation();
            let subscribe = matches!(command, Command::Subscribe { .. });
            let request = h.session.handle_command(command);
            observer.issued.insert(request);
            if is_logout && before == SessionState::LoggingOut {
                observer.episode.push(request);
            }
            let effects = h.drain();
            if is_logout
                && h.session.state() == SessionState::LoggingOut
                && before != SessionState::LoggingOut
            {
                observer.episode.push(request);
            }
            if is_logout && before == SessionState::LoggingOut {
                assert!(
                    effects.is_empty(),
                    "a logout during a logout joins it: {effects:?}"
                );
            }
            if !is_logout && !is_render && before != SessionState::Rendered {
                assert_eq!(
                    effects,
                    vec![Effect::Answer {
                        request,
                        result: Err(SymphonyError::NotRendered { operation })
                    }],
                    "outside Rendered only render and logout have effects"
                );
            }
            if subscribe && answer_of(&effects, request) == Some(Ok(())) {
                observer.subscriptions.push(SubscriptionId(request.0));
            }
            observer.observe(&h, &effects, None);
        } else if let Some((event, item_generation)) = event_for(op, &observer) {
            let stale = item_generation.is_some_and(|g| g < h.session.generation());
            let snapshot = stale.then(|| h.session.core_snapshot());
            let answered_http = match &event {
                Event::LogoutAnswered { attempt, .. } | Event::LogoutFailed { attempt, .. } => Some(*attempt),
                _ => None,
            };
            match &event {
                Event::TimerFired(timer) => {
                    observer.active_timers.remove(timer);
                }
                // Someone else took the frame out of the document (or it never got in).
                Event::FrameRemoved(frame) | Event::FrameContainerMissing(frame) => {
                    observer.live.remove(frame);
                }
                _ => {}
            }
            h.session.handle_event(event);
            let effects = h.drain();
            if let Some(snapshot) = snapshot {
                assert!(effects.is_empty(), "a stale event had effects: {effects:?}");
                assert_eq!(
                    h.session.core_snapshot(),
                    snapshot,
                    "a stale event changed the session"
                );
            }
            observer.observe(&h, &effects, answered_http);
        }
    }
    // Let every timer run out: then every request has its answer.
    for _ in 0..16 {
        let Some(timer) = observer.active_timers.pop_first() else {
            break;
        };
        h.session.handle_event(Event::TimerFired(timer));
        let effects = h.drain();
        observer.observe(&h, &effects, None);
    }
    assert!(observer.active_timers.is_empty(), "timers keep starting");
    let unanswered: Vec<_> = observer
        .issued
        .iter()
        .filter(|r| !observer.answered.contains_key(r))
        .collect();
    assert!(unanswered.is_empty(), "requests never answered: {unanswered:?}");
    observer
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn focus_sequences_keep_every_invariant(ops in prop::collection::vec(arb_op(), 1..60)) {
        run(Mode::Focus, &ops);
    }

    #[test]
    fn collaboration_sequences_keep_every_invariant(ops in prop::collection::vec(arb_op(), 1..60)) {
        run(Mode::Collaboration, &ops);
    }

    #[test]
    fn arbitrary_json_messages_never_panic(values in prop::collection::vec(arb_message(), 1..20)) {
        for value in &values {
            // Parsing alone: a typed error or a message, never a panic.
            let _ = crate::protocol::PodMessage::parse(value);
        }
        // Fed in every phase: unrendered, rendered and ready, logging out, logged out.
        let mut h = Harness::new(Mode::Focus);
        for value in &values {
            h.ev(Event::Message(value.clone()));
        }
        h.render_ready();
        for value in &values {
            h.ev(Event::Message(value.clone()));
        }
        h.cmd(Command::Logout);
        for value in &values {
            h.ev(Event::Message(value.clone()));
        }
        prop_assert!(h.session.diagnostics().malformed_messages + h.session.diagnostics().stale_events <= 3 * values.len() as u64);
    }
}

#[test]
fn the_observer_sees_both_transports_and_stale_answers() {
    // A fixed sequence through the interesting paths, to show the checks above really run:
    // frame logout, HTTP fallback failing, server-only retry, then a stale answer.
    let ops = vec![
        Op::Render {
            container: 0,
            with_stream: true,
        },
        Op::FrameLoaded(0),
        Op::ClientReady,
        Op::OpenStream {
            container: Some(1),
            bad: false,
        },
        Op::FrameLoaded(1),
        Op::Logout,
        Op::Logout,
        // Timers so far: render, open stream, logout deadline, frame answer.
        Op::FireTimer(3),
        Op::HttpAnswer {
            attempt: 0,
            status: 500,
        },
        Op::Logout,
        Op::HttpAnswer {
            attempt: 1,
            status: 200,
        },
        Op::Resolve {
            action: 0,
            outcome: 0,
        },
    ];
    let observer = run(Mode::Focus, &ops);
    assert_eq!(
        observer.attempts.len(),
        2,
        "fallback, then retry of the server part"
    );
    assert_eq!(observer.actions.len(), 2, "set-stream to the child, then logout");
    assert!(observer.actions[1].0.starts_with("logout-"));
    assert_eq!(observer.answered.len(), 5, "render, open stream, three logouts");
    assert_eq!(
        observer
            .answered
            .values()
            .filter(|r| **r == Err(SymphonyError::ServerStatus { status: 500 }))
            .count(),
        2,
        "both concurrent logouts got the server's error"
    );
    assert!(observer.live.is_empty());
}
