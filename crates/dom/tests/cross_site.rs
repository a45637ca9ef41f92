//! The page and the pod on different sites, as an app and a real pod are: the suite's page is
//! served on `127.0.0.1` (wasm-bindgen-test-runner) and `./x` addresses the pod as
//! `localhost`. The pod's cookies then live in a cross-site frame (`SameSite=None; Secure;
//! Partitioned`, in the page's site's partition), and the HTTP logout is the page's own
//! cross-site, credentialed `fetch`: it must carry that cookie for the pod session to end.
#![cfg(target_arch = "wasm32")]

use symphony_test_support as support;

use std::time::Duration;

use gloo::net::http::Request;
use support::*;
use symphony_dom::{Config, Mode, RenderOptions, Symphony};
use wasm_bindgen_test::*;
use web_sys::RequestCredentials;

wasm_bindgen_test_configure!(run_in_browser);

/// The user the first emulator signs new browsers in as (`./x`: `--auto-login alice`).
const USER: &str = "alice";

/// The host of an origin or URL.
fn host(url: &str) -> String {
    url::Url::parse(url)
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .host_str()
        .unwrap_or_default()
        .to_owned()
}

/// The users with a session on the pod.
async fn session_users() -> Vec<String> {
    state().await["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["user"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Renders a Focus chat and waits until its main frame is signed in: the emulator signs the
/// new browser in on the frame's first load and sets its cookies inside the frame.
async fn rendered_and_signed_in(config: Config) -> Symphony {
    fresh().await;
    container("cross-site-chat");
    let symphony = Symphony::new(config);
    symphony
        .render("cross-site-chat", RenderOptions::stream("cross-site"))
        .await
        .expect("render");
    ready(&symphony).await;
    assert_eq!(session_users().await, [USER], "the frame signed in");
    symphony
}

#[wasm_bindgen_test]
async fn the_page_and_the_pod_are_on_different_sites() {
    let (page, pod) = (host(&page_origin()), host(emulator()));
    // Hosts that are IP addresses or `localhost` are each a site of their own.
    assert_ne!(page, pod, "page {} and pod {}", page_origin(), emulator());
    for h in [&page, &pod] {
        assert!(
            h == "127.0.0.1" || h == "localhost",
            "{h}: a loopback name the pod trusts"
        );
    }
}

/// The library's HTTP logout step alone (`without_frame_logout`): the page's credentialed
/// `fetch` to `{pod}/logout` carries the cookie the frame got, and the pod ends the session.
#[wasm_bindgen_test]
async fn the_http_logout_carries_the_frames_partitioned_cookie_cross_site() {
    let config = Config::builder(emulator(), page_origin())
        .partner_id("test-partner")
        .mode(Mode::Focus)
        .without_frame_logout()
        .logout_timeout(Duration::from_millis(4000))
        .request_timeout(Duration::from_millis(4000))
        .build()
        .expect("valid config");
    let symphony = rendered_and_signed_in(config).await;

    let result = symphony.logout().await;
    assert!(result.is_ok(), "logout: {result:?}");
    let state = state().await;
    assert_eq!(logout_requests(&state), (0, 1), "over HTTP only");
    assert_eq!(sessions(&state), 0, "the pod ended the session: {state}");
    assert!(our_frames().is_empty(), "every frame removed");
}

/// The same by hand, with a control: without credentials the page's `fetch` ends nothing
/// (the pod needs the cookie); with `credentials: "include"` it does.
#[wasm_bindgen_test]
async fn a_credentialed_fetch_from_the_page_ends_the_session_and_an_anonymous_one_does_not() {
    let symphony = rendered_and_signed_in(config(Mode::Focus)).await;
    let logout = format!("{}/logout", emulator());

    let anonymous = Request::post(&logout)
        .credentials(RequestCredentials::Omit)
        .send()
        .await
        .expect("the pod answers");
    assert_eq!(anonymous.status(), 200);
    assert_eq!(session_users().await, [USER], "no cookie, no logout");

    let credentialed = Request::post(&logout)
        .credentials(RequestCredentials::Include)
        .send()
        .await
        .expect("the pod answers");
    assert_eq!(credentialed.status(), 200);
    let state = state().await;
    assert_eq!(logout_requests(&state), (0, 2));
    assert_eq!(sessions(&state), 0, "the cookie reached the pod: {state}");
    drop(symphony);
}
