//! Property tests: random sequences of commands and events, with the invariants of
//! DESIGN.md checked after every step.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::protocol::NotificationKind;
use crate::{FrameKind, LogoutAttemptId, SessionState, SubscriptionId, TimerId};

const CONTAINERS: [&str; 3] = ["main", "side", "third"];

#[derive(Clone, Debug)]
enum Op {
    Render {
        container: usize,
        with_stream: bool,
        with_theme: bool,
    },
    OpenStream {
        container: Option<usize>,
        bad: bool,
    },
    StartRoom {
        container: Option<usize>,
    },
    SendMessage {
        container: Option<usize>,
    },
    UpdateSettings {
        empty: bool,
    },
    Subscribe {
        kind: usize,
    },
    Unsubscribe(usize),
    Logout,
    FrameLoaded(usize),
    FrameRemoved(usize),
    ContainerMissing(usize),
    Blocked(usize),
    ClientReady,
    Resolve {
        action: usize,
        outcome: usize,
        pod_data: Value,
    },
    Callback(usize),
    HttpAnswer {
        attempt: usize,
        status: u16,
    },
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
    let key = prop_oneof![
        Just("eventType".to_owned()),
        Just("payload".to_owned()),
        Just("id".to_owned()),
        Just("data".to_owned()),
        Just("error".to_owned()),
        Just("status".to_owned()),
        ".{0,6}"
    ];
    json_tree(
        leaf,
        key,
        TreeSize {
            depth: 4,
            size: 48,
            branch: 6,
            array: 5,
            object: 5,
        },
    )
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
        3 => (0..CONTAINERS.len(), any::<bool>(), prop::bool::weighted(0.2)).prop_map(|(container, with_stream, with_theme)| Op::Render { container, with_stream, with_theme }),
        3 => (container.clone(), prop::bool::weighted(0.1)).prop_map(|(container, bad)| Op::OpenStream { container, bad }),
        1 => container.clone().prop_map(|container| Op::StartRoom { container }),
        1 => container.prop_map(|container| Op::SendMessage { container }),
        1 => any::<bool>().prop_map(|empty| Op::UpdateSettings { empty }),
        1 => (0..4usize).prop_map(|kind| Op::Subscribe { kind }),
        1 => any::<usize>().prop_map(Op::Unsubscribe),
        4 => Just(Op::Logout),
        4 => any::<usize>().prop_map(Op::FrameLoaded),
        1 => any::<usize>().prop_map(Op::FrameRemoved),
        1 => any::<usize>().prop_map(Op::ContainerMissing),
        1 => any::<usize>().prop_map(Op::Blocked),
        3 => Just(Op::ClientReady),
        4 => (any::<usize>(), 0..6usize, arb_json()).prop_map(|(action, outcome, pod_data)| Op::Resolve { action, outcome, pod_data }),
        1 => any::<usize>().prop_map(Op::Callback),
        2 => (any::<usize>(), prop_oneof![Just(200u16), Just(204), Just(401), Just(500)]).prop_map(|(attempt, status)| Op::HttpAnswer { attempt, status }),
        1 => any::<usize>().prop_map(Op::HttpFail),
        4 => any::<usize>().prop_map(Op::FireTimer),
        1 => arb_message().prop_map(Op::Garbage),
        1 => any::<bool>().prop_map(Op::Elsewhere),
    ]
}

/// The server request a step's event answers, if any.
#[derive(Default)]
struct Answered {
    http: Option<LogoutAttemptId>,
    /// The action id of a pod message's answer.
    frame: Option<String>,
}

/// What the test has seen of the machine, from its effects alone.
#[derive(Default)]
struct Observer {
    mode: Option<Mode>,
    /// Counts the ends of views seen in the effects: a main frame created (a render), or the
    /// state becoming `LoggedOut` or `Unrendered`. An item recorded in an earlier epoch is
    /// stale: the machine must ignore events about it.
    epoch: u64,
    hidden: BTreeSet<FrameId>,
    /// The frame logout action and its answer timer, while in flight.
    frame_logout_timer: Option<TimerId>,
    /// Frame logout actions given up for HTTP: their answers must change nothing.
    abandoned: BTreeSet<String>,
    /// Protocol ids of the subscriptions cancelled: never to be posted again.
    cancelled: BTreeSet<String>,
    /// The spec's answer to "would a logout now ask the pod?": set by every render, given
    /// back by a render whose main frame's container was missing before anything of it
    /// reached the pod, cleared only by a successful logout of ours.
    server_alive: bool,
    alive_before_render: bool,
    current_main: Option<FrameId>,
    main_loaded: bool,
    child_since_render: bool,
    issued: BTreeSet<RequestId>,
    answered: BTreeMap<RequestId, Result<Resolved, SymphonyError>>,
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
    /// The session mark in the (one tab's) storage.
    mark: bool,
    /// The interaction signal last announced.
    interaction: bool,
    /// The last render asked.
    last_render: Option<RequestId>,
    /// The main frame's load last announced.
    loaded: bool,
    /// The main frame said `clientReady` during a logout after its request in flight left:
    /// that request's "ok" must not end the logout.
    signed_in_since_asked: bool,
}

impl Observer {
    /// Records a step's effects and checks the invariants that concern them.
    fn observe(&mut self, h: &FakeDriver, effects: &[Effect], answered: Answered) {
        // An answered request is over, whatever follows it (the end, or the pod asked again).
        if answered.http.is_some() && answered.http == self.http_logout {
            self.http_logout = None;
        }
        if answered.frame.is_some() && answered.frame == self.frame_logout {
            self.abandoned.extend(self.frame_logout.take());
            self.frame_logout_timer = None;
        }
        // Items of this step belong to the epoch the step ends in.
        self.epoch += effects
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Effect::Work(Work::CreateFrame {
                        kind: FrameKind::Main,
                        ..
                    }) | Effect::News(News::StateChanged(
                        SessionState::LoggedOut | SessionState::Unrendered
                    ))
                )
            })
            .count() as u64;
        let epoch = self.epoch;
        let mut logged_out = false;
        let mut end_told = false;
        let mut frame_logout_posted = false;
        for effect in effects {
            match effect {
                Effect::Work(Work::CreateFrame { frame, kind, .. }) => {
                    if *kind == FrameKind::Main {
                        self.alive_before_render = self.server_alive;
                        self.server_alive = true;
                        self.current_main = Some(*frame);
                        self.main_loaded = false;
                        self.child_since_render = false;
                    } else {
                        self.child_since_render = true;
                    }
                    assert!(
                        *kind == FrameKind::Main || self.mode != Some(Mode::Collaboration),
                        "Collaboration mode created a child frame"
                    );
                    assert!(self.live.insert(*frame), "frame created twice");
                    self.frames.push((*frame, epoch));
                }
                Effect::Work(Work::RemoveFrame { frame }) => {
                    assert!(self.live.remove(frame), "removed an unknown frame");
                    self.hidden.remove(frame);
                }
                Effect::Work(Work::HideFrames { frames }) => {
                    let hidden: BTreeSet<_> = frames.iter().copied().collect();
                    assert_eq!(hidden, self.live, "every frame is hidden when a logout starts");
                    self.hidden.extend(hidden);
                }
                Effect::Work(Work::Post(message)) => match message {
                    crate::protocol::HostMessage::Action(action) => {
                        if matches!(action.kind, ActionKind::Logout(_)) {
                            assert!(
                                self.frame_logout.is_none() && self.http_logout.is_none(),
                                "a second server logout while one is in flight"
                            );
                            assert!(
                                self.live.is_subset(&self.hidden),
                                "a server step before every frame was hidden"
                            );
                            self.frame_logout = Some(action.id.clone());
                            self.signed_in_since_asked = false;
                            frame_logout_posted = true;
                        }
                        if let Some(target) = action_target(&action.kind) {
                            assert!(
                                self.live.iter().any(|f| format!("#{}", f.dom_id()) == target),
                                "an action posted for frame {target}, which is gone"
                            );
                        }
                        self.actions.push((action.id.clone(), epoch));
                    }
                    crate::protocol::HostMessage::Subscription(sub) => {
                        assert!(
                            !self.cancelled.contains(&sub.id),
                            "cancelled subscription {} posted",
                            sub.id
                        );
                        self.subscription_ids.push(sub.id.clone())
                    }
                    crate::protocol::HostMessage::Register(register) => assert!(
                        self.live.iter().any(|f| f.dom_id() == register.iframe_id),
                        "register posted for {}, which is gone",
                        register.iframe_id
                    ),
                },
                Effect::Work(Work::SendLogoutRequest { attempt, .. }) => {
                    assert!(self.http_logout.is_none(), "two HTTP logouts in flight");
                    assert!(
                        self.live.is_subset(&self.hidden),
                        "a server step before every frame was hidden"
                    );
                    // The HTTP request replaces an abandoned frame attempt, never runs beside
                    // it: the frame attempt's timer is over, and its answer changes nothing.
                    if let Some(id) = self.frame_logout.take() {
                        let timer = self.frame_logout_timer.take();
                        assert!(
                            timer.is_none_or(|t| !self.active_timers.contains(&t)),
                            "HTTP logout sent while the frame attempt still waits"
                        );
                        self.abandoned.insert(id);
                    }
                    self.http_logout = Some(*attempt);
                    self.signed_in_since_asked = false;
                    self.attempts.push((*attempt, epoch));
                }
                Effect::Work(Work::AbortLogoutRequest { attempt }) => {
                    assert_eq!(self.http_logout, Some(*attempt));
                    self.http_logout = None;
                }
                Effect::Work(Work::StartTimer { timer, .. }) => {
                    if frame_logout_posted && self.frame_logout_timer.is_none() {
                        // The frame attempt's answer timer follows its action.
                        self.frame_logout_timer = Some(*timer);
                    }
                    self.active_timers.insert(*timer);
                    self.timers.push((*timer, epoch));
                }
                Effect::Work(Work::CancelTimer { timer }) => {
                    assert!(self.active_timers.remove(timer), "cancelled an inactive timer");
                }
                Effect::News(News::Answer { request, result }) => {
                    assert!(self.issued.contains(request), "answer to a request never made");
                    assert_documented_shape(result);
                    assert!(
                        self.answered.insert(*request, result.clone()).is_none(),
                        "request {request} answered twice"
                    );
                }
                Effect::News(News::StateChanged(SessionState::LoggedOut)) => {
                    logged_out = true;
                    end_told = false;
                }
                Effect::News(News::LoggedOut { result, .. }) => {
                    assert!(
                        logged_out && !end_told,
                        "a logout's end told once, after LoggedOut"
                    );
                    assert_documented_shape(&result.clone().map(|()| Resolved::new()));
                    end_told = true;
                }
                Effect::News(News::LoadedChanged(loaded)) => {
                    assert_ne!(self.loaded, *loaded, "loading announced twice");
                    self.loaded = *loaded;
                }
                Effect::News(News::InteractionRequiredChanged(required)) => {
                    assert_ne!(self.interaction, *required, "interaction announced twice");
                    self.interaction = *required;
                }
                Effect::News(News::ReadyChanged(ready)) => {
                    assert_ne!(self.ready, *ready, "readiness announced twice");
                    self.ready = *ready;
                }
                // The fake driver checks listening against the state after every step.
                Effect::News(News::StateChanged(_))
                | Effect::News(News::Notify { .. })
                | Effect::Work(Work::Broadcast(_))
                | Effect::Work(Work::ListenForMessages)
                | Effect::Work(Work::StopListeningForMessages) => {}
                Effect::Work(Work::SetSessionMark { .. }) => {
                    assert!(
                        self.server_alive,
                        "the session mark set while no session may be alive"
                    );
                    self.mark = true;
                }
                Effect::Work(Work::ClearSessionMark { .. }) => self.mark = false,
                Effect::Work(Work::ReadSessionMark { .. }) => {
                    assert!(
                        !self.server_alive,
                        "the mark read although the session may be alive"
                    );
                    assert!(
                        !self.mark,
                        "one tab: a mark stands only while the session may be alive"
                    );
                }
                Effect::Work(Work::ScheduleIdleCheck { .. })
                | Effect::Work(Work::CancelIdleCheck)
                | Effect::Work(Work::ChatActivity)
                | Effect::Work(Work::IdleLogoutDue { .. })
                | Effect::News(News::IdleWarningStarted { .. })
                | Effect::News(News::IdleWarningCleared) => {
                    panic!("idle effect {effect:?} without an idle policy")
                }
                Effect::Work(Work::LoadSdk { .. })
                | Effect::Work(Work::CallSdk { .. })
                | Effect::Work(Work::HideContainedFrames { .. })
                | Effect::Work(Work::RemoveContainedFrames { .. }) => {
                    panic!("sdk.js effect {effect:?} over the built-in protocol")
                }
            }
        }
        assert_eq!(
            logged_out, end_told,
            "every LoggedOut state tells how the logout ended"
        );
        if logged_out {
            if let Some(id) = self.frame_logout.take() {
                self.abandoned.insert(id);
            }
            self.frame_logout_timer = None;
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
            if let Some(Some(Ok(_))) = results.first() {
                assert!(
                    !self.signed_in_since_asked,
                    "a logout confirmed by a request that left before the main frame signed in"
                );
            }
            self.signed_in_since_asked = false;
            // Our own logout decides; another tab's (no waiter here) changes nothing.
            if let Some(Some(result)) = results.first() {
                self.server_alive = result.is_err();
            }
            self.episode.clear();
        }
        let state = h.session().state();
        if matches!(state, SessionState::LoggedOut | SessionState::Unrendered) {
            assert!(self.live.is_empty(), "frames left in {state}: {:?}", self.live);
        }
        assert_eq!(
            self.ready,
            h.session().is_ready(),
            "announced readiness is the machine's"
        );
        assert_eq!(
            self.loaded,
            h.session().is_loaded(),
            "announced loading is the machine's"
        );
        assert!(!self.ready || self.loaded, "ready implies loaded");
        assert_eq!(
            self.interaction,
            h.session().interaction_required(),
            "the announced interaction signal is the machine's"
        );
        assert!(
            !(self.interaction && (self.ready || state != SessionState::Rendered)),
            "interaction required only while rendered and not ready"
        );
        let internal: BTreeSet<_> = h.session().frames().into_iter().collect();
        assert_eq!(
            internal, self.live,
            "the machine's frames and the effects disagree"
        );
        let internal_timers: BTreeSet<_> = h.session().active_timers().into_iter().collect();
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
            with_theme,
        } => {
            let mut settings = Settings::new().with("mode", "dark");
            if *with_theme {
                settings.insert("theme", json!({"primary": "#123456"}));
            }
            Command::Render {
                container: CONTAINERS[*container].into(),
                stream_id: with_stream.then(|| "stream \"<x>\"".to_owned()),
                settings,
            }
        }
        Op::OpenStream { container: c, bad } => Command::OpenStream {
            stream_id: if *bad { String::new() } else { "s1".into() },
            container: container(c),
        },
        Op::StartRoom { container: c } => Command::StartRoom {
            user_ids: vec!["7".into(), "ada@example.com".into()],
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
                NotificationKind::ActivityNotifications,
            ][*kind],
            stream_id: (*kind < 2).then(|| "s1".to_owned()),
        },
        Op::Unsubscribe(index) => Command::Unsubscribe(pick(&observer.subscriptions, index)?),
        Op::Logout => Command::Logout,
        _ => return None,
    })
}

/// The event for an op, and the generation of the item it refers to (if it refers to one).
fn event_for(op: &Op, observer: &Observer) -> Option<(Event, Option<u64>)> {
    let resolve = |id: String, outcome: usize, pod_data: &Value| {
        let data = match outcome {
            0 | 1 => json!({}),
            2 => json!({"error": {"type": "ERROR", "message": "pod says no", "data": {"status": 500}}}),
            3 => json!({"error": {"type": "ERROR", "message": "dropped", "data": {"reason": "network"}}}),
            4 => json!({"error": {"type": "ERROR", "message": "pod data", "data": pod_data}}),
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
        Op::Blocked(i) => pick(&observer.frames, i).map(|(f, g)| {
            let event = Event::FrameBlockedByCsp {
                frame: f,
                directive: "frame-src".into(),
            };
            // Only the current main frame's report counts; any other is stale.
            let current = observer.current_main == Some(f) && observer.live.contains(&f);
            (event, Some(if current { g } else { 0 }))
        })?,
        Op::ClientReady => (Event::Message(json!({"eventType": "clientReady"})), None),
        Op::Resolve {
            action,
            outcome,
            pod_data,
        } => pick(&observer.actions, action)
            .map(|(id, g)| (Event::Message(resolve(id, *outcome, pod_data)), Some(g)))?,
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
        Op::Elsewhere(confirmed) => (other_tab_logged_out(*confirmed), None),
        _ => return None,
    })
}

fn run(mode: Mode, ops: &[Op]) -> Observer {
    let mut h = FakeDriver::with_mode(mode);
    let mut observer = Observer {
        mode: Some(mode),
        ..Observer::default()
    };
    for op in ops {
        let before = h.session().state();
        if let Some(command) = command_for(op, &observer) {
            let is_logout = command == Command::Logout;
            let is_render = matches!(command, Command::Render { .. });
            let operation = command.operation();
            let subscribe = matches!(command, Command::Subscribe { .. });
            let unsubscribe = match &command {
                Command::Unsubscribe(subscription) => Some(*subscription),
                _ => None,
            };
            let request = h.session_mut().handle_command(command);
            observer.issued.insert(request);

            if is_logout && before == SessionState::LoggingOut {
                observer.episode.push(request);
            }
            let effects = h.drain();
            if is_render && answer_of(&effects, request).is_none() {
                // Refused at once (bad settings, a logout running) it waits for nothing.
                observer.last_render = Some(request);
            }
            if is_logout
                && h.session().state() == SessionState::LoggingOut
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
                    vec![Effect::News(News::Answer {
                        request,
                        result: Err(SymphonyError::NotRendered { operation })
                    })],
                    "outside Rendered only render and logout have effects"
                );
            }
            if subscribe && answer_of(&effects, request) == Some(Ok(Resolved::new())) {
                observer.subscriptions.push(SubscriptionId(request.0));
            }
            if let Some(subscription) =
                unsubscribe.filter(|_| answer_of(&effects, request) == Some(Ok(Resolved::new())))
            {
                observer
                    .cancelled
                    .insert(crate::view::subscription_key(subscription));
            }
            if is_logout && matches!(before, SessionState::Unrendered | SessionState::LoggedOut) {
                let asks = effects
                    .iter()
                    .any(|e| matches!(e, Effect::Work(Work::SendLogoutRequest { .. })));
                assert_eq!(
                    asks, observer.server_alive,
                    "a logout with nothing rendered asks the pod exactly when the session may be alive"
                );
            }
            observer.observe(&h, &effects, Answered::default());
        } else if let Some((event, item_generation)) = event_for(op, &observer) {
            let abandoned = match &event {
                Event::Message(value) => value["payload"]["id"]
                    .as_str()
                    .is_some_and(|id| observer.abandoned.contains(id)),
                _ => false,
            };
            let stale = abandoned || item_generation.is_some_and(|epoch| epoch < observer.epoch);
            let snapshot = stale.then(|| h.session().core_snapshot());
            let answered = Answered {
                http: match &event {
                    Event::LogoutAnswered { attempt, .. } | Event::LogoutFailed { attempt, .. } => {
                        Some(*attempt)
                    }
                    _ => None,
                },
                frame: match &event {
                    Event::Message(value) => value["payload"]["id"].as_str().map(str::to_owned),
                    _ => None,
                },
            };
            let client_ready = matches!(&event, Event::Message(value)
                if crate::protocol::PodMessage::parse(value)
                    .is_ok_and(|m| m == crate::protocol::PodMessage::ClientReady));
            // Only `clientReady` (a signed-in document) counts: a load may be the pod's own
            // signed-out page.
            let navigated = client_ready && observer.current_main.is_some_and(|m| observer.live.contains(&m));
            if before == SessionState::LoggingOut
                && navigated
                && (observer.http_logout.is_some() || observer.frame_logout.is_some())
            {
                observer.signed_in_since_asked = true;
            }
            let current_main = before == SessionState::Rendered && observer.current_main.is_some();
            match &event {
                Event::FrameLoaded(frame) if current_main && observer.current_main == Some(*frame) => {
                    observer.main_loaded = true;
                }
                // `clientReady` proves the main frame loaded, whatever the load event says.
                Event::Message(value)
                    if current_main
                        && crate::protocol::PodMessage::parse(value)
                            .is_ok_and(|m| m == crate::protocol::PodMessage::ClientReady) =>
                {
                    observer.main_loaded = true;
                }
                Event::FrameContainerMissing(frame) | Event::FrameBlockedByCsp { frame, .. }
                    if current_main
                        && observer.current_main == Some(*frame)
                        && !observer.main_loaded
                        && !observer.child_since_render =>
                {
                    observer.server_alive = observer.alive_before_render;
                }
                _ => {}
            }
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
            let effects = h.event(event);
            if let Some(snapshot) = snapshot {
                assert!(effects.is_empty(), "a stale event had effects: {effects:?}");
                assert_eq!(
                    h.session().core_snapshot(),
                    snapshot,
                    "a stale event changed the session"
                );
            }
            observer.observe(&h, &effects, answered);
        }
    }
    // Let every timer run out: then every request has its answer, but for a render whose
    // main frame loaded and waits for the user (sign-in): that one waits without a timeout,
    // by design, until `clientReady`, a logout or a new render. A logout then answers it.
    run_out_timers(&mut h, &mut observer);
    let unanswered: Vec<_> = observer
        .issued
        .iter()
        .filter(|r| !observer.answered.contains_key(r))
        .copied()
        .collect();
    if !unanswered.is_empty() {
        assert_eq!(
            unanswered,
            observer.last_render.into_iter().collect::<Vec<_>>(),
            "only the last render may wait, for the user"
        );
        assert!(
            h.session().state() == SessionState::Rendered && !h.session().is_ready() && observer.main_loaded,
            "a render waits only while its loaded main frame is not ready"
        );
        let logout = h.session_mut().handle_command(Command::Logout);
        observer.issued.insert(logout);
        observer.episode.push(logout);
        let effects = h.drain();
        observer.observe(&h, &effects, Answered::default());
        run_out_timers(&mut h, &mut observer);
        let unanswered: Vec<_> = observer
            .issued
            .iter()
            .filter(|r| !observer.answered.contains_key(r))
            .collect();
        assert!(unanswered.is_empty(), "requests never answered: {unanswered:?}");
    }
    observer
}

/// Fires every timer until none is left. A fired timer starts at most one more (the frame
/// logout's gives way to HTTP), so the bound is never reached.
fn run_out_timers(h: &mut FakeDriver, observer: &mut Observer) {
    for _ in 0..2 * observer.timers.len() + 1 {
        let Some(timer) = observer.active_timers.pop_first() else {
            break;
        };
        let effects = h.event(Event::TimerFired(timer));
        observer.observe(h, &effects, Answered::default());
    }
    assert!(observer.active_timers.is_empty(), "timers keep starting");
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
    fn arbitrary_json_messages_are_refused_or_understood(values in prop::collection::vec(arb_message(), 1..20)) {
        // Fed in every phase: unrendered, rendered and ready, logging out. A message that
        // does not parse is counted once and has no effect; one that parses is not counted.
        let mut h = FakeDriver::with_mode(Mode::Focus);
        for phase in 0..3 {
            match phase {
                1 => drop(h.render_ready_main()),
                2 => drop(h.command(Command::Logout)),
                _ => {}
            }
            for value in &values {
                let before = h.session().diagnostics().malformed_messages;
                let parsed = crate::protocol::PodMessage::parse(value);
                let effects = h.event(Event::Message(value.clone()));
                if parsed.is_err() {
                    let malformed = h.session().diagnostics().malformed_messages - before;
                    prop_assert_eq!(malformed, 1);
                    prop_assert!(effects.is_empty(), "{:?}", effects);
                }
            }
        }
    }
}

/// The `#frame` an action targets, if it targets a child frame.
fn action_target(kind: &ActionKind) -> Option<&str> {
    match kind {
        ActionKind::SetStream { container, .. } | ActionKind::StartRoom { container, .. } => {
            container.as_deref()
        }
        ActionKind::SendMessage { options, .. } => options.container.as_deref(),
        _ => None,
    }
}

/// Symphony's documented result: exactly the pod's success object (`{}` here), or `{"error":{"type":"ERROR","message":..,
/// "data":{"code":..,..}}}` with nothing else.
fn assert_documented_shape(result: &Result<Resolved, SymphonyError>) {
    let json = serde_json::to_value(SdkResult::from(result)).expect("a result serialises");
    let top = json.as_object().expect("an object");
    match result {
        Ok(resolved) => assert_eq!(top, resolved.as_object(), "success is the pod's object: {json}"),
        Err(_) => {
            assert_eq!(top.len(), 1, "{json}");
            let error = top["error"].as_object().expect("an error object");
            let keys: BTreeSet<&str> = error.keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["type", "message", "data"]), "{json}");
            assert_eq!(error["type"], "ERROR");
            assert!(error["message"].is_string(), "{json}");
            let data = error["data"].as_object().expect("data is an object");
            assert!(data["code"].is_string(), "data.code: {json}");
        }
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
            with_theme: false,
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
        // Timers so far: render, interaction (the main frame loaded, not ready), open
        // stream, logout deadline, frame answer.
        Op::FireTimer(4),
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
            pod_data: Value::Null,
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
