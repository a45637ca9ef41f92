//! The logout's wire form against a pod that does not speak this library's assumption
//! (a frame that does not know the logout action), the configurable steps, and the session
//! mark that lets a page that never rendered log out a session an earlier page left.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use std::time::Duration;

use serde_json::json;
use support::*;
use symphony_dom::{
    Config, ConfigBuilder, Mode, RenderOptions, SdkResult, SessionState, Symphony, SymphonyError,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn builder() -> ConfigBuilder {
    Config::builder(emulator(), page_origin())
        .partner_id("test-partner")
        .logout_timeout(Duration::from_millis(3000))
        .frame_logout_timeout(Duration::from_millis(1000))
}

/// A fresh page with the chat rendered and signed in under `config`.
async fn rendered(config: Config) -> Symphony {
    fresh().await;
    container("main");
    let symphony = Symphony::new(config);
    symphony
        .render("main", RenderOptions::stream("stream-main"))
        .await
        .expect("render");
    ready(&symphony).await;
    symphony
}

#[wasm_bindgen_test]
async fn a_frame_that_does_not_know_the_logout_action_is_followed_by_the_http_step() {
    // The emulator's frame answers an action it does not know with an error, as a pod
    // written elsewhere may answer ours: the user must not stay signed in.
    let symphony = rendered(builder().logout_action("sign-out").build().unwrap()).await;
    assert_eq!(sessions(&state().await), 1);
    let result = symphony.logout().await;
    assert_eq!(result, Ok(()), "the HTTP step's answer");
    assert!(our_frames().is_empty());
    let after = state().await;
    assert_eq!(logout_requests(&after), (0, 1), "the frame said no, then HTTP");
    assert_eq!(sessions(&after), 0, "the pod session ended");
    assert!(!symphony.server_session_may_be_alive());

    // When the HTTP step fails too, the error is the HTTP step's, the frame's inside it.
    let symphony = rendered(builder().logout_action("sign-out").build().unwrap()).await;
    faults(json!({"logout": {"status": 500}})).await;
    let result = symphony.logout().await;
    faults(json!({"logout": "ok"})).await;
    let Err(SymphonyError::LogoutRefused { frame, http }) = &result else {
        panic!("{result:?}")
    };
    assert_eq!(**http, SymphonyError::ServerStatus { status: 500 });
    assert!(frame.to_string().contains("unknown action"), "{frame}");
    let json = serde_json::to_value(SdkResult::from(&result)).unwrap();
    assert_eq!(json["error"]["data"]["code"], "SERVER_STATUS", "{json}");
    assert!(
        json["error"]["data"]["frame"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown action")),
        "{json}"
    );
    assert!(our_frames().is_empty(), "fail closed: frames removed");
    assert!(symphony.server_session_may_be_alive());
    assert_eq!(sessions(&state().await), 1);
}

#[wasm_bindgen_test]
async fn without_the_http_step_the_frames_refusal_is_the_answer() {
    let config = builder()
        .logout_action("sign-out")
        .without_http_logout()
        .build()
        .unwrap();
    let symphony = rendered(config).await;
    let result = symphony.logout().await;
    let Err(SymphonyError::Pod {
        operation, message, ..
    }) = &result
    else {
        panic!("{result:?}")
    };
    assert_eq!(*operation, "logout");
    assert!(message.contains("unknown action"), "{message}");
    assert!(our_frames().is_empty(), "frames removed all the same");
    assert_eq!(symphony.state(), SessionState::LoggedOut);
    assert!(symphony.server_session_may_be_alive(), "said so");
    let after = state().await;
    assert_eq!(logout_requests(&after), (0, 0), "no HTTP request");
    assert_eq!(sessions(&after), 1, "the session is alive, as the answer says");
}

#[wasm_bindgen_test]
async fn without_the_frame_step_the_configured_method_goes_over_http() {
    let symphony = rendered(builder().without_frame_logout().build().unwrap()).await;
    assert_eq!(symphony.logout().await, Ok(()));
    let after = state().await;
    assert_eq!(logout_requests(&after), (0, 1));
    assert_eq!(sessions(&after), 0);
    // The method is the configured one: the emulator's endpoint takes only POST.
    let config = builder()
        .without_frame_logout()
        .logout_method("PUT")
        .build()
        .unwrap();
    let symphony = rendered(config).await;
    assert_eq!(
        symphony.logout().await,
        Err(SymphonyError::ServerStatus { status: 405 })
    );
    assert_eq!(sessions(&state().await), 1);
}

#[wasm_bindgen_test]
async fn a_page_that_never_rendered_logs_out_the_session_an_earlier_page_left() {
    // An earlier page of this browser rendered the pod and went away without a logout.
    let earlier = rendered(config(Mode::Focus)).await;
    assert!(session_marked(emulator()), "marked once the main frame loaded");
    drop(earlier);
    assert!(our_frames().is_empty());
    assert_eq!(sessions(&state().await), 1);

    // This page never renders; its logout asks the pod.
    let page = Symphony::new(config(Mode::Focus));
    assert_eq!(page.logout().await, Ok(()));
    let after = state().await;
    assert_eq!(logout_requests(&after), (0, 1));
    assert_eq!(sessions(&after), 0, "the earlier page's session ended");
    assert!(!session_marked(emulator()), "cleared once the pod confirmed");

    // The page after that asks nobody.
    let next = Symphony::new(config(Mode::Focus));
    assert_eq!(next.logout().await, Ok(()));
    assert_eq!(logout_requests(&state().await), (0, 1), "no second request");
}

#[wasm_bindgen_test]
async fn a_page_that_never_rendered_asks_the_pod_when_storage_cannot_be_read() {
    fresh().await;
    let blocked = PrototypeStub::install(
        "Storage",
        "getItem",
        "throw new DOMException('blocked', 'SecurityError')",
    );
    let page = Symphony::new(config(Mode::Focus));
    assert_eq!(page.logout().await, Ok(()));
    drop(blocked);
    assert_eq!(
        logout_requests(&state().await),
        (0, 1),
        "unreadable counts as marked"
    );

    // Without a mark and with readable storage: `{}` at once, nobody asked.
    fresh().await;
    let page = Symphony::new(config(Mode::Focus));
    assert_eq!(page.logout().await, Ok(()));
    assert_eq!(logout_requests(&state().await), (0, 0));
}
