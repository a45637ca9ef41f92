//! A seeded chaos run of the demo in a real browser: three documents (windows of one
//! WebDriver session, all on the demo's origin on `localhost`, all embedding the same pod
//! emulator on `127.0.0.1`, so cross-site) take random steps from a seeded PRNG: Render, Log
//! out from any document, a document loaded with a short idle timeout (`?idle=3..5`), a click
//! in a page, emulator faults (logout `503`, a delay up to 2 s, a dropped connection, a main
//! frame that never says `clientReady`; back to ok often), a reload, and a new config applied
//! in the settings form (the provider drops its session and starts another). After every
//! step it checks, and counts:
//!
//! - (a) `no-visible-frame`: a document that shows `LoggedOut` (or `LoggingOut`) has no
//!   visible frame of the pod (checked on every look at a document, not only between steps);
//! - (b) `answered`: every click on Log out ends with a result (`{}` or `{"error":..}`)
//!   within the logout timeout;
//! - (c) `attempts-bounded`: over each step, the pod received at most one logout through a
//!   main frame and one over HTTP per logout round that could have run in it (the clicked
//!   document, each document with an idle timeout that was rendered, and each frame the pod
//!   served in the step: a main frame that signs in during a logout makes the library ask
//!   again);
//!   `exactly-one`: one request in all when one document logged out, signed in, with the pod
//!   answering, no other round possible and no frame served;
//! - (d) `session-ended`: the pod has no session after a logout that answered `{}` (or an
//!   idle logout the pod answered, when it was the only round of its step);
//! - (e) `clean-end`: after a final logout in every document, no document holds a frame of
//!   the pod or of the library (`iframe[data-symphony-instance]`).
//!
//! A new config also checks that every frame of the dropped session leaves the page. The
//! run lasts `SYMPHONY_CHAOS_SECS` (default 90 s) of steps, then ends: faults off, every
//! document loaded again without an idle timeout and signed in, and Log out in each (the
//! first one an exact round); `SYMPHONY_CHAOS_SEED` (hex `0x..` or decimal) replays a seed, else the clock picks
//! one; `SYMPHONY_CHAOS_STEPS` stops after that many steps. It prints one line starting with
//! `chaos:` (seed, steps, checks), and a failure names the seed, the step and every step
//! before it. A second test replays the first 35 steps of one fixed seed (each kind five
//! times, about 30 s), so that a known sequence always runs. The steps depend on the seed
//! only; when each one's waits end depends on the machine. `./x e2e` builds the demo and
//! names it in `SYMPHONY_DEMO_DIST`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::wd::WindowHandle;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use symphony_e2e::{
    check, click_button, click_css, demo_dist, eventually, screenshot, seen, with_pod, Browser, BrowserKind,
    Pod, Result, StaticCsp, USER,
};

/// The documents of the run.
const DOCS: usize = 3;

/// The longest a step's own condition may take to come true.
const WAIT: Duration = Duration::from_secs(20);

/// A logout is answered within the demo's logout timeout (10 s); the rest is margin for a
/// loaded machine.
const ANSWER: Duration = Duration::from_secs(15);

/// Steps are started for this long by default.
const DEFAULT_SECS: u64 = 90;

/// The replayed run: its seed, and its steps (five decks: each kind five times), stopped
/// earlier only by a budget it should never reach (about 30 s is usual).
const FIXED_SEED: u64 = 0xC4A0_5EED;
const FIXED_STEPS: usize = 5 * KINDS.len();
const FIXED_SECS: u64 = 120;

const SEED_ENV: &str = "SYMPHONY_CHAOS_SEED";
const SECS_ENV: &str = "SYMPHONY_CHAOS_SECS";
const STEPS_ENV: &str = "SYMPHONY_CHAOS_STEPS";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_chaos_run_across_three_documents_keeps_every_invariant() {
    let seed = match std::env::var(SEED_ENV) {
        Ok(value) => parse_seed(&value).unwrap_or_else(|e| panic!("{e}")),
        Err(_) => seed_from_clock(),
    };
    let secs = match std::env::var(SECS_ENV) {
        Ok(value) => value
            .trim()
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{SECS_ENV}={value:?} is not a number of seconds")),
        Err(_) => DEFAULT_SECS,
    };
    let steps = std::env::var(STEPS_ENV).ok().map(|value| {
        value
            .trim()
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("{STEPS_ENV}={value:?} is not a number of steps"))
    });
    run("chaos", seed, Duration::from_secs(secs), steps).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_seed_replays_a_known_sequence() {
    run(
        "chaos-fixed",
        FIXED_SEED,
        Duration::from_secs(FIXED_SECS),
        Some(FIXED_STEPS),
    )
    .await;
}

#[test]
fn the_generator_is_deterministic_and_seeds_read_as_hex_or_decimal() {
    let draw = |seed| {
        let mut rng = Rng::new(seed);
        (0..8).map(|_| rng.next()).collect::<Vec<_>>()
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
    assert!(draw(0).iter().all(|&x| x != 0), "a zero seed still runs");
    let mut rng = Rng::new(1);
    let mut deck = [0, 1, 2, 3, 4, 5, 6];
    rng.shuffle(&mut deck);
    let mut sorted = deck;
    sorted.sort_unstable();
    assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6], "a shuffle keeps every card");
    assert_eq!(parse_seed("0x1f"), Ok(31));
    assert_eq!(parse_seed(" 0X1F "), Ok(31));
    assert_eq!(parse_seed("31"), Ok(31));
    assert!(parse_seed("seed").is_err());
    assert_eq!(parse_seed(&format!("{:#x}", u64::MAX)), Ok(u64::MAX));
}

// ---- the generator ----

/// xorshift64 (13, 7, 17), its state from the seed through splitmix64 (so that close seeds
/// make unrelated runs, and 0 is a seed like any other).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self(if z == 0 { 1 } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n` (the slight modulo bias does not matter here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.below(i as u64 + 1)).unwrap_or(0);
            items.swap(i, j);
        }
    }
}

fn parse_seed(value: &str) -> Result<u64> {
    let value = value.trim();
    let parsed = match value.strip_prefix("0x").or_else(|| value.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    parsed.map_err(|_| format!("{SEED_ENV}={value:?} is not a seed (hex 0x.. or decimal)"))
}

fn seed_from_clock() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // The low bits move fastest; fold the rest in, and the process id.
    (nanos as u64) ^ ((nanos >> 64) as u64) ^ (u64::from(std::process::id()) << 32)
}

// ---- the run ----

async fn run(label: &'static str, seed: u64, budget: Duration, max_steps: Option<usize>) {
    let started = Instant::now();
    let dist = demo_dist().unwrap_or_else(|e| panic!("{e}"));
    let pod = Arc::new(
        Pod::start(&dist, StaticCsp::default())
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let browser = Browser::launch().await.unwrap_or_else(|e| panic!("{e}"));
    let demo_url = with_pod(
        &pod.cross_site_static_url().unwrap_or_else(|e| panic!("{e}")),
        &pod.url(),
    );
    let client = browser.client().clone();
    let task_pod = pod.clone();
    // The steps run in a task so that the browser is closed whatever happens to them.
    let outcome = tokio::spawn(async move {
        let mut chaos = Chaos::open(label, client, task_pod, demo_url, seed)
            .await
            .map_err(|e| format!("{label}: seed {seed:#x}: the three documents did not open: {e}"))?;
        let steps_started = Instant::now();
        match chaos.steps(budget, max_steps).await {
            Ok(()) => Ok(chaos.summary(steps_started.elapsed())),
            Err(failure) => {
                let failure = format!("{}\n{}", chaos.failure(&failure, budget), chaos.dump().await);
                chaos.screenshots().await;
                Err(failure)
            }
        }
    })
    .await;
    browser.quit().await;
    if let Ok(pod) = Arc::try_unwrap(pod) {
        pod.shutdown().await;
    }
    match outcome {
        Ok(Ok(summary)) => {
            // Past the test harness's capture: the line is the run's record.
            let _ = writeln!(
                std::io::stderr(),
                "{summary}; {:.1} s in all",
                started.elapsed().as_secs_f64()
            );
        }
        Ok(Err(failure)) => panic!("{failure}"),
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    }
}

/// The kinds of step, in the order of the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Render,
    Logout,
    Idle,
    Activity,
    Fault,
    Reload,
    Unmount,
    /// The end (not drawn): faults ok, every document loaded anew and signed in.
    Settle,
    /// The end (not drawn): Log out in one document.
    FinalLogout,
}

const KINDS: [Kind; 7] = [
    Kind::Render,
    Kind::Logout,
    Kind::Idle,
    Kind::Activity,
    Kind::Fault,
    Kind::Reload,
    Kind::Unmount,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Render => "render",
            Self::Logout => "logout",
            Self::Idle => "idle",
            Self::Activity => "activity",
            Self::Fault => "fault",
            Self::Reload => "reload",
            Self::Unmount => "unmount",
            Self::Settle => "settle",
            Self::FinalLogout => "final logout",
        }
    }
}

/// One step, drawn from the generator before it runs (so that the sequence depends on the
/// seed only, never on what the browser did).
#[derive(Clone, Copy, Debug)]
struct Plan {
    kind: Kind,
    doc: usize,
    param: u64,
    coin: bool,
}

/// What the emulator is told to do; the run keeps its own copy.
#[derive(Clone, Copy, Debug, PartialEq)]
enum LogoutFault {
    Ok,
    Status(u16),
    Delay(u64),
    Drop,
}

impl LogoutFault {
    fn json(self) -> Value {
        match self {
            Self::Ok => json!("ok"),
            Self::Status(status) => json!({ "status": status }),
            Self::Delay(ms) => json!({ "delayMs": ms }),
            Self::Drop => json!("drop"),
        }
    }

    /// The pod ends the session and says so (perhaps late).
    fn answers_ok(self) -> bool {
        matches!(self, Self::Ok | Self::Delay(_))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Faults {
    logout: LogoutFault,
    main_never_ready: bool,
}

impl Faults {
    const OK: Self = Self {
        logout: LogoutFault::Ok,
        main_never_ready: false,
    };

    fn json(self) -> Value {
        json!({
            "logout": self.logout.json(),
            "mainFrame": if self.main_never_ready { "neverReady" } else { "ok" },
        })
    }

    /// The fault step's choice: ok again three times in seven, else one fault.
    fn drawn(param: u64, now: Self) -> Self {
        match param % 7 {
            0..=2 => Self::OK,
            3 => Self {
                logout: LogoutFault::Status(503),
                ..now
            },
            4 => Self {
                logout: LogoutFault::Delay(200 + (param / 7) % 1801),
                ..now
            },
            5 => Self {
                logout: LogoutFault::Drop,
                ..now
            },
            _ => Self {
                main_never_ready: true,
                ..now
            },
        }
    }
}

impl std::fmt::Display for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let logout = match self.logout {
            LogoutFault::Ok => "ok".to_owned(),
            LogoutFault::Status(status) => status.to_string(),
            LogoutFault::Delay(ms) => format!("delay {ms} ms"),
            LogoutFault::Drop => "drop".to_owned(),
        };
        let main = if self.main_never_ready { "neverReady" } else { "ok" };
        write!(f, "logout {logout}, mainFrame {main}")
    }
}

/// One document: a window of the session.
struct Doc {
    handle: WindowHandle,
    /// `?idle=N` in its URL: a load gives its session an idle policy.
    url_idle: Option<u64>,
    /// The idle timeout of its session's config now (the URL's, unless the settings form
    /// turned it off).
    idle: Option<u64>,
}

/// What a document shows, read in one script.
#[derive(Clone, Debug, Default)]
struct Snap {
    /// `session-state`: empty while the app has not mounted.
    state: String,
    header: String,
    result: String,
    reason: String,
    countdown: Option<u64>,
    /// What the status panel says of a failed render.
    render_error: String,
    warning: bool,
    pod_frames: usize,
    visible: Vec<String>,
    /// The pod's frames: (`data-symphony-instance`, `src`).
    frames: Vec<(String, String)>,
    instances: usize,
    render_disabled: Option<bool>,
    logout_disabled: Option<bool>,
    /// Changes of the Log out button's `disabled` since the observer was put on it.
    logout_toggles: Option<u64>,
}

impl Snap {
    fn logged_out(&self) -> bool {
        self.state == "LoggedOut"
    }

    fn signed_in(&self) -> bool {
        self.state == "Rendered" && self.header == "Signed in"
    }

    fn brief(&self) -> String {
        format!(
            "state {:?}, header {:?}, reason {:?}, result {:?}, render error {:?}, warning {}, pod frames {} ({} visible), instances {}",
            self.state,
            self.header,
            self.reason,
            self.result,
            self.render_error,
            self.warning,
            self.pod_frames,
            self.visible.len(),
            self.instances
        )
    }
}

const SNAPSHOT_JS: &str = r#"
const pod = arguments[0];
const one = (s) => document.querySelector(s);
const text = (s) => { const e = one(s); return e ? e.textContent : ''; };
const button = (label) => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === label);
const frames = [...document.querySelectorAll('iframe')].filter((f) => f.src.startsWith(pod));
const render = button('Render');
const logout = button('Log out');
const observed = window.__chaosLogout;
return {
  state: text('[data-testid=session-state]'),
  header: text('header [data-testid=signed-in]'),
  result: text('[data-testid=logout-result]'),
  reason: text('[data-testid=logout-reason]'),
  countdown: text('[data-testid=idle-countdown]'),
  renderError: text('.status .error'),
  warning: one('[data-testid=idle-warning]') !== null,
  podFrames: frames.length,
  visible: frames.filter((f) => getComputedStyle(f).visibility !== 'hidden').map((f) => f.src),
  frames: frames.map((f) => [f.getAttribute('data-symphony-instance') || '', f.src]),
  instances: document.querySelectorAll('iframe[data-symphony-instance]').length,
  renderDisabled: render ? render.disabled : null,
  logoutDisabled: logout ? logout.disabled : null,
  logoutToggles: observed ? observed.toggles : null,
};
"#;

/// Puts an observer on the Log out button before a click: the button is disabled while
/// the hook's logout runs and enabled again when it is answered, so two changes of
/// `disabled` mean the click was answered, even with the same result as the last one.
const OBSERVE_LOGOUT_JS: &str = r#"
const b = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Log out');
if (!b) return 'no Log out button';
if (b.disabled) return 'the Log out button is disabled before the click';
if (window.__chaosLogout) window.__chaosLogout.observer.disconnect();
const seen = { toggles: 0 };
seen.observer = new MutationObserver((records) => { seen.toggles += records.length; });
seen.observer.observe(b, { attributes: true, attributeFilter: ['disabled'] });
window.__chaosLogout = seen;
return null;
"#;

fn read_snap(value: &Value) -> Result<Snap> {
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
    let count = |key: &str| {
        value[key]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| format!("no {key} in {value}"))
    };
    Ok(Snap {
        state: text("state"),
        header: text("header"),
        result: text("result"),
        reason: text("reason"),
        countdown: value["countdown"].as_str().and_then(|c| c.trim().parse().ok()),
        render_error: text("renderError"),
        warning: value["warning"].as_bool().unwrap_or(false),
        pod_frames: count("podFrames")?,
        visible: value["visible"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        frames: value["frames"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|pair| {
                        let part = |i: usize| pair[i].as_str().unwrap_or_default().to_owned();
                        (part(0), part(1))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        instances: count("instances")?,
        render_disabled: value["renderDisabled"].as_bool(),
        logout_disabled: value["logoutDisabled"].as_bool(),
        logout_toggles: value["logoutToggles"].as_u64(),
    })
}

/// A check counted in the summary.
#[derive(Default)]
struct Count(AtomicU64);

impl Count {
    fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
struct Checks {
    no_visible_frame: Count,
    answered: Count,
    clicks: Count,
    attempts_bounded: Count,
    exactly_one: Count,
    session_ended: Count,
    clean_end: Count,
}

/// What a step did that the checks after it need to know.
#[derive(Default)]
struct Report {
    /// A click on Log out: one round.
    clicked: bool,
    /// Renders of documents with an idle policy: each may make one idle logout round.
    idle_renders: u64,
    /// The one round of the step ran signed in, with the pod answering: exactly one request.
    exactly_one: bool,
    /// An idle logout ended with the pod answering (perhaps late): when it was the only
    /// round of the step, the pod has no session left. (With other rounds it is not
    /// known: a round of another document whose request left before a sign-in may be the
    /// one that ended, and it leaves the new session alive.)
    idle_logout_answered: bool,
    /// What came of it, for the step list.
    note: String,
}

/// How a wait for a document ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waited {
    Done,
    /// An idle logout (of this document or of another, told over the tab channel) came
    /// first; only possible while some document has an idle policy.
    IdleLogout,
}

/// What the main frame shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MainShows {
    User,
    SignIn,
    IdleLogout,
}

struct Chaos {
    label: &'static str,
    client: Client,
    pod: Arc<Pod>,
    /// The pod's origin followed by `/`: the start of every frame URL of the pod.
    pod_prefix: String,
    demo_url: String,
    seed: u64,
    rng: Rng,
    deck: Vec<Kind>,
    docs: Vec<Doc>,
    /// The window WebDriver commands go to.
    current: Mutex<Option<usize>>,
    faults: Faults,
    steps: Vec<String>,
    kinds: [u64; KINDS.len()],
    checks: Checks,
}

impl Chaos {
    /// Opens the three documents on the demo (the first main frame load signs the browser in
    /// as alice) and waits until each shows the signed-in chats.
    async fn open(
        label: &'static str,
        client: Client,
        pod: Arc<Pod>,
        demo_url: String,
        seed: u64,
    ) -> Result<Self> {
        let first = client.window().await.map_err(seen)?;
        let mut handles = vec![first];
        for _ in 1..DOCS {
            handles.push(client.new_window(false).await.map_err(seen)?.handle);
        }
        let pod_prefix = format!("{}/", pod.url());
        let chaos = Self {
            label,
            client,
            pod,
            pod_prefix,
            demo_url,
            seed,
            rng: Rng::new(seed),
            deck: Vec::new(),
            docs: handles
                .into_iter()
                .map(|handle| Doc {
                    handle,
                    url_idle: None,
                    idle: None,
                })
                .collect(),
            current: Mutex::new(None),
            faults: Faults::OK,
            steps: Vec::new(),
            kinds: [0; KINDS.len()],
            checks: Checks::default(),
        };
        for d in 0..DOCS {
            chaos.top(d).await?;
            chaos.client.goto(&chaos.demo_url).await.map_err(seen)?;
            chaos
                .wait_doc(d, "signed in after the first load", true, Snap::signed_in)
                .await?;
        }
        let users = chaos.pod.session_users().await?;
        check(users == [USER], || {
            format!("one session of {USER} expected after the first loads; the pod has {users:?}")
        })?;
        Ok(chaos)
    }

    /// Steps until the budget (or `max_steps`) is spent, then the final logout.
    async fn steps(&mut self, budget: Duration, max_steps: Option<usize>) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < budget && max_steps.is_none_or(|max| self.steps.len() < max) {
            let plan = self.plan();
            self.take_step(plan).await?;
        }
        self.final_logout().await
    }

    /// Runs one step, then checks what every step must leave true.
    async fn take_step(&mut self, plan: Plan) -> Result<()> {
        let index = self.steps.len() + 1;
        let step_started = Instant::now();
        self.steps.push(self.describe(&plan, index));
        eprintln!("{}: #{index} {}", self.label, self.steps[index - 1]);

        let before = self.snapshot_all().await?;
        let (frame_before, http_before) = self.pod.logout_requests().await?;
        let served_before = self.pod.frames_loaded().await?;
        let armed = self.armed(&before);
        let report = self.step(&plan, index, &before).await?;
        self.snapshot_all().await?;
        let state = self.pod.state().await?;
        let (frame, http, sessions, served) = match (
            state["logoutRequests"]["frame"].as_u64(),
            state["logoutRequests"]["http"].as_u64(),
            state["sessions"].as_array(),
            state["framesLoaded"].as_u64(),
        ) {
            (Some(frame), Some(http), Some(sessions), Some(served)) => (frame, http, sessions.len(), served),
            _ => return Err(format!("no logoutRequests, sessions or framesLoaded in {state}")),
        };
        let rounds = armed + u64::from(report.clicked) + report.idle_renders;
        let served = served - served_before;
        let (frames, https) = (frame - frame_before, http - http_before);
        check(frames <= rounds + served && https <= rounds + served, || {
            format!(
                "invariant (c) attempts-bounded: {frames} logout(s) through a main frame and {https} over HTTP \
                 in a step where at most {rounds} logout round(s) could run and the pod served {served} \
                 frame(s) (frame {frame_before} -> {frame}, http {http_before} -> {http})"
            )
        })?;
        self.checks.attempts_bounded.add();
        if report.idle_logout_answered && rounds == 1 {
            check(sessions == 0, || {
                format!(
                    "invariant (d) session-ended: d{}'s idle logout, the only round of the step, ended with \
                     the pod answering ({}), but the pod still has {sessions} session(s)",
                    plan.doc + 1,
                    self.faults
                )
            })?;
            self.checks.session_ended.add();
        }
        if report.exactly_one && rounds == 1 && served == 0 {
            check(frames + https == 1, || {
                format!(
                    "invariant (c) exactly-one: one document logged out, signed in, with the pod answering \
                     ({}), yet the pod got {frames} (frame) + {https} (http) requests",
                    self.faults
                )
            })?;
            self.checks.exactly_one.add();
        }
        if let Some(kind) = KINDS.iter().position(|k| *k == plan.kind) {
            self.kinds[kind] += 1;
        }
        let step = &mut self.steps[index - 1];
        step.push_str(&format!(
            " -> {} ({:.1} s; logout requests +{frames} frame +{https} http; {sessions} pod session(s))",
            report.note,
            step_started.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// Documents whose session may log out for idleness: an idle policy, and not logged out.
    fn armed(&self, snaps: &[Snap]) -> u64 {
        self.docs
            .iter()
            .zip(snaps)
            .filter(|(doc, snap)| doc.idle.is_some() && !snap.logged_out())
            .count() as u64
    }

    fn plan(&mut self) -> Plan {
        // Every kind once per deck, in a shuffled order: each kind comes as often as the others.
        if self.deck.is_empty() {
            self.deck = KINDS.to_vec();
            self.rng.shuffle(&mut self.deck);
        }
        let kind = self.deck.pop().unwrap_or(Kind::Render);
        Plan {
            kind,
            doc: usize::try_from(self.rng.below(DOCS as u64)).unwrap_or(0),
            param: self.rng.next(),
            coin: self.rng.next() & 1 == 1,
        }
    }

    fn describe(&self, plan: &Plan, index: usize) -> String {
        let d = plan.doc + 1;
        match plan.kind {
            Kind::Render => format!("render d{d}"),
            Kind::Logout => format!("logout d{d} (faults: {})", self.faults),
            Kind::Idle => format!(
                "idle d{d} ?idle={}{}",
                idle_seconds(plan.param),
                if plan.coin {
                    ", waiting for the idle logout"
                } else {
                    ", left running"
                }
            ),
            Kind::Activity => format!("activity d{d}"),
            Kind::Fault => format!("fault: {}", Faults::drawn(plan.param, self.faults)),
            Kind::Reload => format!("reload d{d}"),
            Kind::Unmount => format!(
                "unmount d{d} (new config: partnerId {}{})",
                partner(index),
                if plan.coin { ", idle off" } else { "" }
            ),
            Kind::Settle => "final: faults ok, every document loaded without ?idle and signed in".into(),
            Kind::FinalLogout => format!("final: logout d{d}"),
        }
    }

    async fn step(&mut self, plan: &Plan, index: usize, before: &[Snap]) -> Result<Report> {
        let d = plan.doc;
        match plan.kind {
            Kind::Render => self.render(d).await,
            Kind::Logout => self.logout(d, before).await,
            Kind::Idle => self.idle(d, idle_seconds(plan.param), plan.coin).await,
            Kind::Activity => self.activity(d).await,
            Kind::Fault => self.fault(Faults::drawn(plan.param, self.faults)).await,
            Kind::Reload => self.reload(d).await,
            Kind::Unmount => self.unmount(d, &partner(index), plan.coin).await,
            Kind::Settle => self.settle().await,
            Kind::FinalLogout => self.logout(d, before).await,
        }
    }

    // ---- the steps ----

    /// Render; once rendered, sign in inside the main frame when the pod shows its form,
    /// then the header says so (unless the main frame is told never to be ready).
    async fn render(&mut self, d: usize) -> Result<Report> {
        let snap = self.snapshot(d).await?;
        if snap.render_disabled == Some(true) {
            return Ok(Report {
                note: "Render is disabled (a render waits for the chat): nothing to click".into(),
                ..Report::default()
            });
        }
        let never_ready = self.faults.main_never_ready;
        let idle_renders = u64::from(self.docs[d].idle.is_some());
        let interrupted = |note: &str| Report {
            idle_renders,
            note: format!("{note}, then an idle logout came first"),
            ..Report::default()
        };
        self.top(d).await?;
        click_button(&self.client, "Render").await?;
        if self.wait_rendered(d, false).await? == Waited::IdleLogout {
            return Ok(interrupted("rendering"));
        }
        let mut note = match self.main_frame_shows(d, false).await? {
            MainShows::IdleLogout => return Ok(interrupted("rendered")),
            MainShows::User => "signed in already".to_owned(),
            MainShows::SignIn => {
                if let Err(error) = self.sign_in(d).await {
                    // The form may go while the user types: an idle logout (this document's,
                    // or another's followed here) removes the frames. Anything else fails.
                    let snap = self.snapshot(d).await?;
                    if matches!(snap.state.as_str(), "LoggingOut" | "LoggedOut") {
                        return Ok(interrupted("signing in"));
                    }
                    return Err(error);
                }
                if self.main_frame_shows(d, true).await? == MainShows::IdleLogout {
                    return Ok(interrupted("signed in"));
                }
                "signed in through the pod's form".to_owned()
            }
        };
        if never_ready {
            let snap = self.snapshot(d).await?;
            check(snap.header != "Signed in", || {
                format!(
                    "d{} says Signed in although its main frame never said clientReady: {}",
                    d + 1,
                    snap.brief()
                )
            })?;
            note.push_str(", the main frame never ready");
        } else if self.wait_doc(d, "signed in", true, Snap::signed_in).await? == Waited::IdleLogout {
            return Ok(interrupted(&note));
        }
        Ok(Report {
            idle_renders,
            note,
            ..Report::default()
        })
    }

    /// Log out in this document: answered in time with `{}` or an error; `{}` means the pod
    /// has no session left; the document is logged out, and the others too when a round ran.
    async fn logout(&mut self, d: usize, before: &[Snap]) -> Result<Report> {
        let was = before[d].clone();
        self.top(d).await?;
        let refused = self
            .client
            .execute(OBSERVE_LOGOUT_JS, vec![])
            .await
            .map_err(seen)?;
        check(refused.is_null(), || format!("d{}: {refused}", d + 1))?;
        click_button(&self.client, "Log out").await?;
        self.checks.clicks.add();
        let result = eventually(&format!("d{}'s logout answered", d + 1), ANSWER, || async {
            let snap = self.snapshot(d).await?;
            let toggles = snap.logout_toggles.unwrap_or(0);
            if toggles >= 2 && snap.logout_disabled == Some(false) && !snap.result.is_empty() {
                Ok(snap.result)
            } else {
                Err(format!(
                    "Log out's disabled changed {toggles} time(s), now {:?}; {}",
                    snap.logout_disabled,
                    snap.brief()
                ))
            }
        })
        .await
        .map_err(|e| format!("invariant (b) answered: {e}"))?;
        let parsed: Value = serde_json::from_str(&result)
            .map_err(|e| format!("invariant (b) answered: logout-result {result:?} is not JSON: {e}"))?;
        let ok = parsed == json!({});
        check(ok || parsed.get("error").is_some(), || {
            format!("invariant (b) answered: logout-result {result} is neither {{}} nor an error")
        })?;
        self.checks.answered.add();
        // A click on a document logging out already joins that round, which may have asked
        // the pod before the session of the moment existed (an idle logout that began before
        // another document signed in): then `{}` says nothing of that session.
        if ok && was.state != "LoggingOut" {
            let users = self.pod.session_users().await?;
            check(users.is_empty(), || {
                format!(
                    "invariant (d) session-ended: d{} answered {{}} (it showed {} before the click) \
                     but the pod still has sessions of {users:?}",
                    d + 1,
                    was.state
                )
            })?;
            self.checks.session_ended.add();
        }
        // Fail closed: whatever the answer, this document is logged out.
        let allowed: &[&str] = if was.state == "Unrendered" {
            &["LoggedOut", "Unrendered"]
        } else {
            &["LoggedOut"]
        };
        eventually(
            &format!("d{} logged out after its logout", d + 1),
            WAIT,
            || async {
                let snap = self.snapshot(d).await?;
                check(allowed.contains(&snap.state.as_str()), || snap.brief())
            },
        )
        .await?;
        // A round ran here (the document was not logged out): the others close too.
        if !was.logged_out() && was.state != "Unrendered" {
            for (other, snap) in before.iter().enumerate() {
                if other != d && snap.state == "Rendered" {
                    eventually(
                        &format!("d{} logged out after d{}'s logout", other + 1, d + 1),
                        WAIT,
                        || async {
                            let snap = self.snapshot(other).await?;
                            check(snap.logged_out(), || snap.brief())
                        },
                    )
                    .await?;
                }
            }
        }
        Ok(Report {
            clicked: true,
            exactly_one: was.signed_in() && self.faults.logout == LogoutFault::Ok,
            note: result,
            ..Report::default()
        })
    }

    /// Loads the document with `?idle=N`: it renders, warns at N/2 s, and logs out at N s
    /// unless something in it happens; with `wait`, the step waits for that logout.
    async fn idle(&mut self, d: usize, seconds: u64, wait: bool) -> Result<Report> {
        let url = reqwest::Url::parse_with_params(&self.demo_url, [("idle", seconds.to_string())])
            .map_err(|e| e.to_string())?;
        self.top(d).await?;
        self.client.goto(url.as_str()).await.map_err(seen)?;
        self.docs[d].url_idle = Some(seconds);
        self.docs[d].idle = Some(seconds);
        let mut report = Report {
            idle_renders: 1,
            ..Report::default()
        };
        if self.wait_rendered(d, true).await? == Waited::IdleLogout {
            report.note = "an idle logout came before the render".into();
            return Ok(report);
        }
        let warned = eventually(
            &format!("d{}'s idle warning or its idle logout", d + 1),
            Duration::from_secs(seconds) + WAIT,
            || async {
                let snap = self.snapshot(d).await?;
                if snap.warning || (snap.logged_out() && snap.reason == "idle") {
                    Ok(snap.warning)
                } else {
                    Err(snap.brief())
                }
            },
        )
        .await?;
        if !wait {
            report.note = if warned {
                "warned".into()
            } else {
                "logged out".into()
            };
            return Ok(report);
        }
        let signed_in = AtomicBool::new(false);
        let snap = eventually(
            &format!("d{}'s idle logout", d + 1),
            Duration::from_secs(seconds) + ANSWER,
            || async {
                let snap = self.snapshot(d).await?;
                if snap.signed_in() {
                    signed_in.store(true, Ordering::Relaxed);
                }
                if snap.logged_out() {
                    Ok(snap)
                } else {
                    Err(snap.brief())
                }
            },
        )
        .await?;
        check(snap.reason == "idle", || {
            format!(
                "d{} logged out for {:?}, not idle: {}",
                d + 1,
                snap.reason,
                snap.brief()
            )
        })?;
        // The pod ended the session, if this was the only round (checked after the step).
        report.idle_logout_answered = self.faults.logout.answers_ok();
        let signed_in = signed_in.load(Ordering::Relaxed);
        report.exactly_one = signed_in && self.faults.logout == LogoutFault::Ok;
        report.note = format!(
            "{}logged out for idleness{}",
            if warned { "warned, " } else { "" },
            if signed_in { " (signed in)" } else { "" }
        );
        Ok(report)
    }

    /// A click on the page's own text (trusted input, so activity): with an idle policy and
    /// its warning up, more than a second before the deadline, the warning goes and the
    /// session stays.
    async fn activity(&mut self, d: usize) -> Result<Report> {
        let snap = self.snapshot(d).await?;
        let strict = self.docs[d].idle.is_some()
            && snap.state == "Rendered"
            && snap.warning
            && snap.countdown.is_some_and(|left| left >= 2);
        self.top(d).await?;
        click_css(&self.client, ".ticket h1").await?;
        if !strict {
            return Ok(Report {
                note: "clicked".into(),
                ..Report::default()
            });
        }
        eventually(
            &format!("d{}'s idle warning gone after the click", d + 1),
            WAIT,
            || async {
                let snap = self.snapshot(d).await?;
                if snap.logged_out() {
                    // Not worth waiting: the click came before the deadline.
                    return Ok(Err(format!(
                        "d{} logged out although clicked more than a second before its idle deadline: {}",
                        d + 1,
                        snap.brief()
                    )));
                }
                check(!snap.warning && snap.state == "Rendered", || snap.brief())
                    .map(|()| Ok::<(), String>(()))
            },
        )
        .await??;
        Ok(Report {
            note: "the idle warning ended".into(),
            ..Report::default()
        })
    }

    async fn fault(&mut self, faults: Faults) -> Result<Report> {
        let answer = self.pod.set_faults(faults.json()).await?;
        // The pod answers every fault it has; the keys set here must read back as set.
        let set = faults.json();
        let read_back = set
            .as_object()
            .is_some_and(|set| set.iter().all(|(key, value)| answer.get(key) == Some(value)));
        check(read_back, || {
            format!("faults set to {}, the pod answers {answer}", faults.json())
        })?;
        self.faults = faults;
        Ok(Report {
            note: "set".into(),
            ..Report::default()
        })
    }

    async fn reload(&mut self, d: usize) -> Result<Report> {
        self.top(d).await?;
        self.client.refresh().await.map_err(seen)?;
        self.docs[d].idle = self.docs[d].url_idle;
        let waited = self.wait_rendered(d, true).await?;
        Ok(Report {
            idle_renders: u64::from(self.docs[d].idle.is_some()),
            note: match waited {
                Waited::Done => "rendered".into(),
                Waited::IdleLogout => "an idle logout came first".into(),
            },
            ..Report::default()
        })
    }

    /// Applies another valid config (a new partner id) in the settings form: the provider
    /// drops its session and mounts a new one, which renders the chats with the new config;
    /// every frame of the dropped session leaves the page (after the logout timeout at the
    /// latest, when a logout was running).
    async fn unmount(&mut self, d: usize, partner: &str, idle_off: bool) -> Result<Report> {
        let old = self.snapshot(d).await?;
        let old_instances: Vec<String> = old.frames.iter().map(|(instance, _)| instance.clone()).collect();
        self.top(d).await?;
        let input = self.client.find(Locator::Id("partner-id")).await.map_err(seen)?;
        input.clear().await.map_err(seen)?;
        input.send_keys(partner).await.map_err(seen)?;
        if idle_off {
            // A blank is no idle timeout (the form trims it); an input event either way.
            let input = self
                .client
                .find(Locator::Id("idle-seconds"))
                .await
                .map_err(seen)?;
            input.clear().await.map_err(seen)?;
            input.send_keys(" ").await.map_err(seen)?;
            self.docs[d].idle = None;
        }
        click_button(&self.client, "Apply").await?;
        let param = format!("partnerId={partner}");
        let report = |note: &str| Report {
            idle_renders: u64::from(self.docs[d].idle.is_some()),
            note: note.to_owned(),
            ..Report::default()
        };
        let waited = self
            .wait_doc(d, &format!("rendered anew with {param}"), true, |snap| {
                snap.state == "Rendered" && snap.frames.iter().any(|(_, src)| src.contains(&param))
            })
            .await?;
        if waited == Waited::IdleLogout {
            return Ok(report("an idle logout came first"));
        }
        eventually(
            &format!("the frames of d{}'s dropped session gone", d + 1),
            WAIT,
            || async {
                let snap = self.snapshot(d).await?;
                let left: Vec<_> = snap
                    .frames
                    .iter()
                    .filter(|(instance, _)| old_instances.contains(instance))
                    .collect();
                check(left.is_empty(), || {
                    format!(
                        "the provider dropped its session (it showed {:?}, {:?}) but its frames stay in the page: \
                         {left:?}; {}",
                        old.state,
                        old.header,
                        snap.brief()
                    )
                })
            },
        )
        .await?;
        Ok(report("a new session rendered, the old one's frames gone"))
    }

    /// With the pod answering again, Log out in every document; then nothing of the pod or
    /// of the library is left in any of them, and the pod has no session.
    async fn final_logout(&mut self) -> Result<()> {
        let plan = |kind, doc| Plan {
            kind,
            doc,
            param: 0,
            coin: false,
        };
        self.take_step(plan(Kind::Settle, 0)).await?;
        for d in 0..DOCS {
            self.take_step(plan(Kind::FinalLogout, d)).await?;
        }
        for d in 0..DOCS {
            eventually(&format!("d{} clean at the end", d + 1), WAIT, || async {
                let snap = self.snapshot(d).await?;
                check(
                    snap.logged_out() && snap.pod_frames == 0 && snap.instances == 0,
                    || format!("invariant (e) clean-end: d{}: {}", d + 1, snap.brief()),
                )
            })
            .await?;
            self.checks.clean_end.add();
        }
        let users = self.pod.session_users().await?;
        check(users.is_empty(), || {
            format!("invariant (d) session-ended: after the final logouts the pod has sessions of {users:?}")
        })
    }

    /// The start of the end: the pod answers, and every document shows the chats signed in,
    /// without an idle timeout (so that the first final logout is the one round there is).
    async fn settle(&mut self) -> Result<Report> {
        self.fault(Faults::OK).await?;
        // Away first, so that no page with an idle timeout is left to log out meanwhile.
        for d in 0..DOCS {
            self.top(d).await?;
            self.client.goto("about:blank").await.map_err(seen)?;
            self.docs[d].url_idle = None;
            self.docs[d].idle = None;
        }
        for d in 0..DOCS {
            self.top(d).await?;
            self.client.goto(&self.demo_url).await.map_err(seen)?;
            self.wait_rendered(d, true).await?;
        }
        if self.main_frame_shows(0, false).await? == MainShows::SignIn {
            self.sign_in(0).await?;
            self.main_frame_shows(0, true).await?;
        }
        self.wait_doc(0, "signed in", true, Snap::signed_in).await?;
        // The others loaded before the sign-in show the pod's form: loaded again, signed in.
        for d in 1..DOCS {
            if !self.snapshot(d).await?.signed_in() {
                self.top(d).await?;
                self.client.refresh().await.map_err(seen)?;
                self.wait_doc(d, "signed in", true, Snap::signed_in).await?;
            }
        }
        Ok(Report {
            note: "every document signed in".into(),
            ..Report::default()
        })
    }

    // ---- looking at the documents ----

    /// Makes document `d` the target of WebDriver's commands, at its top level.
    async fn top(&self, d: usize) -> Result<()> {
        self.client
            .switch_to_window(self.docs[d].handle.clone())
            .await
            .map_err(seen)?;
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(d);
        Ok(())
    }

    /// What document `d` shows. Every look checks invariant (a).
    async fn snapshot(&self, d: usize) -> Result<Snap> {
        let here = *self.current.lock().unwrap_or_else(|e| e.into_inner());
        if here != Some(d) {
            self.top(d).await?;
        }
        let value = self
            .client
            .execute(SNAPSHOT_JS, vec![json!(self.pod_prefix)])
            .await
            .map_err(seen)?;
        let snap = read_snap(&value)?;
        if snap.state == "LoggedOut" || snap.state == "LoggingOut" {
            check(snap.visible.is_empty(), || {
                format!(
                    "invariant (a) no-visible-frame: d{} shows {} with visible pod frames {:?}",
                    d + 1,
                    snap.state,
                    snap.visible
                )
            })?;
            self.checks.no_visible_frame.add();
        }
        Ok(snap)
    }

    async fn snapshot_all(&self) -> Result<Vec<Snap>> {
        let mut snaps = Vec::with_capacity(DOCS);
        for d in 0..DOCS {
            snaps.push(self.snapshot(d).await?);
        }
        Ok(snaps)
    }

    /// Waits until document `d` satisfies `done`, or (while some document has an idle
    /// policy) an idle logout reached it: one that came after what the step did, so when the
    /// document is `fresh` (a new page or session, or one seen signed in during the step) any
    /// idle logout, else one that came after it was seen not logged out, or that interrupted
    /// its render.
    async fn wait_doc(
        &self,
        d: usize,
        what: &str,
        fresh: bool,
        done: impl Fn(&Snap) -> bool,
    ) -> Result<Waited> {
        let idle_possible = self.docs.iter().any(|doc| doc.idle.is_some());
        let seen_in = AtomicBool::new(fresh);
        eventually(&format!("d{} {what}", d + 1), WAIT, || async {
            let snap = self.snapshot(d).await?;
            if done(&snap) {
                return Ok(Waited::Done);
            }
            if !snap.logged_out() && !snap.state.is_empty() {
                seen_in.store(true, Ordering::Relaxed);
            } else if idle_possible
                && snap.reason == "idle"
                && (seen_in.load(Ordering::Relaxed) || snap.render_error.contains("interrupted by a logout"))
            {
                return Ok(Waited::IdleLogout);
            }
            Err(snap.brief())
        })
        .await
    }

    /// Waits until document `d` shows its three chats rendered (`fresh` as for
    /// [`Self::wait_doc`]).
    async fn wait_rendered(&self, d: usize, fresh: bool) -> Result<Waited> {
        self.wait_doc(d, "rendered", fresh, |snap| {
            snap.state == "Rendered" && snap.pod_frames == 3
        })
        .await
    }

    /// Waits until the main frame of document `d` shows the chat (`#user`) or (unless
    /// `after_sign_in`: the form was sent, the session is made when the chat shows) the pod's
    /// sign-in form, unless an idle logout comes first.
    async fn main_frame_shows(&self, d: usize, after_sign_in: bool) -> Result<MainShows> {
        let idle_possible = self.docs.iter().any(|doc| doc.idle.is_some());
        let what = if after_sign_in {
            "the chat after the sign-in"
        } else {
            "the chat or the sign-in form"
        };
        eventually(
            &format!("d{}'s main frame showing {what}", d + 1),
            WAIT,
            || async {
                let snap = self.snapshot(d).await?;
                if idle_possible && snap.logged_out() && snap.reason == "idle" {
                    return Ok(MainShows::IdleLogout);
                }
                self.in_main_frame(d, async {
                    let user = self.client.find_all(Locator::Css("#user")).await.map_err(seen)?;
                    if let Some(user) = user.first() {
                        let name = user.text().await.map_err(seen)?;
                        check(name == USER, || format!("the main frame shows user {name:?}"))?;
                        return Ok(MainShows::User);
                    }
                    let form = self
                        .client
                        .find_all(Locator::Css("#signin-user"))
                        .await
                        .map_err(seen)?;
                    if form.is_empty() || after_sign_in {
                        Err(format!("no #user yet; {}", snap.brief()))
                    } else {
                        Ok(MainShows::SignIn)
                    }
                })
                .await
            },
        )
        .await
    }

    /// Runs `inside` with WebDriver inside the main frame of document `d`, then goes back
    /// to the top level whatever happened.
    async fn in_main_frame<T>(
        &self,
        d: usize,
        inside: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        self.top(d).await?;
        let frame = self
            .client
            .find(Locator::Css("#desk-main iframe"))
            .await
            .map_err(|e| format!("no main frame in d{}: {e}", d + 1))?;
        let result = match frame.enter_frame().await {
            Ok(()) => inside.await,
            Err(e) => Err(seen(e)),
        };
        self.top(d).await?;
        result
    }

    /// Types the user into the pod's sign-in form inside the main frame and submits it.
    async fn sign_in(&self, d: usize) -> Result<()> {
        self.in_main_frame(d, async {
            let input = self.client.find(Locator::Id("signin-user")).await.map_err(seen)?;
            input.send_keys(USER).await.map_err(seen)?;
            self.client
                .find(Locator::Css("#signin button[type=submit]"))
                .await
                .map_err(seen)?
                .click()
                .await
                .map_err(seen)
        })
        .await
        .map_err(|e| format!("signing in inside d{}'s main frame: {e}", d + 1))
    }

    // ---- the record ----

    fn summary(&self, steps_time: Duration) -> String {
        let kinds = KINDS
            .iter()
            .zip(self.kinds)
            .map(|(kind, n)| format!("{} {n}", kind.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let c = &self.checks;
        let all = |count: &Count| format!("{0}/{0}", count.get());
        format!(
            "chaos: seed {:#x}{}, {}, {} steps in {:.1} s ({kinds}), invariants: no-visible-frame {}, \
             answered {}/{}, attempts-bounded {}, exactly-one {}, session-ended {}, clean-end {}",
            self.seed,
            if self.label == "chaos-fixed" {
                " (fixed)"
            } else {
                ""
            },
            browser_name(),
            self.kinds.iter().sum::<u64>(),
            steps_time.as_secs_f64(),
            all(&c.no_visible_frame),
            c.answered.get(),
            c.clicks.get(),
            all(&c.attempts_bounded),
            all(&c.exactly_one),
            all(&c.session_ended),
            all(&c.clean_end),
        )
    }

    /// The failure with what it takes to replay it.
    fn failure(&self, error: &str, budget: Duration) -> String {
        let at = match self.steps.last() {
            Some(last) if last.starts_with("final") => format!("step #{} (the end)", self.steps.len()),
            Some(_) => format!("step #{}", self.steps.len()),
            None => "the start".to_owned(),
        };
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| format!("  #{} {step}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        let replay = if self.label == "chaos-fixed" {
            format!(
                "SYMPHONY_BROWSERS={} ./x e2e (the fixed seed; or {SEED_ENV}={:#x} {STEPS_ENV}={FIXED_STEPS})",
                browser_name(),
                self.seed
            )
        } else {
            format!(
                "{SEED_ENV}={:#x} {SECS_ENV}={} SYMPHONY_BROWSERS={} ./x e2e",
                self.seed,
                budget.as_secs(),
                browser_name()
            )
        };
        format!(
            "{}: seed {:#x} ({}) failed at {at}: {error}\n\
             checks so far: no-visible-frame {}, answered {}/{}, attempts-bounded {}, exactly-one {}, session-ended {}\n\
             replay: {replay}\n\
             steps so far:\n{steps}",
            self.label,
            self.seed,
            browser_name(),
            self.checks.no_visible_frame.get(),
            self.checks.answered.get(),
            self.checks.clicks.get(),
            self.checks.attempts_bounded.get(),
            self.checks.exactly_one.get(),
            self.checks.session_ended.get(),
        )
    }

    /// What each document and the pod show now, for a failure.
    async fn dump(&self) -> String {
        let mut lines = vec!["now:".to_owned()];
        for d in 0..DOCS {
            let doc = &self.docs[d];
            let shows = match self.snapshot(d).await {
                Ok(snap) => format!("{}; frames {:?}", snap.brief(), snap.frames),
                Err(e) => e,
            };
            lines.push(format!("  d{} (idle {:?}): {shows}", d + 1, doc.idle));
        }
        let pod = match self.pod.state().await {
            Ok(state) => json!({
                "sessions": state["sessions"],
                "logoutRequests": state["logoutRequests"],
                "faults": state["faults"],
                "framesLoaded": state["framesLoaded"],
            })
            .to_string(),
            Err(e) => e,
        };
        lines.push(format!("  pod: {pod}"));
        lines.join("\n")
    }

    /// One screenshot per document, for a failure.
    async fn screenshots(&self) {
        for d in 0..DOCS {
            if self.top(d).await.is_ok() {
                let _ = screenshot(&self.client, &format!("{}-failed-d{}", self.label, d + 1)).await;
            }
        }
    }
}

/// The idle timeout of an idle step: 3 to 5 s.
fn idle_seconds(param: u64) -> u64 {
    3 + param % 3
}

/// The partner id of the config an unmount step applies.
fn partner(index: usize) -> String {
    format!("chaos-{index}")
}

fn browser_name() -> &'static str {
    match BrowserKind::from_env() {
        BrowserKind::Chromium => "chromium",
        BrowserKind::Firefox => "firefox",
    }
}
