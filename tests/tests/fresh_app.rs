//! A new user's first hour, end to end: an app written from yew-symphony's README (its
//! crates.io page) file by file, outside this workspace, served by the pod emulator the
//! README has the user install, run with the README's command line, in headless Chromium.
//! The page is on localhost and the pod on 127.0.0.1 (two sites), under the emulator's
//! strict policy. `./x` writes and builds the app (the library by path standing in for
//! crates.io; `SYMPHONY_FRESH_APP_DIST`) and installs the emulator from its path
//! (`SYMPHONY_EMULATOR_BIN`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;
use symphony_e2e::{check, click_button, eventually, screenshot, seen, text_of, with_pod, Browser, Result};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const WAIT: Duration = Duration::from_secs(20);

/// The app's chats, as its `src/main.rs` names them.
const CHATS: [&str; 2] = ["main-chat", "side-chat"];

fn env_path(name: &str, what: &str) -> Result<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
        format!("{name} is not set: it names {what}. Run this test with `./x fresh-app` (or `./x test`)")
    })
}

/// The emulator as the README runs it (`--auto-login alice --serve-dir dist`), on a free
/// port instead of 9090; its two origins from the lines it prints.
async fn start_emulator(bin: &PathBuf, dist: &PathBuf) -> Result<(Child, String, String)> {
    let mut child = Command::new(bin)
        .args(["--port", "0", "--auto-login", "alice", "--serve-dir"])
        .arg(dist)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let origin = |line: &str| line.split_whitespace().last().map(str::to_owned);
    let mut pod = None;
    let mut page = None;
    while pod.is_none() || page.is_none() {
        let line = tokio::time::timeout(WAIT, lines.next_line())
            .await
            .map_err(|_| "the emulator printed no origins within 20 s")?
            .map_err(|e| format!("the emulator's output: {e}"))?
            .ok_or("the emulator stopped before printing its origins")?;
        if line.starts_with("listening on ") {
            pod = origin(&line);
        } else if line.starts_with("serving ") {
            page = origin(&line);
        }
    }
    // Keep reading, so that the emulator never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let page = page.unwrap_or_default();
    let page = page
        .strip_prefix("http://127.0.0.1:")
        .map(|port| format!("http://localhost:{port}"))
        .ok_or_else(|| format!("the page is served on {page}, not on 127.0.0.1"))?;
    Ok((child, pod.unwrap_or_default(), page))
}

async fn pod_sessions(pod: &str) -> Result<usize> {
    let state: Value = reqwest::get(format!("{pod}/__emulator/state"))
        .await
        .map_err(|e| format!("the pod's state: {e}"))?
        .json()
        .await
        .map_err(|e| format!("the pod's state: {e}"))?;
    Ok(state["sessions"].as_array().map_or(0, Vec::len))
}

/// The frames in each chat's container.
async fn frames(client: &Client) -> Result<Vec<usize>> {
    let mut counts = Vec::new();
    for chat in CHATS {
        let found = client
            .find_all(Locator::Css(&format!("#{chat} iframe")))
            .await
            .map_err(seen)?;
        counts.push(found.len());
    }
    Ok(counts)
}

async fn run(client: &Client, page: &str, pod: &str) -> Result<()> {
    client.goto(&with_pod(page, pod)).await.map_err(seen)?;
    eventually("both chats' frames", WAIT, || async {
        let counts = frames(client).await?;
        check(counts == [1, 1], || format!("frames {counts:?}"))
    })
    .await?;
    eventually("signed in", WAIT, || async {
        text_of(client, ".signed-in").await.map(drop)
    })
    .await?;
    check(pod_sessions(pod).await? == 1, || "one pod session".into())?;
    screenshot(client, "fresh-app-rendered").await?;
    // Sized by the stylesheet the README gives: not the 150 px of an unsized frame.
    let height = client
        .execute(
            "return document.getElementById('main-chat').getBoundingClientRect().height",
            vec![],
        )
        .await
        .map_err(seen)?;
    check(height.as_f64().unwrap_or(0.0) >= 500.0, || {
        format!("the main chat is {height} px tall")
    })?;
    click_button(client, "Log out").await?;
    let result = eventually("the logout's result", WAIT, || async {
        text_of(client, ".result").await
    })
    .await?;
    check(result == "{}", || format!("the logout answered {result}"))?;
    let counts = frames(client).await?;
    check(counts == [0, 0], || format!("frames left: {counts:?}"))?;
    eventually("the pod session ended", WAIT, || async {
        let sessions = pod_sessions(pod).await?;
        check(sessions == 0, || format!("{sessions} sessions"))
    })
    .await?;
    text_of(client, ".state")
        .await
        .and_then(|state| check(state == "LoggedOut", || format!("the header says {state}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_written_from_the_readme_renders_and_logs_out() {
    let dist = env_path("SYMPHONY_FRESH_APP_DIST", "the app built from the README")
        .unwrap_or_else(|e| panic!("{e}"));
    let bin = env_path("SYMPHONY_EMULATOR_BIN", "the installed symphony-pod-emulator")
        .unwrap_or_else(|e| panic!("{e}"));
    let (_emulator, pod, page) = start_emulator(&bin, &dist)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let browser = Browser::launch().await.unwrap_or_else(|e| panic!("{e}"));
    let outcome = run(browser.client(), &page, &pod).await;
    if outcome.is_err() {
        let _ = screenshot(browser.client(), "fresh-app-failure").await;
    }
    browser.quit().await;
    if let Err(failure) = outcome {
        panic!("the app from the README: {failure}");
    }
}
