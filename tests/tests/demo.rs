//! The demo end to end, as a person would use it, in headless Chromium through WebDriver:
//! render the chats, see the signed-in user inside the pod's frames, log out (every frame
//! goes, the pod ends the session, another app on another site embedding the same pod is
//! signed out too), render
//! again onto the pod's sign-in page, sign in there, and log out while the pod fails (the
//! frames still go and the error is shown); then with `?idle=4`, the idle warning, ended by
//! a click in the page, a click inside a chat and Stay signed in, and the idle logout; then the
//! backend choice of the Connection form: the page reloads on Symphony's own `sdk.js`, renders
//! and logs out through it. The pod emulator runs in this process; `./x` builds the demo and names it in `SYMPHONY_DEMO_DIST`. axe-core (npm, which
//! `./x` installs and names in `SYMPHONY_AXE_JS`) checks the page for WCAG 2.2 AA violations
//! rendered, at the idle warning and logged out.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use symphony_e2e::{
    accessibility_violations, check, click_button, click_css, demo_dist, eventually, screenshot, seen,
    text_of, with_pod, Browser, Pod, Result, StaticCsp, USER,
};

/// The longest any one condition may take to come true.
const WAIT: Duration = Duration::from_secs(20);

/// The demo's chats: (container id, stream id). The first is the main frame.
const MAIN: (&str, &str) = ("desk-main", "atlas-deal-room");
const CHILDREN: [(&str, &str); 2] = [("desk-legal", "atlas-legal"), ("desk-credit", "atlas-credit")];

struct Scenario {
    client: Client,
    /// Runs the demo's pod and serves the demo.
    pod: Arc<Pod>,
    demo_url: String,
    other_app_url: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_renders_logs_out_everywhere_and_fails_closed() {
    let started = Instant::now();
    let dist = demo_dist().unwrap_or_else(|e| panic!("{e}"));
    // The demo is served under the strict CSP an app embedding the pod should use.
    let pod = Arc::new(
        Pod::start(&dist, StaticCsp::default())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    // The demo is served on localhost and the pod on 127.0.0.1: two sites, so the demo embeds
    // the pod cross-site. Another web app, on a third origin and another site than the demo
    // (127.0.0.1, the pod's), embeds the same pod: its frame's cookies are not the demo's
    // (partitioned by the top-level site), so it has a session of its own.
    let other_app_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/other-app");
    // A plain fixture page with an inline script: no policy.
    let other_app = Pod::start(&other_app_dir, StaticCsp::Off)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let browser = Browser::launch().await.unwrap_or_else(|e| panic!("{e}"));

    let scenario = Scenario {
        client: browser.client().clone(),
        demo_url: with_pod(
            &pod.cross_site_static_url().unwrap_or_else(|e| panic!("{e}")),
            &pod.url(),
        ),
        other_app_url: with_pod(
            &other_app.static_url().unwrap_or_else(|e| panic!("{e}")),
            &pod.url(),
        ),
        pod: pod.clone(),
    };
    // The steps run in a task so that the browser is closed whatever happens to them.
    let outcome = tokio::spawn(async move { scenario.run().await }).await;
    browser.quit().await;
    other_app.shutdown().await;
    if let Ok(pod) = Arc::try_unwrap(pod) {
        pod.shutdown().await;
    }
    match outcome {
        Ok(Ok(())) => eprintln!("end-to-end scenario passed in {:?}", started.elapsed()),
        Ok(Err(failure)) => panic!("{failure}"),
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    }
}

impl Scenario {
    async fn run(&self) -> Result<()> {
        let mut clock = Instant::now();
        let mut lap = |step: &str| {
            eprintln!("{step}: {:?}", clock.elapsed());
            clock = Instant::now();
        };
        self.client.goto(&self.demo_url).await.map_err(seen)?;
        self.the_demo_runs_under_a_strict_policy().await?;
        lap("strict policy in force");
        self.render_shows_the_signed_in_user().await?;
        lap("render shows the signed-in user");
        self.accessible("rendered").await?;
        let other_app = self.another_app_is_signed_in().await?;
        lap("another app is signed in");
        self.log_out_removes_every_frame_and_ends_the_session().await?;
        lap("log out");
        self.accessible("logged out").await?;
        self.the_other_app_is_signed_out_after_reload(&other_app).await?;
        lap("the other app is signed out");
        self.render_again_shows_the_sign_in_page().await?;
        lap("render again: sign-in page");
        self.a_failing_logout_still_removes_every_frame().await?;
        lap("failing logout");
        self.the_settings_refuse_bad_values_and_apply_good_ones().await?;
        lap("settings");
        self.a_bad_pod_in_the_page_url_shows_the_form().await?;
        lap("bad ?pod=");
        self.nothing_violated_the_policy().await?;
        self.an_idle_user_is_warned_then_signed_out().await?;
        lap("idle logout");
        self.nothing_violated_the_policy().await?;
        self.the_form_switches_to_symphonys_sdk_js().await?;
        lap("the sdk.js backend: switched");
        self.log_out_over_sdk_js_removes_every_frame_and_ends_the_session()
            .await?;
        lap("the sdk.js backend: log out");
        self.nothing_violated_the_policy().await?;
        Ok(())
    }

    // ---- the steps ----

    /// axe-core finds no WCAG 2.2 AA violation in the page as it is now (`state` names it).
    async fn accessible(&self, state: &str) -> Result<()> {
        let violations = accessibility_violations(&self.client).await?;
        check(violations.is_empty(), || {
            format!("WCAG 2.2 AA violations in the {state} page: {violations:?}")
        })
    }

    /// The Connection form's backend choice reloads the page on Symphony's own sdk.js,
    /// under the same strict policy with only the pod added to `script-src`; the chats
    /// render through `window.symphony`.
    async fn the_form_switches_to_symphonys_sdk_js(&self) -> Result<()> {
        // A new browser for the pod: it signs alice in again by itself.
        self.pod.reset().await?;
        self.client.goto(&self.demo_url).await.map_err(seen)?;
        self.wait_for_header("Signed in").await?;
        let backend = text_of(&self.client, "[data-testid=backend]").await?;
        check(backend == "protocol", || {
            format!("backend {backend:?} by default")
        })?;
        click_css(&self.client, "#backend option[value=sdk]").await?;
        click_button(&self.client, "Apply").await?;
        eventually("the page reloaded on sdk.js", WAIT, || async {
            let backend = text_of(&self.client, "[data-testid=backend]").await?;
            check(backend == "sdk", || format!("backend {backend:?}"))
        })
        .await?;
        let url = self.client.current_url().await.map_err(seen)?;
        check(url.query().is_some_and(|q| q.contains("backend=sdk")), || {
            format!("at {url}")
        })?;
        let policy = reqwest::get(url.as_str())
            .await
            .map_err(|e| format!("GET demo: {e}"))?
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let pod = self.pod.url();
        check(
            policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {pod};"))
                && policy.contains("style-src 'self';"),
            || format!("the sdk.js page's policy is {policy:?}"),
        )?;
        self.wait_for_header("Signed in").await?;
        let script = self
            .client
            .execute(
                "const s = document.getElementById('symphony-ecm-sdk'); return s && s.src;",
                vec![],
            )
            .await
            .map_err(seen)?;
        check(script == json!(format!("{pod}/embed/sdk.js")), || {
            format!("the sdk.js script: {script}")
        })?;
        let user = self.wait_in_main_frame("#user").await?;
        check(user == USER, || format!("the main frame shows user {user:?}"))?;
        self.the_children_show_their_streams().await?;
        let ours = self
            .client
            .find_all(Locator::Css("iframe[data-symphony-instance]"))
            .await
            .map_err(seen)?;
        check(ours.is_empty(), || {
            "frames of the built-in protocol on the sdk.js page".into()
        })?;
        screenshot(&self.client, "12-sdk-js-signed-in").await?;
        Ok(())
    }

    /// Log out over sdk.js: every frame hidden at once and removed, the pod session ended,
    /// Symphony's `{}` shown.
    async fn log_out_over_sdk_js_removes_every_frame_and_ends_the_session(&self) -> Result<()> {
        let users = self.pod.session_users().await?;
        check(users == [USER], || {
            format!("before the logout the pod has {users:?}")
        })?;
        let before = text_of(&self.client, "[data-testid=logout-result]").await?;
        self.log_out_slowly_with_every_frame_hidden_at_once(&before)
            .await?;
        let users = self.pod.session_users().await?;
        check(users.is_empty(), || {
            format!("the pod still has sessions: {users:?}")
        })?;
        let (_, http) = self.pod.logout_requests().await?;
        check(http == 1, || format!("sdk.js's logout made {http} requests"))?;
        screenshot(&self.client, "13-sdk-js-logged-out").await?;
        Ok(())
    }

    /// The demo's origin sends the strict policy, and a violation of it would be seen: an
    /// inline `<style>` (what the library once used to hide frames) is reported.
    async fn the_demo_runs_under_a_strict_policy(&self) -> Result<()> {
        let response = reqwest::get(&self.demo_url)
            .await
            .map_err(|e| format!("GET demo: {e}"))?;
        let policy = response
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        check(
            policy.contains("style-src 'self';") && policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
            || format!("the demo's policy is {policy:?}"),
        )?;
        self.wait_for_header("Signed in").await?;
        self.client
            .execute(
                "const s = document.createElement('style'); s.textContent = 'p{}'; document.head.append(s); s.remove();",
                vec![],
            )
            .await
            .map_err(seen)?;
        eventually("the probe's violation reported", WAIT, || async {
            let seen = self.policy_violations().await?;
            check(seen.iter().any(|v| v.starts_with("style-src")), || {
                format!("violations seen: {seen:?}")
            })
        })
        .await?;
        self.client
            .execute("window.dealDeskCspViolations.length = 0;", vec![])
            .await
            .map_err(seen)?;
        Ok(())
    }

    /// Render, logout, render again, sign-in, a failing logout and a new config: the app
    /// and the library did nothing the strict policy forbids.
    async fn nothing_violated_the_policy(&self) -> Result<()> {
        let seen = self.policy_violations().await?;
        check(seen.is_empty(), || format!("CSP violations: {seen:?}"))
    }
    async fn render_shows_the_signed_in_user(&self) -> Result<()> {
        // Mounting the chats renders them once; Render must render them again.
        self.wait_for_header("Signed in").await?;
        // The mount loaded the main frame and two child frames, and nothing else.
        let loaded = eventually("the mount's three frames loaded", WAIT, || async {
            let now = self.pod.frames_loaded().await?;
            check(now == 3, || format!("framesLoaded {now}")).map(|()| now)
        })
        .await?;
        click_button(&self.client, "Render").await?;
        eventually("three new frames loaded by the pod", WAIT, || async {
            let now = self.pod.frames_loaded().await?;
            check(now >= loaded + 3, || format!("framesLoaded {loaded} -> {now}"))
        })
        .await?;
        self.wait_for_state("Rendered").await?;
        self.check_frames_from_the_pod().await?;
        let user = self.wait_in_main_frame("#user").await?;
        check(user == USER, || {
            format!("the main frame shows user {user:?}, not {USER:?}")
        })?;
        self.the_children_show_their_streams().await?;
        self.wait_for_header("Signed in").await?;
        screenshot(&self.client, "01-signed-in").await?;
        Ok(())
    }

    /// Opens the other app in a second tab; answers its window handle.
    async fn another_app_is_signed_in(&self) -> Result<fantoccini::wd::WindowHandle> {
        let demo = self.client.window().await.map_err(seen)?;
        let tab = self.client.new_window(true).await.map_err(seen)?;
        self.client
            .switch_to_window(tab.handle.clone())
            .await
            .map_err(seen)?;
        self.client.goto(&self.other_app_url).await.map_err(seen)?;
        let user = self.wait_in_frame("#ops-frame", "#user").await?;
        check(user == USER, || format!("the other app's frame shows {user:?}"))?;
        screenshot(&self.client, "02-other-app-signed-in").await?;
        self.client.switch_to_window(demo).await.map_err(seen)?;
        Ok(tab.handle)
    }

    async fn log_out_removes_every_frame_and_ends_the_session(&self) -> Result<()> {
        // Two sessions of alice: the demo's and the other app's, one per site.
        let users = self.pod.session_users().await?;
        check(users == [USER, USER], || {
            format!("alice has a session on each site before the logout; the pod has {users:?}")
        })?;
        let before = text_of(&self.client, "[data-testid=logout-result]").await?;
        check(before.is_empty(), || {
            format!("a logout result before any logout: {before:?}")
        })?;
        // The pod takes its time: every frame must be hidden at once, under the strict policy.
        self.log_out_slowly_with_every_frame_hidden_at_once(&before)
            .await?;
        self.wait_for_header("Logged out").await?;
        let users = self.pod.session_users().await?;
        check(users.is_empty(), || {
            format!("the pod still has sessions: {users:?}")
        })?;
        let (frame, http) = self.pod.logout_requests().await?;
        check(frame + http == 1, || {
            format!("one logout request expected, the pod got {frame} (frame) + {http} (http)")
        })?;
        let reason = text_of(&self.client, "[data-testid=logout-reason]").await?;
        check(reason == "requested", || format!("logout-reason {reason:?}"))?;
        let unconfirmed = self
            .client
            .find_all(Locator::Css("[data-testid=sign-out-unconfirmed]"))
            .await
            .map_err(seen)?;
        check(unconfirmed.is_empty(), || {
            "a confirmed sign-out said unconfirmed".into()
        })?;
        let warnings = self
            .client
            .find_all(Locator::Css("[data-testid=idle-warning]"))
            .await
            .map_err(seen)?;
        check(warnings.is_empty(), || "an idle warning without ?idle".into())?;
        screenshot(&self.client, "03-logged-out").await?;
        Ok(())
    }

    async fn the_other_app_is_signed_out_after_reload(
        &self,
        tab: &fantoccini::wd::WindowHandle,
    ) -> Result<()> {
        let demo = self.client.window().await.map_err(seen)?;
        self.client.switch_to_window(tab.clone()).await.map_err(seen)?;
        self.client.refresh().await.map_err(seen)?;
        let title = self.wait_in_frame("#ops-frame", "#signin h1").await?;
        check(title == "Sign in", || {
            format!("the other app's frame shows {title:?}")
        })?;
        let user = self.text_in_frame("#ops-frame", "#user").await;
        check(user.is_err(), || {
            format!("the other app still shows a user: {user:?}")
        })?;
        screenshot(&self.client, "04-other-app-signed-out").await?;
        self.client.close_window().await.map_err(seen)?;
        self.client.switch_to_window(demo).await.map_err(seen)?;
        Ok(())
    }

    async fn render_again_shows_the_sign_in_page(&self) -> Result<()> {
        click_button(&self.client, "Render").await?;
        self.wait_for_state("Rendered").await?;
        self.check_frames_from_the_pod().await?;
        let title = self.wait_in_main_frame("#signin h1").await?;
        check(title == "Sign in", || format!("the main frame shows {title:?}"))?;
        self.wait_for_header("Waiting for sign-in").await?;
        // Not ready within the interaction timeout (8 s): the demo says the chat needs the user.
        let notice = eventually("the interaction signal", Duration::from_secs(15), || async {
            text_of(&self.client, "[data-testid=interaction-required]").await
        })
        .await?;
        check(notice.contains("sign in"), || {
            format!("interaction-required says {notice:?}")
        })?;
        screenshot(&self.client, "05-rendered-sign-in").await?;
        Ok(())
    }

    async fn a_failing_logout_still_removes_every_frame(&self) -> Result<()> {
        // Sign in again, in the pod's own form inside the main frame.
        self.sign_in_in_main_frame().await?;
        let user = self.wait_in_main_frame("#user").await?;
        check(user == USER, || format!("signed in as {user:?}"))?;
        self.wait_for_header("Signed in").await?;
        let notices = self
            .client
            .find_all(Locator::Css("[data-testid=interaction-required]"))
            .await
            .map_err(seen)?;
        check(notices.is_empty(), || {
            "the interaction signal stayed after the sign-in".to_owned()
        })?;

        let faults = self.pod.set_faults(json!({"logout": {"status": 500}})).await?;
        check(faults["logout"] == json!({"status": 500}), || {
            format!("faults now {faults}")
        })?;
        // The first logout's `{}` is still shown; the new result replaces it.
        let before = text_of(&self.client, "[data-testid=logout-result]").await?;
        click_button(&self.client, "Log out").await?;
        let result = self.wait_for_logout_result(&before).await?;
        let parsed: Value = serde_json::from_str(&result)
            .map_err(|e| format!("logout-result {result:?} is not JSON: {e}"))?;
        check(parsed["error"]["type"] == "ERROR", || {
            format!("logout-result {result}")
        })?;
        check(parsed["error"]["data"]["status"] == 500, || {
            format!("logout-result {result}")
        })?;
        self.wait_for_state("LoggedOut").await?;
        let frames = self.iframe_count().await?;
        check(frames == 0, || format!("fail closed: {frames} iframes left"))?;
        let users = self.pod.session_users().await?;
        check(users == [USER], || {
            format!("the pod refused the logout, so it keeps alice's session; it has {users:?}")
        })?;
        let notice = text_of(&self.client, "[data-testid=sign-out-unconfirmed]").await?;
        check(notice.contains("may not have completed"), || {
            format!("after the refused logout the page says {notice:?}")
        })?;
        screenshot(&self.client, "06-logout-failed").await?;
        Ok(())
    }

    async fn the_settings_refuse_bad_values_and_apply_good_ones(&self) -> Result<()> {
        // Plain http to a remote host: the library's ConfigError, shown in the form.
        self.type_into("pod-url", "http://pod.example.com").await?;
        click_button(&self.client, "Apply").await?;
        let error = eventually("the config error", WAIT, || async {
            text_of(&self.client, "[data-testid=config-error]").await
        })
        .await?;
        check(error.contains("must use https"), || {
            format!("config error {error:?}")
        })?;
        let state = text_of(&self.client, "[data-testid=session-state]").await?;
        check(state == "LoggedOut", || {
            format!("a refused config changed the session: {state}")
        })?;
        screenshot(&self.client, "07-config-error").await?;

        // A valid config (another partner id) starts a new session, which renders the chats.
        self.type_into("pod-url", &self.pod.url()).await?;
        self.type_into("partner-id", "desk-two").await?;
        click_button(&self.client, "Apply").await?;
        self.wait_for_state("Rendered").await?;
        self.check_frames_from_the_pod().await?;
        let main_src = self
            .client
            .find(Locator::Css(&format!("#{} iframe", MAIN.0)))
            .await
            .map_err(seen)?
            .attr("src")
            .await
            .map_err(seen)?
            .unwrap_or_default();
        check(main_src.contains("partnerId=desk-two"), || {
            format!("the new session's main frame is {main_src}")
        })?;
        let errors = self
            .client
            .find_all(Locator::Css("[data-testid=config-error]"))
            .await
            .map_err(seen)?;
        check(errors.is_empty(), || "the config error is still shown".into())?;
        // The pod kept alice's session when it refused the logout.
        self.wait_for_header("Signed in").await?;
        screenshot(&self.client, "08-new-config").await?;
        Ok(())
    }

    async fn a_bad_pod_in_the_page_url_shows_the_form(&self) -> Result<()> {
        let base = self.demo_url.split('?').next().unwrap_or_default();
        self.client
            .goto(&format!("{base}?pod=ftp://pod.example.com"))
            .await
            .map_err(seen)?;
        let error = eventually("the config error of ?pod=", WAIT, || async {
            text_of(&self.client, "[data-testid=config-error]").await
        })
        .await?;
        check(error.contains("ftp://pod.example.com"), || {
            format!("config error {error:?}")
        })?;
        let header = text_of(&self.client, "header [data-testid=signed-in]").await?;
        check(header == "No pod configured", || {
            format!("the header says {header:?}")
        })?;
        let frames = self.iframe_count().await?;
        check(frames == 0, || format!("{frames} iframes without a valid pod"))?;
        screenshot(&self.client, "09-bad-pod-in-url").await?;
        Ok(())
    }

    /// `?idle=4`: the warning comes halfway; a click in the page (trusted input, which only
    /// WebDriver can make) ends it, so does a click inside a chat, and so does Stay signed
    /// in; then, left alone, the desk signs out for idleness and the pod session ends.
    async fn an_idle_user_is_warned_then_signed_out(&self) -> Result<()> {
        // The pod still has alice's session (it refused the failing logout); it answers
        // logouts again.
        self.pod.set_faults(json!({"logout": "ok"})).await?;
        let url =
            reqwest::Url::parse_with_params(&self.demo_url, [("idle", "4")]).map_err(|e| e.to_string())?;
        self.client.goto(url.as_str()).await.map_err(seen)?;
        self.wait_for_header("Signed in").await?;
        let requests_before = self.pod.logout_requests().await?;
        let countdown = self.wait_for_idle_warning().await?;
        check(countdown == "1" || countdown == "2", || {
            format!("the countdown shows {countdown:?} s")
        })?;
        screenshot(&self.client, "10-idle-warning").await?;
        self.accessible("idle warning").await?;
        check(
            self.client
                .find_all(Locator::Css("[data-testid=idle-warning]"))
                .await
                .map_err(seen)?
                .len()
                == 1,
            || "the idle warning went while axe checked the page: it was not checked".into(),
        )?;
        // A click on plain text in the page is the user's activity.
        click_css(&self.client, "[data-testid=session-state]").await?;
        self.wait_for_no_idle_warning("a click in the page").await?;
        // A click inside a chat, which the page cannot see: a Focus child frame tells its
        // main frame, which tells us (ActivityNotifications).
        self.wait_for_idle_warning().await?;
        self.click_in_frame(&format!("#{} iframe", CHILDREN[0].0), "#stream")
            .await?;
        self.wait_for_no_idle_warning("a click inside a chat").await?;
        self.wait_for_idle_warning().await?;
        click_button(&self.client, "Stay signed in").await?;
        self.wait_for_no_idle_warning("Stay signed in").await?;
        // Left alone: warned again, then signed out.
        self.wait_for_idle_warning().await?;
        let reason = eventually("logout-reason idle", WAIT, || async {
            let reason = text_of(&self.client, "[data-testid=logout-reason]").await?;
            check(reason == "idle", || format!("logout-reason {reason:?}")).map(|()| reason)
        })
        .await?;
        check(reason == "idle", || reason.clone())?;
        self.wait_for_state("LoggedOut").await?;
        let frames = self.iframe_count().await?;
        check(frames == 0, || format!("{frames} iframes after the idle logout"))?;
        let users = self.pod.session_users().await?;
        check(users.is_empty(), || {
            format!("the pod still has sessions: {users:?}")
        })?;
        let (frame, http) = self.pod.logout_requests().await?;
        check(frame + http == requests_before.0 + requests_before.1 + 1, || {
            format!("one more logout request: {requests_before:?} -> ({frame}, {http})")
        })?;
        screenshot(&self.client, "11-idle-logged-out").await?;
        Ok(())
    }

    /// Clicks Log out while the pod takes 1.5 s to answer: the three frames are hidden at
    /// once, then `{}` is shown and no frame is left.
    async fn log_out_slowly_with_every_frame_hidden_at_once(&self, before: &str) -> Result<()> {
        self.pod.set_faults(json!({"logout": {"delayMs": 1500}})).await?;
        click_button(&self.client, "Log out").await?;
        let visibility = self
            .client
            .execute(
                "return [...document.querySelectorAll('iframe')].map(f => getComputedStyle(f).visibility);",
                vec![],
            )
            .await
            .map_err(seen)?;
        check(visibility == json!(["hidden", "hidden", "hidden"]), || {
            format!("right after Log out the frames' visibility is {visibility}")
        })?;
        let result = self.wait_for_logout_result(before).await?;
        self.pod.set_faults(json!({"logout": "ok"})).await?;
        check(result == "{}", || {
            format!("logout-result is {result:?}, not {{}}")
        })?;
        self.wait_for_state("LoggedOut").await?;
        let frames = self.iframe_count().await?;
        check(frames == 0, || format!("{frames} iframes left after the logout"))
    }

    /// Each Focus chat's frame shows its stream.
    async fn the_children_show_their_streams(&self) -> Result<()> {
        for (container, stream) in CHILDREN {
            eventually(&format!("{container}'s frame showing {stream}"), WAIT, || async {
                let shown = self
                    .text_in_frame(&format!("#{container} iframe"), "#stream")
                    .await?;
                check(shown == stream, || format!("it shows {shown:?}"))
            })
            .await?;
        }
        Ok(())
    }
    /// Waits for the idle warning; answers the countdown it shows.
    async fn wait_for_idle_warning(&self) -> Result<String> {
        eventually("the idle warning", WAIT, || async {
            text_of(&self.client, "[data-testid=idle-countdown]").await
        })
        .await
    }

    async fn wait_for_no_idle_warning(&self, after: &str) -> Result<()> {
        eventually(&format!("the idle warning gone after {after}"), WAIT, || async {
            let shown = self
                .client
                .find_all(Locator::Css("[data-testid=idle-warning]"))
                .await
                .map_err(seen)?;
            check(shown.is_empty(), || "the idle warning still shows".into())
        })
        .await?;
        // Gone because of the activity, not because the idle logout came.
        let state = text_of(&self.client, "[data-testid=session-state]").await?;
        check(state == "Rendered", || {
            format!("after {after} the session is {state}, not Rendered")
        })
    }

    // ---- what the steps look at ----

    /// Replaces the text of the input with this id.
    async fn type_into(&self, id: &str, text: &str) -> Result<()> {
        let input = self.client.find(Locator::Id(id)).await.map_err(seen)?;
        input.clear().await.map_err(seen)?;
        input.send_keys(text).await.map_err(seen)?;
        let value = input.prop("value").await.map_err(seen)?.unwrap_or_default();
        check(value == text, || {
            format!("#{id} holds {value:?} after typing {text:?}")
        })
    }

    async fn wait_for_state(&self, state: &str) -> Result<()> {
        eventually(&format!("session-state {state}"), WAIT, || async {
            let now = text_of(&self.client, "[data-testid=session-state]").await?;
            check(now == state, || format!("session-state {now:?}"))
        })
        .await
    }

    async fn wait_for_header(&self, label: &str) -> Result<()> {
        eventually(&format!("the header saying {label:?}"), WAIT, || async {
            let now = text_of(&self.client, "header [data-testid=signed-in]").await?;
            check(now == label, || format!("the header says {now:?}"))
        })
        .await
    }

    /// Waits for a logout result other than `before` (what was shown before the click), and
    /// answers it.
    async fn wait_for_logout_result(&self, before: &str) -> Result<String> {
        eventually("a new logout result", WAIT, || async {
            let result = text_of(&self.client, "[data-testid=logout-result]").await?;
            if result.is_empty() || result == before {
                Err(format!("logout-result still {result:?}"))
            } else {
                Ok(result)
            }
        })
        .await
    }

    /// What the demo's `securitypolicyviolation` listener (boot.js) recorded.
    async fn policy_violations(&self) -> Result<Vec<String>> {
        let seen = self
            .client
            .execute("return window.dealDeskCspViolations || null;", vec![])
            .await
            .map_err(seen)?;
        serde_json::from_value(seen.clone()).map_err(|_| format!("no violation list in the page: {seen}"))
    }

    async fn iframe_count(&self) -> Result<usize> {
        let frames = self.client.find_all(Locator::Css("iframe")).await.map_err(seen)?;
        Ok(frames.len())
    }

    /// Three visible frames from the pod, each filling its chat's box: the main frame in the
    /// main chat, child frames in the two others.
    async fn check_frames_from_the_pod(&self) -> Result<()> {
        let pod = self.pod.url();
        eventually("three iframes", WAIT, || async {
            let n = self.iframe_count().await?;
            check(n == 3, || format!("{n} iframes"))
        })
        .await?;
        let main_prefix = format!("{pod}/apps/embed/default?");
        let child_prefix = format!("{pod}/apps/embed/default/frame-root.html#");
        let chats = [(MAIN.0, main_prefix.as_str())].into_iter().chain(
            CHILDREN
                .iter()
                .map(|(container, _)| (*container, child_prefix.as_str())),
        );
        for (container, prefix) in chats {
            let frame = self
                .client
                .find(Locator::Css(&format!("#{container} iframe")))
                .await
                .map_err(|e| format!("no iframe in #{container}: {e}"))?;
            let src = frame.attr("src").await.map_err(seen)?.unwrap_or_default();
            check(src.starts_with(&pod) && src.starts_with(prefix), || {
                format!("#{container}'s frame src {src:?} does not start with {prefix:?}")
            })?;
            check(frame.is_displayed().await.map_err(seen)?, || {
                format!("#{container}'s frame is not visible")
            })?;
            let boxed = self
                .client
                .find(Locator::Id(container))
                .await
                .map_err(seen)?
                .rectangle()
                .await
                .map_err(seen)?;
            let rect = frame.rectangle().await.map_err(seen)?;
            check(
                rect.2 >= 150.0
                    && rect.3 >= 150.0
                    && (rect.2 - boxed.2).abs() <= 1.0
                    && (rect.3 - boxed.3).abs() <= 1.0,
                || format!("#{container}'s frame {rect:?} does not fill its box {boxed:?}"),
            )?;
        }
        let main_src = self
            .client
            .find(Locator::Css(&format!("#{} iframe", MAIN.0)))
            .await
            .map_err(seen)?
            .attr("src")
            .await
            .map_err(seen)?
            .unwrap_or_default();
        let url = reqwest::Url::parse(&main_src).map_err(|e| format!("main frame src {main_src:?}: {e}"))?;
        let demo_origin = reqwest::Url::parse(&self.demo_url)
            .map_err(|e| e.to_string())?
            .origin()
            .ascii_serialization();
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        check(
            param("sdkOrigin").as_deref() == Some(demo_origin.as_str()),
            || {
                format!(
                    "main frame sdkOrigin {:?}, expected {demo_origin}",
                    param("sdkOrigin")
                )
            },
        )?;
        check(param("streamId").as_deref() == Some(MAIN.1), || {
            format!("main frame streamId {:?}", param("streamId"))
        })?;
        Ok(())
    }

    /// Back to the page's top-level document, from any frame (even a removed one).
    async fn to_top(&self) -> Result<()> {
        let window = self.client.window().await.map_err(seen)?;
        self.client.switch_to_window(window).await.map_err(seen)
    }

    /// Switches into the frame `frame` (a CSS selector in the page); `to_top` goes back.
    async fn enter(&self, frame: &str) -> Result<()> {
        self.to_top().await?;
        let element = self
            .client
            .find(Locator::Css(frame))
            .await
            .map_err(|e| format!("no frame {frame}: {e}"))?;
        element.enter_frame().await.map_err(seen)
    }

    /// The text of `inner` inside the frame `frame` (a CSS selector in the page).
    async fn text_in_frame(&self, frame: &str, inner: &str) -> Result<String> {
        self.enter(frame).await?;
        let text = text_of(&self.client, inner).await;
        self.to_top().await?;
        text.map_err(|e| format!("in {frame}, {inner}: {e}"))
    }

    /// Clicks the element `inner` inside the frame `frame` (trusted input in that frame).
    async fn click_in_frame(&self, frame: &str, inner: &str) -> Result<()> {
        self.enter(frame).await?;
        let clicked = match self.client.find(Locator::Css(inner)).await {
            Ok(target) => target.click().await.map_err(seen),
            Err(e) => Err(format!("in {frame}, {inner}: {e}")),
        };
        self.to_top().await?;
        clicked
    }

    async fn wait_in_frame(&self, frame: &str, inner: &str) -> Result<String> {
        eventually(&format!("{inner} inside {frame}"), WAIT, || async {
            self.text_in_frame(frame, inner).await
        })
        .await
    }

    async fn wait_in_main_frame(&self, inner: &str) -> Result<String> {
        self.wait_in_frame(&format!("#{} iframe", MAIN.0), inner).await
    }

    /// Types the user name into the pod's sign-in form inside the main frame and submits it.
    async fn sign_in_in_main_frame(&self) -> Result<()> {
        self.enter(&format!("#{} iframe", MAIN.0)).await?;
        let typed = async {
            let input = self.client.find(Locator::Id("signin-user")).await?;
            input.send_keys(USER).await?;
            self.client
                .find(Locator::Css("#signin button[type=submit]"))
                .await?
                .click()
                .await
        }
        .await;
        self.to_top().await?;
        typed.map_err(|e| format!("signing in inside the main frame: {e}"))
    }
}
