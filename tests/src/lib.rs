//! `symphony-e2e` owns the end-to-end tests of the demo app: a real headless Chromium,
//! driven through WebDriver (`fantoccini`) by a `chromedriver` this crate spawns on a free
//! port, against the pod emulator started in-process. This library is the harness (browser,
//! pod, bounded waiting, screenshots); the scenario is in `tests/demo.rs`. It does not build
//! the demo: `./x` builds it and names the directory in `SYMPHONY_DEMO_DIST`.
//!
//! WebDriver is plain HTTP on loopback, so fantoccini is used without a TLS stack: its
//! `rustls-tls` feature brings hyper-rustls' default `aws-lc-rs` provider next to the `ring`
//! one already in the workspace, and rustls then has no default provider to pick.

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
pub use symphony_pod_emulator::StaticCsp;
use symphony_pod_emulator::{start, EmulatorConfig, RunningEmulator};

/// The variable `./x` sets to the demo's built `dist` directory.
pub const DEMO_DIST_ENV: &str = "SYMPHONY_DEMO_DIST";

/// The user the emulator signs new browsers in as.
pub const USER: &str = "alice";

/// The harness's errors are messages: a failed step says what it saw.
pub type Result<T, E = String> = std::result::Result<T, E>;

/// The demo's built files, from [`DEMO_DIST_ENV`]. An error (never a silent skip) when it
/// is unset or does not hold a built demo.
pub fn demo_dist() -> Result<PathBuf> {
    let dir = std::env::var_os(DEMO_DIST_ENV).ok_or_else(|| {
        format!(
            "{DEMO_DIST_ENV} is not set: the end-to-end test needs the built demo. \
             Run it with `./x e2e` (or `./x test`), which builds the demo and sets it"
        )
    })?;
    let dir = PathBuf::from(dir);
    for file in [
        "index.html",
        "style.css",
        "symphony-demo.js",
        "symphony-demo_bg.wasm",
    ] {
        if !dir.join(file).is_file() {
            return Err(format!(
                "{DEMO_DIST_ENV}={} holds no {file}: build the demo with `./x e2e`",
                dir.display()
            ));
        }
    }
    Ok(dir)
}

/// The environment variable naming axe-core's `axe.min.js` (`./x e2e` installs it).
pub const AXE_JS_ENV: &str = "SYMPHONY_AXE_JS";

/// Runs axe-core on the page the client shows, for WCAG 2.0, 2.1 and 2.2 levels A and AA,
/// and answers its violations (`rule: impact: the first elements`), empty when none.
/// The pod's frames are left out: their content is the pod's, not the app's.
pub async fn accessibility_violations(client: &Client) -> Result<Vec<String>> {
    let path = std::env::var_os(AXE_JS_ENV).ok_or_else(|| {
        format!("{AXE_JS_ENV} is not set: run the end-to-end test with `./x e2e`, which installs axe-core")
    })?;
    let source = std::fs::read_to_string(&path)
        .map_err(|e| format!("{AXE_JS_ENV}={}: {e}", Path::new(&path).display()))?;
    // Injected through WebDriver (which the page's policy does not restrict), once per page.
    client
        .execute(&format!("if (!window.axe) {{ {source} }} return true;"), vec![])
        .await
        .map_err(seen)?;
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {
                 iframes: false,
                 runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
             }).then(
                 (r) => done(r.violations.map((v) => v.id + ': ' + v.impact + ': '
                     + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '))),
                 (e) => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .map_err(seen)?;
    serde_json::from_value(found.clone()).map_err(|_| format!("axe answered {found}"))
}

/// Where screenshots go: `target/e2e-screenshots/` of the workspace (`-firefox` appended in
/// Firefox).
pub fn screenshot_dir() -> PathBuf {
    let dir = match BrowserKind::from_env() {
        BrowserKind::Chromium => "../target/e2e-screenshots",
        BrowserKind::Firefox => "../target/e2e-screenshots-firefox",
    };
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
}

/// A directory removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory under the system's temp dir.
    pub fn new(label: &str) -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("symphony-e2e-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self(path))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A pod emulator running in this process, with auto-login, serving `serve_dir` as static
/// files on a second origin, and a client for its admin API.
pub struct Pod {
    emulator: RunningEmulator,
    http: reqwest::Client,
}

impl Pod {
    /// Starts one on free ports; its static files carry `static_csp`.
    pub async fn start(serve_dir: &Path, static_csp: StaticCsp) -> Result<Self> {
        let emulator = start(EmulatorConfig {
            auto_login: Some(USER.to_owned()),
            serve_dir: Some(serve_dir.to_owned()),
            static_csp,
            ..EmulatorConfig::default()
        })
        .await
        .map_err(|e| format!("the pod emulator did not start: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Self { emulator, http })
    }

    /// The pod's URL, e.g. `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.emulator.url()
    }

    /// The static files' origin, on the pod's site (`http://127.0.0.1:PORT`).
    pub fn static_url(&self) -> Result<String> {
        self.emulator
            .static_url()
            .ok_or_else(|| "the emulator serves no directory".to_owned())
    }

    /// The static files' origin on another site than the pod: `http://localhost:PORT`, while
    /// the pod is `http://127.0.0.1:PORT` (browsers count the two hosts as different sites).
    /// A page there embeds the pod cross-site, as an app embeds a real pod: the pod's cookies
    /// live in a cross-site frame (partitioned by the page's site), and the page's own
    /// `fetch` to the pod is cross-site.
    pub fn cross_site_static_url(&self) -> Result<String> {
        let url = self.static_url()?;
        match url.strip_prefix("http://127.0.0.1:") {
            Some(port) => Ok(format!("http://localhost:{port}")),
            None => Err(format!("the static files are served on {url}, not on 127.0.0.1")),
        }
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("{}/__emulator/{path}", self.url());
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{method} {url}: {e}"))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("{method} {url}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{method} {url}: HTTP {status}: {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{method} {url}: not JSON ({e}): {text}"))
    }

    /// `GET /__emulator/state`.
    pub async fn state(&self) -> Result<Value> {
        self.admin(reqwest::Method::GET, "state", None).await
    }

    /// `POST /__emulator/reset`: no sessions, no faults, every browser new again.
    pub async fn reset(&self) -> Result<Value> {
        self.admin(reqwest::Method::POST, "reset", None).await
    }

    /// `PUT /__emulator/faults`.
    pub async fn set_faults(&self, faults: Value) -> Result<Value> {
        self.admin(reqwest::Method::PUT, "faults", Some(faults)).await
    }

    /// The users with a session on the pod.
    pub async fn session_users(&self) -> Result<Vec<String>> {
        let state = self.state().await?;
        let sessions = state["sessions"]
            .as_array()
            .ok_or_else(|| format!("no sessions array in {state}"))?;
        Ok(sessions
            .iter()
            .map(|s| s["user"].as_str().unwrap_or_default().to_owned())
            .collect())
    }

    /// Logout requests the pod received: (through the main frame, over HTTP).
    pub async fn logout_requests(&self) -> Result<(u64, u64)> {
        let state = self.state().await?;
        let requests = &state["logoutRequests"];
        match (requests["frame"].as_u64(), requests["http"].as_u64()) {
            (Some(frame), Some(http)) => Ok((frame, http)),
            _ => Err(format!("no logoutRequests in {state}")),
        }
    }

    /// Frames (main and child) the pod served.
    pub async fn frames_loaded(&self) -> Result<u64> {
        let state = self.state().await?;
        state["framesLoaded"]
            .as_u64()
            .ok_or_else(|| format!("no framesLoaded in {state}"))
    }

    /// Stops it.
    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }
}

/// A port nobody listens on right now.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// The browser the end-to-end test drives: `SYMPHONY_E2E_BROWSER=firefox` for Firefox ESR
/// through `geckodriver`, else Chromium through `chromedriver`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrowserKind {
    /// Debian's `chromium` with `chromium-driver`.
    Chromium,
    /// Debian's `firefox-esr` with `geckodriver`.
    Firefox,
}

impl BrowserKind {
    /// From `SYMPHONY_E2E_BROWSER` (`chromium`, the default, or `firefox`).
    pub fn from_env() -> Self {
        match std::env::var("SYMPHONY_E2E_BROWSER").as_deref() {
            Ok("firefox") => Self::Firefox,
            _ => Self::Chromium,
        }
    }
}

/// A headless browser behind a WebDriver server (`chromedriver` or `geckodriver`) this
/// harness started.
pub struct Browser {
    client: Client,
    driver: tokio::process::Child,
    _profile: TempDir,
}

/// Width and height of the browser window; screenshots have this size.
pub const WINDOW: (u32, u32) = (1200, 800);

impl Browser {
    /// Opens a session on the browser [`BrowserKind::from_env`] names, with a fresh profile:
    /// Chromium (`$CHROME_BIN`, default `/usr/bin/chromium`) through `$CHROMEDRIVER`
    /// (default `/usr/bin/chromedriver`), or Firefox (`$FIREFOX_BIN`, default
    /// `/usr/bin/firefox-esr`) through `$GECKODRIVER` (default `geckodriver` on the PATH).
    pub async fn launch() -> Result<Self> {
        let profile = TempDir::new("browser")?;
        let port = free_port()?;
        let kind = BrowserKind::from_env();
        let (driver_bin, port_arg, hint) = match kind {
            BrowserKind::Chromium => (
                std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
                format!("--port={port}"),
                "install Debian's chromium-driver",
            ),
            BrowserKind::Firefox => (
                std::env::var("GECKODRIVER").unwrap_or_else(|_| "geckodriver".into()),
                format!("--port={port}"),
                "cargo install geckodriver",
            ),
        };
        let mut driver = tokio::process::Command::new(&driver_bin)
            .arg(port_arg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {driver_bin}: {e} ({hint})"))?;
        let url = format!("http://127.0.0.1:{port}");
        wait_for_driver(&url, &mut driver).await?;
        let (capabilities, browser_bin) = match kind {
            BrowserKind::Chromium => chromium_capabilities(&profile),
            BrowserKind::Firefox => firefox_capabilities(),
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&url)
            .await
            .map_err(|e| format!("no WebDriver session on {browser_bin}: {e}"))?;
        let browser = Self {
            client,
            driver,
            _profile: profile,
        };
        if let Err(e) = browser.fit_viewport().await {
            browser.quit().await;
            return Err(e);
        }
        Ok(browser)
    }

    /// Makes the page's viewport (what screenshots show) exactly [`WINDOW`]: the window's
    /// size includes whatever the browser draws around the page.
    async fn fit_viewport(&self) -> Result<()> {
        let inner = self
            .client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .map_err(seen)?;
        let (Some(width), Some(height)) = (inner[0].as_u64(), inner[1].as_u64()) else {
            return Err(format!("no viewport size in {inner}"));
        };
        let (outer_width, outer_height) = self.client.get_window_size().await.map_err(seen)?;
        let extra = |outer: u64, inner: u64| u32::try_from(outer.saturating_sub(inner)).unwrap_or(0);
        self.client
            .set_window_size(
                WINDOW.0 + extra(outer_width, width),
                WINDOW.1 + extra(outer_height, height),
            )
            .await
            .map_err(seen)
    }

    /// The WebDriver client (cheap to clone).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the session (Chromium exits) and stops `chromedriver`.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// Headless Chromium with its own profile; returns the capabilities and the binary.
fn chromium_capabilities(profile: &TempDir) -> (serde_json::Map<String, Value>, String) {
    let chrome_bin = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--force-device-scale-factor=1",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .chain([
        format!("--user-data-dir={}", profile.path().display()),
        format!("--window-size={},{}", WINDOW.0, WINDOW.1),
    ])
    .collect::<Vec<_>>();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chrome_bin, "args": args }),
    );
    (capabilities, chrome_bin)
}

/// Headless Firefox (geckodriver gives it a fresh profile); returns the capabilities and the
/// binary.
fn firefox_capabilities() -> (serde_json::Map<String, Value>, String) {
    let firefox_bin = std::env::var("FIREFOX_BIN").unwrap_or_else(|_| "/usr/bin/firefox-esr".into());
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("firefox"));
    capabilities.insert(
        "moz:firefoxOptions".into(),
        json!({
            "binary": firefox_bin,
            "args": ["-headless", format!("--width={}", WINDOW.0), format!("--height={}", WINDOW.1)],
        }),
    );
    (capabilities, firefox_bin)
}

async fn wait_for_driver(url: &str, driver: &mut tokio::process::Child) -> Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = driver.try_wait() {
            return Err(format!("the WebDriver server exited at start: {status}"));
        }
        match http.get(format!("{url}/status")).send().await {
            Ok(response) => match response.json::<Value>().await {
                Ok(body) if body["value"]["ready"] == json!(true) => return Ok(()),
                Ok(body) => last = body.to_string(),
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!(
        "the WebDriver server on {url} is not ready within 20 s: {last}"
    ))
}

/// Polls `check` (every 100 ms, at most `timeout`) until it answers `Ok`; `Err` carries what
/// it saw instead, for the failure message. This is the only way the tests wait.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(seen) if Instant::now() >= deadline => {
                return Err(format!(
                    "timed out after {timeout:?} waiting for {what}; last saw: {seen}"
                ))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// A WebDriver error as a step's observation.
pub fn seen(error: CmdError) -> String {
    format!("WebDriver: {error}")
}

/// The text of the first element matching a CSS selector in the current frame.
pub async fn text_of(client: &Client, css: &str) -> Result<String> {
    let element = client.find(Locator::Css(css)).await.map_err(seen)?;
    element.text().await.map_err(seen)
}

/// Clicks the button whose text is exactly `label` (its accessible name).
pub async fn click_button(client: &Client, label: &str) -> Result<()> {
    let xpath = format!("//button[normalize-space(.)='{label}']");
    let button = client
        .find(Locator::XPath(&xpath))
        .await
        .map_err(|e| format!("no button {label:?}: {e}"))?;
    button
        .click()
        .await
        .map_err(|e| format!("clicking {label:?}: {e}"))
}

/// Clicks the first element that matches the CSS `selector`.
pub async fn click_css(client: &Client, selector: &str) -> Result<()> {
    client
        .find(Locator::Css(selector))
        .await
        .map_err(|e| format!("no element {selector:?}: {e}"))?
        .click()
        .await
        .map_err(|e| format!("clicking {selector:?}: {e}"))
}

/// Saves a screenshot of the window as `target/e2e-screenshots/{name}.png`.
pub async fn screenshot(client: &Client, name: &str) -> Result<PathBuf> {
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let png = client.screenshot().await.map_err(seen)?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// `{base}/?pod={pod}`, encoded by a URL API.
pub fn with_pod(base: &str, pod: &str) -> String {
    match reqwest::Url::parse_with_params(&format!("{base}/"), [("pod", pod)]) {
        Ok(url) => url.into(),
        Err(e) => panic!("bad base URL {base}: {e}"),
    }
}

/// `Ok` when `condition` holds, else the failure `failure` describes.
pub fn check(condition: bool, failure: impl FnOnce() -> String) -> Result<()> {
    if condition {
        Ok(())
    } else {
        Err(failure())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn eventually_returns_the_first_success_and_reports_the_last_observation() {
        let mut calls = 0;
        let value = eventually("the third call", Duration::from_secs(2), || {
            calls += 1;
            let n = calls;
            async move {
                if n >= 3 {
                    Ok(n)
                } else {
                    Err(format!("call {n}"))
                }
            }
        })
        .await;
        assert_eq!(value, Ok(3));

        let error = eventually("never", Duration::from_millis(250), || async {
            Err::<(), _>("still no".to_owned())
        })
        .await
        .expect_err("times out");
        assert!(
            error.contains("waiting for never") && error.contains("still no"),
            "{error}"
        );
    }
}
