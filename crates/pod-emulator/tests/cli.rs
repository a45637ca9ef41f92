//! The binary: first stdout line, static second origin, flag errors.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_symphony-pod-emulator");

/// Kills the child when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Running, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("EMULATOR_PORT")
        .env_remove("EMULATOR_BIND")
        .env_remove("EMULATOR_ALLOW_ORIGIN")
        .env_remove("EMULATOR_AUTO_LOGIN")
        .env_remove("EMULATOR_SERVE_DIR")
        .env_remove("EMULATOR_SERVE_PORT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    (Running(child), BufReader::new(stdout))
}

fn read_line(reader: &mut BufReader<std::process::ChildStdout>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("read stdout");
    line.trim_end().to_string()
}

fn port_of(line: &str, prefix: &str) -> u16 {
    line.strip_prefix(prefix)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
}

#[test]
fn port_zero_prints_the_listening_line_first() {
    let (_child, mut out) = spawn(&["--port", "0"]);
    let line = read_line(&mut out);
    let port = port_of(&line, "listening on http://127.0.0.1:");
    assert_ne!(port, 0);

    // The printed address answers.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let state: serde_json::Value = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/__emulator/state"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("state")
            .json()
            .await
            .expect("json");
        assert_eq!(state["sessions"], serde_json::json!([]));
    });
}

#[test]
fn serve_dir_prints_a_second_line_and_serves_files() {
    let dir = std::env::temp_dir().join(format!("pod-emulator-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<p>host page</p>").expect("file");
    let dir_text = dir.to_str().expect("utf-8 temp dir").to_string();

    let (_child, mut out) = spawn(&[
        "--port",
        "0",
        "--serve-dir",
        &dir_text,
        "--serve-port",
        "0",
        "--auto-login",
        "alice",
        "--serve-csp-pod",
        "https://acme.symphony.com",
    ]);
    let first = read_line(&mut out);
    let pod_port = port_of(&first, "listening on http://127.0.0.1:");
    let second = read_line(&mut out);
    let static_port = port_of(&second, &format!("serving {dir_text} on http://127.0.0.1:"));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::new();
        let response = client
            .get(format!("http://127.0.0.1:{static_port}/"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("static");
        // The strict policy an app embedding this pod (and the extra one) runs under.
        let pods = format!("http://127.0.0.1:{pod_port} https://acme.symphony.com");
        assert_eq!(
            response.headers()["content-security-policy"],
            format!(
                "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                 frame-src {pods}; connect-src 'self' {pods}"
            )
            .as_str()
        );
        assert_eq!(response.text().await.expect("body"), "<p>host page</p>");
        // A page of the sdk.js backend: the pods in script-src too, nothing else changed.
        for query in ["?backend=sdk", "?pod=x&backend=sdk"] {
            let sdk = client
                .get(format!("http://127.0.0.1:{static_port}/{query}"))
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .expect("static");
            assert_eq!(
                sdk.headers()["content-security-policy"],
                format!(
                    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {pods}; style-src 'self'; \
                     frame-src {pods}; connect-src 'self' {pods}"
                )
                .as_str(),
                "{query}"
            );
        }
        for query in ["?backend=protocol", "?backend=sdkx", "?xbackend=sdk"] {
            let plain = client
                .get(format!("http://127.0.0.1:{static_port}/{query}"))
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .expect("static");
            let policy = plain.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                policy.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "),
                "{query}: {policy}"
            );
        }
        let missing = client
            .get(format!("http://127.0.0.1:{static_port}/missing.js"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .expect("static");
        assert_eq!(missing.status(), 404);
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_csp_pod_that_is_not_an_origin_is_refused() {
    for bad in [
        "https://acme.example/path",
        "https://a.example; script-src *",
        "ftp://a.example",
    ] {
        let output = Command::new(BIN)
            .args(["--port", "0", "--serve-dir", ".", "--serve-csp-pod", bad])
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("origin"), "{bad}: {stderr}");
    }
}

#[test]
fn bad_flags_fail_without_listening() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--allow-origin", "not-an-origin"])
        .env_remove("EMULATOR_ALLOW_ORIGIN")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not-an-origin"));

    let output = Command::new(BIN)
        .args(["--port", "not-a-port"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_cleanly() {
    let (mut child, mut out) = spawn(&["--port", "0"]);
    read_line(&mut out);
    let pid = child.0.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            assert!(status.success(), "clean exit, got {status}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}
