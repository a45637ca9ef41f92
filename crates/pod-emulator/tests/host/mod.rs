//! A host page for one main frame, run by Node.js (`frame_host.js` beside this file): the
//! page's own script, as the pod serves it, talks to the real pod (its event stream, its
//! reports), and the test plays the embedding page: it posts messages to the frame and reads
//! what the frame posts back. Needs `node` on the PATH (Node.js 18 or later: `fetch`,
//! `BroadcastChannel`, `structuredClone`).
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use symphony_pod_emulator::RunningEmulator;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/host/frame_host.js");

/// How long to wait for one line from the frame.
const WAIT: Duration = Duration::from_secs(5);

/// The origin of the embedding page (trusted by the emulator's default policy).
pub const HOST: &str = "http://127.0.0.1:8080";

pub struct Host {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    seq: u64,
    /// Lines read while waiting for something else (kept in order).
    pending: Vec<Value>,
}

/// Signs `user` in with the admin API and answers the session cookie (`name=value`).
pub async fn session_cookie(pod: &RunningEmulator, user: &str) -> String {
    let resp: Value = reqwest::Client::new()
        .post(format!("{}/__emulator/login", pod.url()))
        .json(&json!({ "user": user }))
        .send()
        .await
        .expect("admin login")
        .json()
        .await
        .expect("admin login JSON");
    let id = resp["id"].as_str().expect("session id");
    format!("symphony_session_{}={id}", pod.port())
}

impl Host {
    /// Opens the Focus main frame on `stream_id`, embedded by [`HOST`], as `user`.
    pub async fn focus(pod: &RunningEmulator, user: &str, stream_id: &str) -> Self {
        let cookie = session_cookie(pod, user).await;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("embed", "true")
            .append_pair("streamId", stream_id)
            .append_pair("sdkOrigin", HOST)
            .finish();
        Self::open(pod, &format!("/apps/embed/default?{query}"), &cookie).await
    }

    /// Runs the frame page at `path_and_query` with `cookie`.
    pub async fn open(pod: &RunningEmulator, path_and_query: &str, cookie: &str) -> Self {
        let mut child = Command::new("node")
            .arg(SCRIPT)
            .arg(pod.url())
            .arg(path_and_query)
            .arg(cookie)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("these tests run the frame script in Node.js: `node` must be on the PATH ({e})")
            });
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Self {
            child,
            stdin,
            lines,
            seq: 0,
            pending: Vec::new(),
        }
    }

    async fn read(&mut self, what: &str) -> Value {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{what}: nothing from the frame within {WAIT:?}"))
            .expect("read the host's stdout")
            .unwrap_or_else(|| panic!("{what}: the host ended"));
        let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{what}: {e}: {line}"));
        assert_ne!(
            value["kind"], "error",
            "{what}: the frame's script failed: {value}"
        );
        value
    }

    async fn command(&mut self, command: Value) {
        let mut line = command.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to the host");
        self.seq += 1;
        let want = self.seq;
        loop {
            let value = self.read("an acknowledgement").await;
            if value["kind"] == "ack" {
                assert_eq!(value["seq"], want, "acknowledged in order");
                return;
            }
            self.pending.push(value);
        }
    }

    /// Posts the message that the JavaScript expression `js` makes, from the host's origin
    /// (keys holding `undefined` stay, as with a browser's `postMessage`).
    pub async fn post(&mut self, js: &str) {
        self.post_from(HOST, js).await;
    }

    /// Posts the message that `js` makes, as if it came from `origin`.
    pub async fn post_from(&mut self, origin: &str, js: &str) {
        self.command(json!({"cmd": "post", "origin": origin, "js": js}))
            .await;
    }

    /// Posts `message` (JSON) from the host's origin.
    pub async fn post_json(&mut self, message: &Value) {
        self.post(&message.to_string()).await;
    }

    /// A document event in the main frame (`pointerdown`, `keydown`): the user's activity.
    pub async fn dom_event(&mut self, kind: &str) {
        self.command(json!({"cmd": "dom", "type": kind})).await;
    }

    /// Posts what `js` makes on the frames' channel, as a child frame does.
    pub async fn child_posts(&mut self, js: &str) {
        self.command(json!({"cmd": "channel", "js": js})).await;
    }

    /// The next line of `kind` (`post` or `channel`); lines of the other kind are kept for
    /// later, in order.
    async fn next_of(&mut self, kind: &str, what: &str) -> Value {
        let mut index = 0;
        loop {
            if index == self.pending.len() {
                let value = self.read(what).await;
                if value["kind"] != "ack" {
                    self.pending.push(value);
                }
                continue;
            }
            if self.pending[index]["kind"] == kind {
                return self.pending.remove(index);
            }
            index += 1;
        }
    }

    /// The next message the frame posts to the host (broadcasts to the child frames are
    /// kept for [`Host::next_broadcast`]); asserts it was posted to [`HOST`] only.
    pub async fn next_post(&mut self, what: &str) -> Value {
        let value = self.next_of("post", what).await;
        assert_eq!(
            value["targetOrigin"], HOST,
            "{what}: posted to the host's origin only"
        );
        value["message"].clone()
    }

    /// The next broadcast to the child frames (posts to the host are kept for
    /// [`Host::next_post`]).
    pub async fn next_broadcast(&mut self, what: &str) -> Value {
        self.next_of("channel", what).await["message"].clone()
    }

    /// Asserts that the frame posts nothing to the host for `quiet`.
    pub async fn expect_no_post(&mut self, quiet: Duration, what: &str) {
        let posts: Vec<Value> = self
            .pending
            .iter()
            .filter(|v| v["kind"] == "post")
            .cloned()
            .collect();
        assert!(posts.is_empty(), "{what}: the frame posted {posts:?}");
        let deadline = tokio::time::Instant::now() + quiet;
        while let Ok(line) = tokio::time::timeout_at(deadline, self.lines.next_line()).await {
            let line = line.expect("read").expect("the host is running");
            let value: Value = serde_json::from_str(&line).expect("JSON line");
            assert_ne!(value["kind"], "post", "{what}: the frame posted {value}");
            assert_ne!(value["kind"], "error", "{what}: {value}");
        }
    }

    /// Waits for `clientReady`, the frame's first post.
    pub async fn ready(&mut self) {
        let first = self.next_post("clientReady").await;
        assert_eq!(first, json!({"eventType": "clientReady"}));
    }

    /// Ends the host (closes its stdin) and waits for it.
    pub async fn close(mut self) {
        drop(self.stdin);
        let _ = tokio::time::timeout(WAIT, self.child.wait()).await;
    }
}

/// Waits until the pod has counted `n` subscriptions: the frame reports each one once its
/// event stream is open, so from then on the frame hears every new event.
pub async fn subscriptions_reach(pod: &RunningEmulator, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let state: Value = reqwest::get(format!("{}/__emulator/state", pod.url()))
            .await
            .expect("state")
            .json()
            .await
            .expect("state JSON");
        if state["subscriptions"].as_u64().unwrap_or(0) >= n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the pod counted {} subscriptions, not {n}",
            state["subscriptions"]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// POSTs `body` to the admin endpoint `path` (`/__emulator/...`) and answers status and JSON.
pub async fn admin_post(pod: &RunningEmulator, path: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", pod.url()))
        .json(body)
        .send()
        .await
        .expect("admin request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}
