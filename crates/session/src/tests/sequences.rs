//! The sequences that once broke the core's promises, each reproduced as found.

use serde_json::{json, Value};

use super::*;
use crate::protocol::{HostMessage, NotificationKind, PodMessage};
use crate::SessionState;

/// (a) The pod answers the frame logout with an error whose `data` is not an object.
#[test]
fn pod_error_data_of_any_json_type_ends_up_inside_an_object_with_a_code() {
    for pod_data in [
        json!("boom"),
        json!([1, 2]),
        json!(42),
        Value::Null,
        json!({"hint": "x"}),
    ] {
        let mut h = FakeDriver::with_mode(Mode::Focus);
        h.render_ready_main();
        let (request, effects) = h.command(Command::Logout);
        let (id, _) = posted_actions(&effects).pop().expect("a logout action");
        let effects = h.resolve_json(
            &id,
            json!({"error": {"type": "ERROR", "message": "x", "data": pod_data.clone()}}),
        );
        // The HTTP step follows the frame's no, and fails too: the frame's error is kept.
        let attempt = http_attempts(&effects)[0];
        let effects = h.event(Event::LogoutAnswered { attempt, status: 502 });
        let (_, result) = effects
            .iter()
            .find_map(Effect::sdk_result)
            .filter(|(r, _)| *r == request)
            .expect("the logout is answered");
        let json = serde_json::to_value(&result).expect("serialises");
        let data = &json["error"]["data"];
        assert!(
            data.is_object(),
            "data must be an object, got {json} for {pod_data}"
        );
        assert_eq!(data["code"], "SERVER_STATUS", "{json}");
        let frame = &data["frame"]["data"];
        assert!(frame.is_object(), "{json}");
        assert_eq!(frame["code"], "POD", "{json}");
        assert_eq!(frame["pod"], pod_data, "the pod's own value is kept: {json}");
    }
}

/// (b) Another tab's news during our own logout: it may close more, never skip our request.
#[test]
fn another_tab_cannot_turn_a_failed_logout_into_a_success() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_loaded_main(); // not ready: the logout goes over HTTP
    let (request, effects) = h.command(Command::Logout);
    let attempt = http_attempts(&effects)[0];
    h.event(other_tab_logged_out(true));
    assert!(
        h.session().server_session_may_be_alive(),
        "a claim from another tab is not proof"
    );
    let effects = h.event(Event::LogoutAnswered { attempt, status: 401 });
    assert_eq!(
        answer_of(&effects, request),
        Some(Err(SymphonyError::ServerStatus { status: 401 })),
        "our caller gets our own result"
    );
    assert!(h.session().server_session_may_be_alive());
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(
        http_attempts(&effects).len(),
        1,
        "the next logout retries the server part"
    );
}

/// (b) The same rule when nothing of ours is running: the frames go, the request stays due.
#[test]
fn another_tab_tears_down_frames_but_leaves_the_server_part_due() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_ready_main();
    let effects = h.event(other_tab_logged_out(true));
    assert_eq!(h.session().state(), SessionState::LoggedOut);
    assert!(h.session().frames().is_empty());
    assert!(
        http_attempts(&effects).is_empty(),
        "no request of ours for their logout"
    );
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(http_attempts(&effects).len(), 1);
}

/// (c) A child frame removed after it loaded but before `clientReady`.
#[test]
fn a_child_removed_before_client_ready_is_answered_at_once_and_never_posted_for() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_loaded_main();
    let (request, effects) = h.command(Command::OpenStream {
        stream_id: "side-stream".into(),
        container: Some("side".into()),
    });
    let child = created_frames(&effects)[0];
    assert!(
        posted(&h.event(Event::FrameLoaded(child))).is_empty(),
        "not ready yet"
    );
    let effects = h.event(Event::FrameRemoved(child));
    assert!(
        matches!(
            answer_of(&effects, request),
            Some(Err(SymphonyError::Interrupted {
                by: "removal of its frame",
                ..
            }))
        ),
        "{effects:?}"
    );
    let effects = h.pod_message(PodMessage::ClientReady);
    assert!(
        posted(&effects).is_empty(),
        "nothing for a removed frame: {effects:?}"
    );
}

/// (d) Unsubscribing before `clientReady`.
#[test]
fn an_unsubscribe_before_client_ready_subscribes_nothing() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_loaded_main();
    let (subscribe, _) = h.command(Command::Subscribe {
        kind: NotificationKind::MessageNotifications,
        stream_id: None,
    });
    let (_, effects) = h.command(Command::Unsubscribe(crate::SubscriptionId(subscribe.0)));
    assert_eq!(answers(&effects).len(), 1);
    let effects = h.pod_message(PodMessage::ClientReady);
    assert!(
        !posted(&effects)
            .iter()
            .any(|m| matches!(m, HostMessage::Subscription(_))),
        "{effects:?}"
    );
}

/// (e) A render that never produced a frame, then a logout.
#[test]
fn logout_after_a_render_into_a_missing_container_does_nothing() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    let (_, effects) = h.render("ghost");
    h.event(Event::FrameContainerMissing(created_frames(&effects)[0]));
    assert_eq!(h.session().state(), SessionState::Unrendered);
    let (request, effects) = h.command(Command::Logout);
    assert_eq!(
        effects,
        vec![
            Effect::Work(Work::ReadSessionMark { key: mark_key() }),
            Effect::News(News::Answer {
                request,
                result: Ok(Resolved::new())
            })
        ]
    );
}

/// (e) ... but a missing container does not forget a session that an earlier render opened.
#[test]
fn a_missing_container_keeps_an_earlier_session_due_for_logout() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_ready_main();
    let (_, effects) = h.render("ghost");
    h.event(Event::FrameContainerMissing(created_frames(&effects)[0]));
    assert_eq!(h.session().state(), SessionState::Unrendered);
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(http_attempts(&effects).len(), 1);
}

/// A render whose request timed out keeps its frame (the user may be typing a password);
/// the logout still removes it.
#[test]
fn a_timed_out_render_keeps_its_frame_until_logout() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    let (request, effects) = h.render("main");
    let main = created_frames(&effects)[0];
    let (timer, _) = timers_started(&effects)[0];
    let effects = h.event(Event::TimerFired(timer));
    assert!(matches!(
        answer_of(&effects, request),
        Some(Err(SymphonyError::Timeout {
            operation: "render",
            ..
        }))
    ));
    assert_eq!(h.session().state(), SessionState::Rendered);
    assert_eq!(h.session().frames(), vec![main]);
    let (_, effects) = h.command(Command::Logout);
    let attempt = http_attempts(&effects)[0];
    let effects = h.event(Event::LogoutAnswered { attempt, status: 204 });
    assert_eq!(removed_frames(&effects), vec![main]);
}

/// (e) ... nor a render that did reach the pod, through its main frame or a child frame,
/// before its container was reported missing.
#[test]
fn a_render_that_reached_the_pod_stays_due_for_logout() {
    // A child frame was created before the main frame's container proved missing.
    let mut h = FakeDriver::with_mode(Mode::Focus);
    let (_, effects) = h.render("main");
    let main = created_frames(&effects)[0];
    h.command(Command::OpenStream {
        stream_id: "side-stream".into(),
        container: Some("side".into()),
    });
    h.event(Event::FrameContainerMissing(main));
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(
        http_attempts(&effects).len(),
        1,
        "a child frame may have reached the pod"
    );

    // The main frame loaded, then was reported missing.
    let mut h = FakeDriver::with_mode(Mode::Focus);
    let main = h.render_loaded_main();
    h.event(Event::FrameContainerMissing(main));
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(
        http_attempts(&effects).len(),
        1,
        "the main frame loaded from the pod"
    );
}

/// (e) A main frame the page took out before it loaded had been in the document: the pod
/// may have been reached, so the logout still asks it.
#[test]
fn a_main_frame_removed_before_loading_keeps_the_session_due() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    assert!(!h.session().server_session_may_be_alive(), "nothing rendered yet");
    let (_, effects) = h.render("main");
    h.event(Event::FrameRemoved(created_frames(&effects)[0]));
    assert_eq!(h.session().state(), SessionState::Unrendered);
    let (_, effects) = h.command(Command::Logout);
    let attempt = http_attempts(&effects)[0];
    h.event(Event::LogoutAnswered { attempt, status: 200 });
    assert!(
        !h.session().server_session_may_be_alive(),
        "the pod confirmed the logout"
    );
}

/// (c) The other side of it: a child loaded before `clientReady` is registered at
/// `clientReady`, before its queued action.
#[test]
fn a_child_loaded_before_client_ready_is_registered_at_client_ready() {
    let mut h = FakeDriver::with_mode(Mode::Focus);
    h.render_loaded_main();
    h.command(Command::OpenStream {
        stream_id: "side-stream".into(),
        container: Some("side".into()),
    });
    let child = h.session().frames()[0];
    h.event(Event::FrameLoaded(child));
    let messages = posted(&h.pod_message(PodMessage::ClientReady));
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0], crate::view::register(child));
    assert!(matches!(&messages[1], HostMessage::Action(_)));
}

/// Inputs fed between two polls (driving rule 2): effects queued before them may name
/// frames already reported gone, and the session stays consistent.
#[test]
fn inputs_fed_between_polls_leave_a_consistent_session() {
    let mut h = FakeDriver::new(config(Mode::Focus)).without_container("ghost");
    for _ in 0..2 {
        h.session_mut().handle_command(Command::Render {
            container: "ghost".into(),
            stream_id: None,
            settings: Settings::new(),
        });
    }
    h.drain();
    assert_eq!(h.session().state(), SessionState::Unrendered);
    assert!(h.frames().is_empty());
    // The first render was replaced before its frame was reported: counted as reached.
    let (_, effects) = h.command(Command::Logout);
    assert_eq!(http_attempts(&effects).len(), 1);

    let mut h = FakeDriver::new(config(Mode::Focus)).without_container("side");
    h.render_ready_main();
    let open = h.session_mut().handle_command(Command::OpenStream {
        stream_id: "s".into(),
        container: Some("side".into()),
    });
    let logout = h.session_mut().handle_command(Command::Logout);
    h.drain();
    assert!(matches!(h.answer(open), Some(Err(_))));
    assert!(h.answer(logout).is_none(), "the logout waits for the pod");
    assert!(h.frames().values().all(|f| f.hidden));
}
