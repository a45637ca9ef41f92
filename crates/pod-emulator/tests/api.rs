//! Sessions, logout transports, faults, CORS and the admin API over real
//! HTTP.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use symphony_pod_emulator::{AllowedOrigins, OriginPattern};

#[tokio::test]
async fn sign_in_sets_cookie_and_logout_ends_session() {
    let pod = pod().await;
    let client = browser();
    let resp = client
        .post(format!("{}/login", pod.url()))
        .form(&[("user", "alice")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    let cookies = set_cookies(&resp);
    let session_name = format!("symphony_session_{}=", pod.port());
    // Both cookies are set for a cross-site frame: SameSite=None; Secure; Partitioned.
    let session_cookie = assert_sign_in_cookies(&cookies, pod.port());
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, json!({"user": "alice"}));

    let st = state(&pod).await;
    let sessions = st["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["user"], "alice");
    let id = sessions[0]["id"].as_str().expect("id");
    assert!(session_cookie.starts_with(&format!("{session_name}{id};")));

    let resp = send(client.post(format!("{}/logout", pod.url())), "logout").await;
    assert_eq!(resp.status(), 200);
    // The clearing cookie repeats the attributes: a partitioned cookie is only replaced by
    // one with the same name, path and partition.
    let cleared = set_cookie_named(&set_cookies(&resp), &format!("symphony_session_{}", pod.port()));
    assert!(cleared.starts_with(&format!("{session_name};")), "{cleared}");
    assert_eq!(
        cookie_attributes(&cleared),
        embeddable_with(&["Max-Age=0"]),
        "{cleared}"
    );
    assert_eq!(resp.json::<Value>().await.expect("json"), json!({}));

    let st = state(&pod).await;
    assert_eq!(st["sessions"], json!([]));
    assert_eq!(st["logoutRequests"], json!({"frame": 0, "http": 1}));
    pod.shutdown().await;
}

#[tokio::test]
async fn logout_is_idempotent() {
    let pod = pod().await;
    let client = browser();
    for _ in 0..2 {
        let resp = send(client.post(format!("{}/logout", pod.url())), "logout").await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.json::<Value>().await.expect("json"), json!({}));
    }
    sign_in(&pod, &client, "bob").await;
    for _ in 0..2 {
        let resp = send(client.post(format!("{}/logout", pod.url())), "logout").await;
        assert_eq!(resp.status(), 200);
    }
    let st = state(&pod).await;
    assert_eq!(st["sessions"], json!([]));
    assert_eq!(st["logoutRequests"]["http"], 4);
    pod.shutdown().await;
}

#[tokio::test]
async fn another_users_session_stays() {
    let pod = pod().await;
    let (a, b) = (browser(), browser());
    sign_in(&pod, &a, "alice").await;
    sign_in(&pod, &b, "bob").await;
    a.post(format!("{}/logout", pod.url()))
        .send()
        .await
        .expect("logout");
    assert_eq!(session_users(&state(&pod).await), ["bob"]);
    pod.shutdown().await;
}

/// With partitioned cookies, each top-level site embedding the pod has its own cookie and
/// so its own session. Symphony's logout signs the user out of every instance in the
/// browser, so the pod ends every session of the cookie's user, on both transports.
#[tokio::test]
async fn logout_ends_every_session_of_the_user() {
    for path in ["/logout", "/apps/embed/logout"] {
        let pod = pod().await;
        let (first_site, second_site, other_user) = (browser(), browser(), browser());
        sign_in(&pod, &first_site, "alice").await;
        sign_in(&pod, &other_user, "bob").await;
        sign_in(&pod, &second_site, "alice").await;
        assert_eq!(session_users(&state(&pod).await), ["alice", "bob", "alice"]);

        let resp = send(first_site.post(format!("{}{path}", pod.url())), path).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(session_users(&state(&pod).await), ["bob"], "{path}");

        // The other site's cookie names a session that is gone: its frame is signed out.
        let (_, html) = focus_frame(&pod, &second_site).await;
        assert!(
            is_sign_in_page(&html),
            "{path}: the other site's frame is signed out"
        );
        let (_, html) = focus_frame(&pod, &other_user).await;
        assert!(is_chat_page(&html), "{path}: another user stays signed in");
        pod.shutdown().await;
    }
}

/// The same through the frames: two sites' main frames, each signed in by auto-login with
/// its own cookies, then a logout from one of them.
#[tokio::test]
async fn logout_from_one_auto_login_site_ends_the_others() {
    let pod = pod_with(|c| c.auto_login = Some("alice".into())).await;
    let (first_site, second_site) = (browser(), browser());
    for site in [&first_site, &second_site] {
        let (_, html) = focus_frame(&pod, site).await;
        assert!(is_chat_page(&html));
    }
    assert_eq!(session_users(&state(&pod).await), ["alice", "alice"]);
    send(
        first_site.post(format!("{}/apps/embed/logout", pod.url())),
        "frame logout",
    )
    .await;
    assert_eq!(state(&pod).await["sessions"], json!([]));
    let (_, html) = focus_frame(&pod, &second_site).await;
    assert!(
        is_sign_in_page(&html),
        "the other site is signed out, and stays so"
    );
    pod.shutdown().await;
}

#[tokio::test]
async fn frame_logout_path_counts_frame() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let resp = send(
        client.post(format!("{}/apps/embed/logout", pod.url())),
        "frame logout",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let st = state(&pod).await;
    assert_eq!(st["logoutRequests"], json!({"frame": 1, "http": 0}));
    assert_eq!(st["sessions"], json!([]));
    pod.shutdown().await;
}

#[tokio::test]
async fn login_validation_and_return_redirect() {
    let pod = pod().await;
    let client = plain();
    let login = |body: &'static [(&'static str, &'static str)]| {
        client.post(format!("{}/login", pod.url())).form(body).send()
    };

    for bad in [&[][..], &[("user", "")][..], &[("user", "   ")][..]] {
        let resp = login(bad).await.expect("login");
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.expect("json");
        assert!(body["error"].as_str().expect("message").contains("user"));
    }

    let resp = login(&[("user", "alice"), ("return", "/apps/embed/default?x=1")])
        .await
        .expect("login");
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers().get("location").expect("location"),
        "/apps/embed/default?x=1"
    );

    for unsafe_return in ["//evil.example/", "https://evil.example/", "/\\evil.example", "x"] {
        let resp = client
            .post(format!("{}/login", pod.url()))
            .form(&[("user", "alice"), ("return", unsafe_return)])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 200, "return {unsafe_return:?}");
        assert!(resp.headers().get("location").is_none());
    }

    // JSON bodies are accepted too; malformed ones are refused.
    let resp = client
        .post(format!("{}/login", pod.url()))
        .json(&json!({"user": "carol"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    let resp = client
        .post(format!("{}/login", pod.url()))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert!(body["error"].as_str().expect("message").contains("JSON"));
    pod.shutdown().await;
}

#[tokio::test]
async fn auto_login_first_load_then_sign_in_form_after_logout() {
    let pod = pod_with(|c| c.auto_login = Some("alice".into())).await;
    let client = browser();

    // The first load signs the browser in with both cookies, set for a cross-site frame.
    let url = frame_url(
        &pod,
        "/apps/embed/default",
        &[("embed", "true"), ("streamId", "s1"), ("sdkOrigin", HOST_ORIGIN)],
    );
    let resp = send(client.get(url), "first frame").await;
    assert_eq!(resp.status(), 200);
    let cookies = set_cookies(&resp);
    assert_sign_in_cookies(&cookies, pod.port());
    let html = resp.text().await.expect("frame body");
    assert!(is_chat_page(&html), "first load is signed in");
    assert_eq!(element_text(&html, "user"), Some("alice"));
    assert_eq!(state(&pod).await["sessions"][0]["user"], "alice");

    // Still signed in on the next load, without a second session.
    let (_, html) = focus_frame(&pod, &client).await;
    assert!(is_chat_page(&html));
    assert_eq!(state(&pod).await["sessions"].as_array().map(Vec::len), Some(1));

    send(client.post(format!("{}/logout", pod.url())), "logout").await;
    let (_, html) = focus_frame(&pod, &client).await;
    assert!(is_sign_in_page(&html), "known browser gets the sign-in form");
    assert_eq!(state(&pod).await["sessions"], json!([]));

    // Another browser is new to the pod: auto-login again.
    let other = browser();
    let (_, html) = focus_frame(&pod, &other).await;
    assert!(is_chat_page(&html));

    // Reset forgets known browsers.
    send(plain().post(format!("{}/__emulator/reset", pod.url())), "reset").await;
    let (_, html) = focus_frame(&pod, &client).await;
    assert!(is_chat_page(&html), "after reset the browser is new again");
    pod.shutdown().await;
}

#[tokio::test]
async fn cors_preflight_allowed_and_refused() {
    let pod = pod().await;
    let client = plain();
    let preflight = |origin: &'static str, path: &'static str, method: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}{}", pod.url(), path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };

    for (path, method) in [
        ("/logout", "POST"),
        ("/login", "POST"),
        ("/__emulator/faults", "PUT"),
        ("/__emulator/state", "GET"),
    ] {
        let resp = preflight(HOST_ORIGIN, path, method).await.expect("preflight");
        assert_eq!(resp.status(), 204, "{path}");
        let h = resp.headers();
        assert_eq!(h["access-control-allow-origin"], HOST_ORIGIN);
        assert_eq!(h["access-control-allow-credentials"], "true");
        let methods = h["access-control-allow-methods"].to_str().expect("ascii");
        assert!(methods.contains(method), "{methods}");
        assert!(h["access-control-allow-headers"]
            .to_str()
            .expect("ascii")
            .contains("content-type"));

        let resp = preflight("http://evil.example", path, method)
            .await
            .expect("preflight");
        assert_eq!(resp.status(), 403, "{path}");
        assert!(resp.headers().get("access-control-allow-origin").is_none());
    }

    // localhost on any port is allowed by default.
    let resp = preflight("http://localhost:3000", "/logout", "POST")
        .await
        .expect("preflight");
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    pod.shutdown().await;
}

#[tokio::test]
async fn cors_on_actual_requests() {
    let pod = pod().await;
    let client = browser();
    let resp = client
        .post(format!("{}/login", pod.url()))
        .header("Origin", HOST_ORIGIN)
        .form(&[("user", "alice")])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], HOST_ORIGIN);
    assert_eq!(resp.headers()["access-control-allow-credentials"], "true");
    assert!(!set_cookies(&resp).is_empty());

    // A refused origin cannot log out (nor is it counted).
    let resp = client
        .post(format!("{}/logout", pod.url()))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    let st = state(&pod).await;
    assert_eq!(st["logoutRequests"]["http"], 0);
    assert_eq!(st["sessions"].as_array().map(Vec::len), Some(1));

    let resp = client
        .post(format!("{}/logout", pod.url()))
        .header("Origin", HOST_ORIGIN)
        .send()
        .await
        .expect("logout");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], HOST_ORIGIN);
    assert_eq!(state(&pod).await["sessions"], json!([]));

    // Reading state from a refused origin gets no CORS grant.
    let resp = client
        .get(format!("{}/__emulator/state", pod.url()))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .expect("state");
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    pod.shutdown().await;
}

#[tokio::test]
async fn explicit_allowed_origins() {
    let allowed = AllowedOrigins::List(vec![OriginPattern::parse("http://app.test:8080").expect("origin")]);
    let pod = pod_with(|c| c.allowed_origins = allowed).await;
    let client = plain();
    let check = |origin: String| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}/logout", pod.url()))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let ok = check("http://app.test:8080".into()).await.expect("preflight");
    assert_eq!(ok.status(), 204);
    let refused = check(HOST_ORIGIN.into()).await.expect("preflight");
    assert_eq!(refused.status(), 403);
    // The pod's own origin is always trusted.
    let own = check(pod.url()).await.expect("preflight");
    assert_eq!(own.status(), 204);
    pod.shutdown().await;
}

async fn logout_via(
    pod: &symphony_pod_emulator::RunningEmulator,
    client: &reqwest::Client,
    path: &str,
) -> reqwest::Result<reqwest::Response> {
    client.post(format!("{}{}", pod.url(), path)).send().await
}

#[tokio::test]
async fn fault_status_on_both_transports() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let resp = put_faults(&pod, json!({"logout": {"status": 500}})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"logout": {"status": 500}, "mainFrame": "ok", "sdk": {"script": "ok", "logout": "ok", "leaveFrame": false}})
    );
    for path in ["/logout", "/apps/embed/logout"] {
        let resp = logout_via(&pod, &client, path).await.expect("answered");
        assert_eq!(resp.status(), 500, "{path}");
        let body: Value = resp.json().await.expect("json");
        assert!(body["error"].is_string());
    }
    put_faults(&pod, json!({"logout": {"status": 401}})).await;
    let resp = logout_via(&pod, &client, "/logout").await.expect("answered");
    assert_eq!(resp.status(), 401);

    let st = state(&pod).await;
    assert_eq!(st["logoutRequests"], json!({"frame": 1, "http": 2}));
    assert_eq!(st["sessions"].as_array().map(Vec::len), Some(1), "session kept");

    put_faults(&pod, json!({"logout": "ok"})).await;
    let resp = logout_via(&pod, &client, "/logout").await.expect("answered");
    assert_eq!(resp.status(), 200);
    assert_eq!(state(&pod).await["sessions"], json!([]));
    pod.shutdown().await;
}

#[tokio::test]
async fn fault_hang_times_out_and_does_not_block_shutdown() {
    let pod = pod().await;
    put_faults(&pod, json!({"logout": "hang"})).await;
    let short = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    for path in ["/logout", "/apps/embed/logout"] {
        let err = logout_via(&pod, &short, path).await.expect_err("no answer");
        assert!(err.is_timeout(), "{path}: {err}");
    }
    let st = state(&pod).await;
    assert_eq!(st["logoutRequests"], json!({"frame": 1, "http": 1}));

    // A request still hanging when the emulator stops.
    let patient = plain();
    let url = format!("{}/logout", pod.url());
    let in_flight = tokio::spawn(async move { patient.post(url).send().await });
    // Wait until the pod has seen it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while state(&pod).await["logoutRequests"]["http"] != 2 {
        assert!(Instant::now() < deadline, "hung request never arrived");
        tokio::task::yield_now().await;
    }
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), pod.shutdown())
        .await
        .expect("shutdown is not blocked by a hung logout");
    assert!(started.elapsed() < Duration::from_secs(2));
    let outcome = in_flight.await.expect("task");
    assert!(outcome.is_err(), "hung request gets no answer");
}

#[tokio::test]
async fn fault_delay_answers_after_the_delay() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let resp = put_faults(&pod, json!({"logout": {"delayMs": 300}})).await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["logout"],
        json!({"delayMs": 300})
    );
    let started = Instant::now();
    let resp = logout_via(&pod, &client, "/apps/embed/logout")
        .await
        .expect("answered");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(state(&pod).await["sessions"], json!([]));
    pod.shutdown().await;
}

#[tokio::test]
async fn fault_drop_closes_the_connection_without_an_answer() {
    let pod = pod().await;
    let client = browser();
    sign_in(&pod, &client, "alice").await;
    put_faults(&pod, json!({"logout": "drop"})).await;
    for path in ["/logout", "/apps/embed/logout"] {
        let started = Instant::now();
        let err = logout_via(&pod, &client, path).await.expect_err("no HTTP answer");
        assert!(!err.is_timeout(), "{path}: {err}");
        assert!(err.status().is_none(), "{path}: {err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    let st = state(&pod).await;
    // Counted once each: no client retry, since connections are not reused.
    assert_eq!(st["logoutRequests"], json!({"frame": 1, "http": 1}));
    assert_eq!(st["sessions"].as_array().map(Vec::len), Some(1));

    // The pod still serves other requests.
    put_faults(&pod, json!({"logout": "ok"})).await;
    let resp = logout_via(&pod, &client, "/logout").await.expect("answered");
    assert_eq!(resp.status(), 200);
    pod.shutdown().await;
}

#[tokio::test]
async fn fault_validation() {
    let pod = pod().await;
    let client = plain();
    let put_raw = |body: &'static str| {
        client
            .put(format!("{}/__emulator/faults", pod.url()))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let cases: [(&str, &str); 12] = [
        ("{not json", "JSON"),
        ("[1,2]", "object"),
        (r#"{"logout":"explode"}"#, "hang"),
        (r#"{"logout":{"status":200}}"#, "400"),
        (r#"{"logout":{"delayMs":"soon"}}"#, "delayMs"),
        (r#"{"mainFrame":"sometimes"}"#, "neverReady"),
        (r#"{"mainFrame":{"readyAfterMs":600001}}"#, "readyAfterMs"),
        (r#"{"database":"down"}"#, "mainFrame"),
        (r#"{"sdk":"broken"}"#, "must be an object"),
        (r#"{"sdk":{"logout":"sometimes"}}"#, "reject"),
        (r#"{"sdk":{"script":{"delayMs":600001}}}"#, "delayMs"),
        (r#"{"sdk":{"leaveFrame":"yes"}}"#, "leaveFrame"),
    ];
    for (body, mentions) in cases {
        let resp = put_raw(body).await.expect("faults");
        assert_eq!(resp.status(), 400, "{body}");
        let json: Value = resp.json().await.expect("json error");
        let message = json["error"].as_str().expect("error message");
        assert!(message.contains(mentions), "{body}: {message}");
    }
    // Nothing changed.
    assert_eq!(
        state(&pod).await["faults"],
        json!({"logout": "ok", "mainFrame": "ok", "sdk": {"script": "ok", "logout": "ok", "leaveFrame": false}})
    );
    // Combined keys.
    let resp = put_raw(r#"{"logout":"drop","mainFrame":"noAnswer"}"#)
        .await
        .expect("faults");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"logout": "drop", "mainFrame": "noAnswer", "sdk": {"script": "ok", "logout": "ok", "leaveFrame": false}})
    );
    let current: Value = send(client.get(format!("{}/__emulator/faults", pod.url())), "faults")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(current["mainFrame"], "noAnswer");
    // A slow sign-in, read back as set.
    let resp = put_raw(r#"{"mainFrame":{"readyAfterMs":1500}}"#)
        .await
        .expect("faults");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.expect("json")["mainFrame"],
        json!({"readyAfterMs": 1500})
    );
    pod.shutdown().await;
}

#[tokio::test]
async fn admin_messages_state_and_reset() {
    let pod = pod().await;
    let client = plain();
    let resp = client
        .post(format!("{}/__emulator/messages", pod.url()))
        .json(&json!({"streamId": "s1", "text": "hello", "fromName": "Ada"}))
        .send()
        .await
        .expect("inject");
    assert_eq!(resp.status(), 201);
    let event: Value = resp.json().await.expect("json");
    assert_eq!(event["streamId"], "s1");
    assert_eq!(event["unread"], 1);
    assert_eq!(event["globalUnread"], 1);

    client
        .post(format!("{}/__emulator/messages", pod.url()))
        .json(&json!({"streamId": "s2", "text": "second"}))
        .send()
        .await
        .expect("inject");

    for bad in [
        "not json",
        "[]",
        r#"{"text":"no stream"}"#,
        r#"{"streamId":"s1"}"#,
        r#"{"streamId":"s1","text":""}"#,
        r#"{"streamId":"s1","text":5}"#,
        r#"{"streamId":"s1","text":"x","fromName":7}"#,
    ] {
        let resp = client
            .post(format!("{}/__emulator/messages", pod.url()))
            .header("content-type", "application/json")
            .body(bad)
            .send()
            .await
            .expect("inject");
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(resp.json::<Value>().await.expect("json")["error"].is_string());
    }

    let resp = client
        .post(format!("{}/__emulator/login", pod.url()))
        .json(&json!({"user": "zoe"}))
        .send()
        .await
        .expect("admin login");
    assert_eq!(resp.status(), 200);
    let session_cookie = set_cookie_named(&set_cookies(&resp), &format!("symphony_session_{}", pod.port()));
    assert_eq!(
        cookie_attributes(&session_cookie),
        embeddable_with(&[]),
        "{session_cookie}"
    );
    let login: Value = resp.json().await.expect("json");
    assert_eq!(login["user"], "zoe");

    put_faults(&pod, json!({"mainFrame": "neverReady"})).await;
    let st = state(&pod).await;
    let texts: Vec<(&str, &str, &str)> = st["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["streamId"].as_str().unwrap_or_default(),
                m["text"].as_str().unwrap_or_default(),
                m["fromName"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(texts, [("s1", "hello", "Ada"), ("s2", "second", "Emulator Bot")]);
    assert_eq!(st["sessions"][0]["id"], login["id"]);
    for key in ["logoutRequests", "framesLoaded", "subscriptions", "faults"] {
        assert!(st.get(key).is_some(), "state has {key}");
    }

    let resp = send(client.post(format!("{}/__emulator/reset", pod.url())), "reset").await;
    assert_eq!(resp.status(), 200);
    let st = state(&pod).await;
    assert_eq!(st["sessions"], json!([]));
    assert_eq!(st["messages"], json!([]));
    assert_eq!(st["knownBrowsers"], 0);
    assert_eq!(st["framesLoaded"], 0);
    assert_eq!(st["subscriptions"], 0);
    assert_eq!(st["logoutRequests"], json!({"frame": 0, "http": 0}));
    assert_eq!(
        st["faults"],
        json!({"logout": "ok", "mainFrame": "ok", "sdk": {"script": "ok", "logout": "ok", "leaveFrame": false}})
    );
    pod.shutdown().await;
}

#[tokio::test]
async fn frame_helpers_subscriptions_and_messages() {
    let pod = pod().await;
    let client = browser();
    let sub = |body: Value| {
        client
            .post(format!("{}/apps/embed/subscriptions", pod.url()))
            .json(&body)
            .send()
    };
    let resp = sub(json!({"type": "MessageNotifications", "id": "1", "streamId": "s1"}))
        .await
        .expect("sub");
    assert_eq!(resp.status(), 200);
    let resp = sub(json!({"type": "Bogus", "id": "2"})).await.expect("sub");
    assert_eq!(resp.status(), 400);
    assert_eq!(state(&pod).await["subscriptions"], 1);

    let send = || {
        client
            .post(format!("{}/apps/embed/messages", pod.url()))
            .json(&json!({"streamId": "s1", "text": "from the frame"}))
            .send()
    };
    assert_eq!(send().await.expect("send").status(), 401);
    sign_in(&pod, &client, "alice").await;
    let resp = send().await.expect("send");
    assert_eq!(resp.status(), 201);
    let ev: Value = resp.json().await.expect("json");
    assert_eq!(ev["fromName"], "alice");
    assert_eq!(ev["source"], "frame");
    assert_eq!(ev["unread"], 0, "own messages are not unread");
    let st = state(&pod).await;
    assert_eq!(st["messages"][0]["text"], "from the frame");
    pod.shutdown().await;
}

/// Reads the SSE body until `needle` shows up (bounded by a timeout).
async fn read_until(resp: &mut reqwest::Response, buf: &mut String, needle: &str) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !buf.contains(needle) {
            match resp.chunk().await {
                Ok(Some(chunk)) => buf.push_str(&String::from_utf8_lossy(&chunk)),
                other => panic!("event stream ended early: {other:?}; got {buf:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} on the event stream; got {buf:?}"));
}

#[tokio::test]
async fn sse_delivers_injected_messages() {
    let pod = pod().await;
    let client = browser();
    let unauth = send(client.get(format!("{}/apps/embed/events", pod.url())), "events").await;
    assert_eq!(unauth.status(), 401);

    sign_in(&pod, &client, "alice").await;
    // A message from before the stream opened is replayed with ?since=0.
    plain()
        .post(format!("{}/__emulator/messages", pod.url()))
        .json(&json!({"streamId": "s0", "text": "backlog"}))
        .send()
        .await
        .expect("inject");

    let mut events = send(
        client.get(format!("{}/apps/embed/events?since=0", pod.url())),
        "events",
    )
    .await;
    assert_eq!(events.status(), 200);
    assert!(header(&events, "content-type").starts_with("text/event-stream"));
    let mut buf = String::new();
    read_until(&mut events, &mut buf, "event: ready").await;
    read_until(&mut events, &mut buf, "backlog").await;

    plain()
        .post(format!("{}/__emulator/messages", pod.url()))
        .json(&json!({"streamId": "s1", "text": "live one", "fromName": "Ada"}))
        .send()
        .await
        .expect("inject");
    read_until(&mut events, &mut buf, "live one").await;
    let data_line = buf
        .lines()
        .find(|l| l.starts_with("data:") && l.contains("live one"))
        .expect("data line");
    let event: Value = serde_json::from_str(data_line.trim_start_matches("data:").trim()).expect("JSON data");
    assert_eq!(event["streamId"], "s1");
    assert_eq!(event["text"], "live one");
    assert_eq!(event["fromName"], "Ada");
    assert_eq!(event["unread"], 1);
    assert_eq!(event["globalUnread"], 2);
    assert!(buf.contains("event: chat"));

    // Shutdown ends the stream instead of waiting for it.
    tokio::time::timeout(Duration::from_secs(5), pod.shutdown())
        .await
        .expect("shutdown with an open event stream");
}

/// `POST /__emulator/activity` makes the signed-in main frames report activity: an
/// `activity` event on their stream, naming the frame (`main` unless given).
#[tokio::test]
async fn activity_reaches_the_main_frames_streams() {
    let pod = pod().await;
    let admin = |body: Option<Value>| {
        let request = plain().post(format!("{}/__emulator/activity", pod.url()));
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
    };
    let told = send(admin(None), "activity").await;
    assert_eq!(told.status(), 202);
    assert_eq!(
        told.json::<Value>().await.expect("json"),
        json!({"told": 0}),
        "no frame listening"
    );

    let client = browser();
    sign_in(&pod, &client, "alice").await;
    let mut events = send(client.get(format!("{}/apps/embed/events", pod.url())), "events").await;
    let mut buf = String::new();
    read_until(&mut events, &mut buf, "event: ready").await;
    let told = send(admin(Some(json!({"frame": "side-chat"}))), "activity").await;
    assert_eq!(told.json::<Value>().await.expect("json"), json!({"told": 1}));
    read_until(&mut events, &mut buf, "side-chat").await;
    assert!(buf.contains("event: activity"), "{buf}");
    send(admin(None), "activity").await;
    read_until(&mut events, &mut buf, "\"main\"").await;

    for bad in [json!({"frame": ""}), json!({"frame": 3}), json!([1])] {
        let resp = send(admin(Some(bad.clone())), "activity").await;
        assert_eq!(resp.status(), 400, "{bad}");
    }
    pod.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let pod = pod().await;
    let client = plain();
    let resp = send(client.get(format!("{}/nope", pod.url())), "get").await;
    assert_eq!(resp.status(), 404);
    assert!(resp.json::<Value>().await.expect("json")["error"].is_string());
    let resp = send(client.get(format!("{}/logout", pod.url())), "get").await;
    assert_eq!(resp.status(), 405);
    let resp = client
        .post(format!("{}/__emulator/messages", pod.url()))
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .expect("big");
    assert_eq!(resp.status(), 413);
    pod.shutdown().await;
}

#[tokio::test]
async fn frame_views_are_recorded_in_order_and_reset() {
    let pod = pod().await;
    assert_eq!(state(&pod).await["views"], json!([]));

    let reports = [
        json!({"frame": "main", "mode": "focus", "page": "signin",
               "user": null, "streamId": null, "iFrameId": null}),
        json!({"frame": "main", "mode": "collaboration", "page": "chat",
               "user": "alice", "streamId": "s1", "iFrameId": null}),
        // Optional strings may be left out; mode is null for child frames.
        json!({"frame": "child", "page": "waiting", "iFrameId": "c1"}),
        json!({"frame": "child", "mode": null, "page": "chat",
               "user": "alice", "streamId": "</script>", "iFrameId": "c1"}),
        json!({"frame": "main", "mode": "focus", "page": "error"}),
    ];
    for (i, report) in reports.iter().enumerate() {
        let resp = post_view(&pod, &report.to_string()).await;
        assert_eq!(resp.status(), 201, "{report}");
        let recorded: Value = resp.json().await.expect("json");
        assert_eq!(recorded["seq"], i + 1, "{report}");
    }
    let st = state(&pod).await;
    assert_eq!(
        st["views"],
        json!([
            {"frame": "main", "mode": "focus", "page": "signin",
             "user": null, "streamId": null, "iFrameId": null, "seq": 1},
            {"frame": "main", "mode": "collaboration", "page": "chat",
             "user": "alice", "streamId": "s1", "iFrameId": null, "seq": 2},
            {"frame": "child", "mode": null, "page": "waiting",
             "user": null, "streamId": null, "iFrameId": "c1", "seq": 3},
            {"frame": "child", "mode": null, "page": "chat",
             "user": "alice", "streamId": "</script>", "iFrameId": "c1", "seq": 4},
            {"frame": "main", "mode": "focus", "page": "error",
             "user": null, "streamId": null, "iFrameId": null, "seq": 5},
        ])
    );
    // Reports count nothing else and need no session.
    assert_eq!(st["framesLoaded"], 0);
    assert_eq!(st["sessions"], json!([]));

    let resp = send(plain().post(format!("{}/__emulator/reset", pod.url())), "reset").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(state(&pod).await["views"], json!([]));
    // seq keeps counting across resets, like message ids.
    let resp = post_view(&pod, r#"{"frame":"child","page":"waiting"}"#).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(state(&pod).await["views"][0]["seq"], 6);
    // A child frame counts the set-streams it was shown; a count must be a count.
    let resp = post_view(
        &pod,
        r#"{"frame":"child","page":"chat","streamId":"s","shows":2}"#,
    )
    .await;
    assert_eq!(resp.json::<Value>().await.expect("json")["shows"], 2);
    let resp = post_view(&pod, r#"{"frame":"child","page":"chat","shows":"two"}"#).await;
    assert_eq!(resp.status(), 400);
    pod.shutdown().await;
}

#[tokio::test]
async fn malformed_view_reports_get_400() {
    let pod = pod().await;
    for bad in [
        "",
        "not json",
        "[]",
        r#""chat""#,
        r#"{}"#,
        r#"{"frame":"main","page":"chat"}"#,
        r#"{"frame":"main","mode":"dark","page":"chat"}"#,
        r#"{"frame":"child","mode":"focus","page":"chat"}"#,
        r#"{"frame":"window","page":"chat"}"#,
        r#"{"frame":"child","page":"home"}"#,
        r#"{"frame":"child","page":"signin"}"#,
        r#"{"frame":"main","mode":"focus","page":"waiting"}"#,
        r#"{"frame":"child","page":"chat","streamId":1}"#,
        r#"{"frame":"child","page":"chat","user":false}"#,
        r#"{"frame":"child","page":"chat","iFrameId":["c1"]}"#,
        r#"{"frame":"child","page":"chat","seq":9}"#,
    ] {
        let resp = post_view(&pod, bad).await;
        assert_eq!(resp.status(), 400, "{bad}");
        assert!(resp.json::<Value>().await.expect("json")["error"].is_string());
    }
    // Trusted origins may report too; others are refused like any POST.
    let resp = plain()
        .post(format!("{}/apps/embed/views", pod.url()))
        .header("origin", "http://evil.example")
        .body(r#"{"frame":"child","page":"waiting"}"#)
        .send()
        .await
        .expect("view");
    assert_eq!(resp.status(), 403);
    assert_eq!(state(&pod).await["views"], json!([]));
    pod.shutdown().await;
}

#[tokio::test]
async fn the_stand_in_sdk_js_is_served_with_its_faults() {
    let pod = pod().await;
    let client = plain();
    let get = || client.get(format!("{}/embed/sdk.js", pod.url())).send();
    let resp = get().await.expect("sdk.js");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(resp.headers()["cross-origin-resource-policy"], "cross-origin");
    let body = resp.text().await.expect("text");
    assert!(
        body.contains("window.symphony = symphony"),
        "defines window.symphony"
    );
    let resp = put_faults(
        &pod,
        json!({"sdk": {"script": "missing", "logout": "hang", "leaveFrame": true}}),
    )
    .await;
    assert_eq!(
        resp.json::<Value>().await.expect("json")["sdk"],
        json!({"script": "missing", "logout": "hang", "leaveFrame": true})
    );
    assert_eq!(get().await.expect("answer").status(), 404);
    put_faults(&pod, json!({"sdk": {"script": {"delayMs": 300}}})).await;
    let started = std::time::Instant::now();
    assert_eq!(get().await.expect("answer").status(), 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
    pod.shutdown().await;
}
