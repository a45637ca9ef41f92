//! The commands.

use std::path::{Path, PathBuf};

use symphony_pod_emulator::{EmulatorConfig, RunningEmulator};

use crate::examples;
use crate::flags::{Browser, BrowserList, Command, DemoFlags, Xtask};
use crate::process::{cargo, log, which, Cmd, Result};
use crate::tools::{self, Workspace};

/// The library crates checked for wasm32 (as docs.rs builds them) and packaged.
const BROWSER_CRATES: [&str; 3] = ["symphony-session", "symphony-dom", "yew-symphony"];
const WASM: &str = "wasm32-unknown-unknown";

pub fn run(flags: Xtask) -> Result {
    let workspace = Workspace::load()?;
    std::env::set_current_dir(&workspace.root)?;
    let w = &workspace;
    match flags.command {
        Command::Test(browsers) => test(w, &browsers.list),
        Command::Lint => lint(w),
        Command::Package => package(),
        Command::Msrv => msrv(w),
        Command::Native => native(),
        Command::Browser(browsers) => browser(w, &browsers.list),
        Command::E2e(browsers) => e2e(w, &browsers.list),
        Command::FreshApp => fresh_app(w),
        Command::Examples => examples::trunk_build(w),
        Command::Demo(ports) => demo(w, &ports),
        Command::Bench => bench(w),
        Command::Mutants { args } => mutants(&args),
        Command::Size => size(w),
    }
}

fn test(w: &Workspace, browsers: &BrowserList) -> Result {
    lint(w)?;
    package()?;
    msrv(w)?;
    native()?;
    browser(w, browsers)?;
    e2e(w, browsers)?;
    fresh_app(w)?;
    log("all checks passed");
    Ok(())
}

fn lint(w: &Workspace) -> Result {
    tools::rust()?;
    log("cargo fmt --check");
    cargo(["fmt", "--all", "--check"]).run()?;
    log("cargo clippy (native)");
    clippy(&["--workspace", "--all-targets"])?;
    tools::wasm_target()?;
    log("cargo clippy (wasm32)");
    let browser_crates = [
        "symphony-dom",
        "yew-symphony",
        "symphony-test-support",
        "symphony-demo",
        "bench-hello-world",
        "bench-hello-sdk",
    ];
    let mut all_targets = vec!["--target", WASM, "--all-targets"];
    for name in browser_crates {
        all_targets.extend(["-p", name]);
    }
    clippy(&all_targets)?;
    // With the sdk.js backend built in (its code and its suites).
    clippy(&[
        "--target",
        WASM,
        "--all-targets",
        "-p",
        "symphony-dom",
        "-p",
        "yew-symphony",
        "-p",
        "symphony-test-support",
        "--features",
        "symphony-dom/sdk-js,yew-symphony/sdk-js",
    ])?;
    // The examples are apps of their own, outside the workspace.
    examples::lint(w)?;
    // sdk.js alone: the libraries without the built-in protocol.
    clippy(&[
        "--target",
        WASM,
        "-p",
        "symphony-session",
        "-p",
        "symphony-dom",
        "-p",
        "yew-symphony",
        "--no-default-features",
        "--features",
        "symphony-session/sdk-js,symphony-dom/sdk-js,yew-symphony/sdk-js",
    ])?;
    // symphony-dom by itself, as an app that depends on it alone builds it (in the workspace,
    // Yew's web-sys features would hide one it forgot).
    for features in [
        &["--features", "sdk-js"][..],
        &["--no-default-features", "--features", "sdk-js"],
    ] {
        clippy(&[&["--target", WASM, "-p", "symphony-dom"][..], features].concat())?;
    }
    // The bench target is `test = false`: --all-targets leaves it out.
    clippy(&["--target", WASM, "-p", "yew-symphony", "--test", "bench"])?;
    // The session core in a browser: its library (the browser's URL) and the URL cases.
    clippy(&[
        "--target",
        WASM,
        "-p",
        "symphony-session",
        "--lib",
        "--test",
        "url_conformance",
    ])?;
    log("cargo doc -D warnings (the library crates, as docs.rs builds them)");
    cargo([
        "doc",
        "--no-deps",
        "--locked",
        "-p",
        "symphony-session",
        "-p",
        "symphony-pod-emulator",
    ])
    .args(["--features", "symphony-session/testing"])
    .env("RUSTDOCFLAGS", "-D warnings")
    .run()?;
    cargo([
        "doc",
        "--no-deps",
        "--locked",
        "--target",
        WASM,
        "-p",
        "symphony-dom",
        "-p",
        "yew-symphony",
    ])
    .args(["--features", "symphony-dom/sdk-js,yew-symphony/sdk-js"])
    .env("RUSTDOCFLAGS", "-D warnings")
    .run()
}

/// `cargo clippy --locked <args> -- -D warnings`.
fn clippy(args: &[&str]) -> Result {
    cargo(["clippy", "--locked"])
        .args(args)
        .args(["--", "-D", "warnings"])
        .run()
}

/// `-p name` for each name.
fn packages(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|n| ["-p".to_owned(), (*n).to_owned()])
        .collect()
}

/// `cargo package` for the four library crates, verified: each packaged crate is built on its
/// own against crates.io and its packaged siblings (the browser crates for wasm32, as docs.rs
/// builds them). --allow-dirty: it checks what would be published, also from a working tree.
fn package() -> Result {
    tools::rust()?;
    clear_unpacked_siblings()?;
    log("cargo package (native): symphony-session, symphony-pod-emulator");
    cargo([
        "package",
        "--locked",
        "--allow-dirty",
        "-p",
        "symphony-session",
        "-p",
        "symphony-pod-emulator",
    ])
    .run()?;
    tools::wasm_target()?;
    log("cargo package (wasm32): symphony-session, symphony-dom, yew-symphony");
    cargo(["package", "--locked", "--allow-dirty", "--target", WASM])
        .args(packages(&BROWSER_CRATES))
        .run()
}

/// Cargo unpacks each packaged sibling from a temporary registry into
/// `$CARGO_HOME/registry/src/<hash of that registry's path>/` and reuses what it finds there:
/// a checkout at a path an older tree was packaged from would verify against the older
/// sources of the same version. These crates are not on crates.io: clear them.
fn clear_unpacked_siblings() -> Result {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = std::fs::read_dir(home.join("registry").join("src")) else {
        return Ok(());
    };
    let ours = [
        "symphony-session",
        "symphony-dom",
        "yew-symphony",
        "symphony-pod-emulator",
    ];
    for registry in registries.flatten() {
        for entry in std::fs::read_dir(registry.path()).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let unpacked = ours.iter().any(|krate| {
                name.strip_prefix(krate)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
            });
            if unpacked {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
    }
    Ok(())
}

/// The declared rust-version, checked: the library crates are built with that toolchain
/// against the dependency versions an MSRV-aware resolver picks for it (what a user on that
/// toolchain gets), in a copy of the tree so that Cargo.lock stays as it is. Fails closed:
/// a toolchain that cannot be installed fails the check.
fn msrv(w: &Workspace) -> Result {
    tools::rust()?;
    let version = w.rust_version()?;
    log(format!("rust-version {version}: installing that toolchain"));
    Cmd::new("rustup")
        .args([
            "toolchain",
            "install",
            &version,
            "--profile",
            "minimal",
            "--target",
            WASM,
        ])
        .run()
        .map_err(|e| {
            format!(
                "{e}\nthe rust-version check needs Rust {version}: install it with \
                 `rustup toolchain install {version} --target {WASM}` (rustup must reach \
                 static.rust-lang.org or a mirror set in RUSTUP_DIST_SERVER), then run again"
            )
        })?;
    let copy = TempDir::new("msrv")?;
    let files = Cmd::new("git").args(["ls-files", "-z"]).read()?;
    for file in files.split('\0').filter(|f| !f.is_empty()) {
        let to = copy.0.join(file);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // A file deleted in the working tree but not yet in the index: not in the copy.
        if Path::new(file).is_file() {
            std::fs::copy(file, &to)?;
        }
    }
    cargo(["generate-lockfile", "--quiet"])
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
        .dir(&copy.0)
        .run()?;
    let target = w.target_dir.join("msrv");
    let toolchain = format!("+{version}");
    log(format!(
        "rust-version {version}: symphony-session, symphony-pod-emulator (native)"
    ));
    cargo([
        toolchain.as_str(),
        "check",
        "--locked",
        "-p",
        "symphony-session",
        "-p",
        "symphony-pod-emulator",
    ])
    .env("CARGO_TARGET_DIR", &target)
    .dir(&copy.0)
    .run()?;
    log(format!(
        "rust-version {version}: symphony-session, symphony-dom, yew-symphony (wasm32)"
    ));
    cargo([toolchain.as_str(), "check", "--locked", "--target", WASM])
        .args(packages(&BROWSER_CRATES))
        .env("CARGO_TARGET_DIR", &target)
        .dir(&copy.0)
        .run()
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(purpose: &str) -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("xtask-{purpose}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn native() -> Result {
    tools::rust()?;
    // Node.js runs the pod emulator's frame script in its native tests.
    tools::node()?;
    log("native tests and doctests");
    // The end-to-end test needs the built demo and a browser: `e2e` runs it.
    cargo(["test", "--workspace", "--exclude", "symphony-e2e", "--locked"]).run()?;
    log("the README's protocol table names every element of the wire");
    cargo([
        "test",
        "-p",
        "symphony-e2e",
        "--test",
        "protocol_table",
        "--locked",
    ])
    .run()
}

fn ensure_browsers(browsers: &BrowserList) -> Result {
    for browser in &browsers.0 {
        match browser {
            Browser::Chromium => tools::chromium()?,
            Browser::Firefox => tools::firefox()?,
        }
    }
    Ok(())
}

/// The command with exactly one WebDriver named, so that wasm-bindgen-test-runner (and the
/// end-to-end harness) cannot pick another one from the PATH.
fn with_driver(cmd: Cmd, browser: Browser) -> Result<Cmd> {
    let cmd = cmd
        .env_remove("SAFARIDRIVER")
        .env("SYMPHONY_E2E_BROWSER", browser.name());
    Ok(match browser {
        Browser::Chromium => cmd
            .env_remove("GECKODRIVER")
            .env("CHROMEDRIVER", which("chromedriver")?),
        Browser::Firefox => cmd
            .env_remove("CHROMEDRIVER")
            .env("GECKODRIVER", which("geckodriver")?),
    })
}

/// Pod emulators running in this process, on free ports of 127.0.0.1.
struct Emulators {
    runtime: tokio::runtime::Runtime,
    running: Vec<RunningEmulator>,
}

impl Emulators {
    fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        Ok(Self {
            runtime,
            running: Vec::new(),
        })
    }

    /// Starts one; returns the URL the browser suites address it by: `http://localhost:PORT`.
    /// Their page is served by wasm-bindgen-test-runner on 127.0.0.1, and browsers count
    /// localhost and 127.0.0.1 as different sites: so the page embeds the pod cross-site,
    /// as an app embeds a real pod (its cookies live in a cross-site frame, and the page's
    /// own fetch to it is cross-site).
    fn start(&mut self, config: EmulatorConfig) -> Result<&RunningEmulator> {
        let running = self
            .runtime
            .block_on(symphony_pod_emulator::start(config))
            .map_err(|e| format!("the pod emulator did not start: {e}"))?;
        self.running.push(running);
        Ok(self.running.last().expect("just pushed"))
    }

    fn start_for_suites(&mut self, user: &str) -> Result<String> {
        let running = self.start(EmulatorConfig {
            auto_login: Some(user.to_owned()),
            ..EmulatorConfig::default()
        })?;
        Ok(format!("http://localhost:{}", running.addr().port()))
    }
}

impl Drop for Emulators {
    fn drop(&mut self) {
        for running in self.running.drain(..) {
            self.runtime.block_on(running.shutdown());
        }
    }
}

fn wasm_tools(w: &Workspace) -> Result {
    tools::rust()?;
    tools::wasm_target()?;
    tools::wasm_bindgen(w)
}

fn browser(w: &Workspace, browsers: &BrowserList) -> Result {
    wasm_tools(w)?;
    ensure_browsers(browsers)?;
    let mut emulators = Emulators::new()?;
    let first = emulators.start_for_suites("alice")?;
    let second = emulators.start_for_suites("mallory")?;
    let timeout = std::env::var("WASM_BINDGEN_TEST_TIMEOUT").unwrap_or_else(|_| "180".into());
    for &browser in &browsers.0 {
        let name = browser.name();
        let suites = |cmd: Cmd| {
            cmd.env("SYMPHONY_EMULATOR_URL", &first)
                .env("SYMPHONY_EMULATOR2_URL", &second)
                .env("WASM_BINDGEN_TEST_TIMEOUT", &timeout)
        };
        log(format!(
            "browser suites (headless {name}) against {first} (and {second} for forged messages)"
        ));
        let cmd = wasm_test(&["symphony-dom", "yew-symphony"]).args(["--", "--skip", "reliability_suite"]);
        with_driver(suites(cmd), browser)?.run()?;
        log(format!(
            "the sdk.js backend alone (built without the built-in protocol; headless {name}) against the emulator's stand-in sdk.js"
        ));
        let cmd = wasm_test(&["symphony-dom", "yew-symphony"])
            .args(SDK_ALONE)
            .args([
                "--test",
                "sdk_backend",
                "--test",
                "sdk_load",
                "--test",
                "sdk_csp",
                "--test",
                "sdk_many",
                "--test",
                "sdk_components",
            ]);
        with_driver(suites(cmd), browser)?.run()?;
        log(format!(
            "URL conformance of the session core against the browser's own URL (headless {name})"
        ));
        let cmd = wasm_test(&["symphony-session"]).args(["--test", "url_conformance"]);
        with_driver(cmd, browser)?.run()?;
        log(format!(
            "reliability suite (headless {name}): every fault, forged messages, injections, 1000 requesters"
        ));
        let cmd = wasm_test(&["yew-symphony"]).args(["--test", "reliability", "--", "--nocapture"]);
        with_driver(suites(cmd), browser)?.run()?;
        log(format!(
            "reliability suite over sdk.js (headless {name}): every fault of the stand-in, 1000 requesters"
        ));
        let cmd = wasm_test(&["yew-symphony"]).args(SDK_ALONE).args([
            "--test",
            "sdk_reliability",
            "--",
            "--nocapture",
        ]);
        with_driver(suites(cmd), browser)?.run()?;
    }
    Ok(())
}

/// `cargo test --target wasm32-unknown-unknown --locked` over these packages.
fn wasm_test(names: &[&str]) -> Cmd {
    cargo(["test", "--target", WASM, "--locked"]).args(packages(names))
}

/// The browser crates built with the sdk.js backend alone (no built-in protocol).
const SDK_ALONE: [&str; 3] = [
    "--no-default-features",
    "--features",
    "symphony-dom/sdk-js,yew-symphony/sdk-js",
];

/// Builds the demo (release, wasm32) into target/demo-dist: wasm-bindgen's output and the
/// demo's static files. Returns that directory.
fn build_demo_dist(w: &Workspace) -> Result<PathBuf> {
    wasm_tools(w)?;
    let dist = w.target_dir.join("demo-dist");
    log(format!(
        "building the demo (release, wasm32) into {}",
        dist.display()
    ));
    cargo([
        "build",
        "--release",
        "--target",
        WASM,
        "-p",
        "symphony-demo",
        "--locked",
    ])
    .run()?;
    if dist.exists() {
        std::fs::remove_dir_all(&dist)?;
    }
    std::fs::create_dir_all(&dist)?;
    Cmd::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&dist)
        .arg(w.target_dir.join(WASM).join("release").join("symphony-demo.wasm"))
        .run()?;
    for file in ["index.html", "style.css", "boot.js", "favicon.svg"] {
        std::fs::copy(w.path("demo").join(file), dist.join(file))?;
    }
    Ok(dist)
}

/// The end-to-end test, then the seeded chaos run (tests/tests/chaos.rs: three documents,
/// random steps for SYMPHONY_CHAOS_SECS, default 90; SYMPHONY_CHAOS_SEED replays a seed).
fn e2e(w: &Workspace, browsers: &BrowserList) -> Result {
    ensure_browsers(browsers)?;
    let axe = tools::axe_core(w)?;
    let dist = build_demo_dist(w)?;
    for &browser in &browsers.0 {
        log(format!(
            "end-to-end test and chaos run: the demo in headless {} (WebDriver), screenshots in target/e2e-screenshots*",
            browser.name()
        ));
        let cmd = cargo([
            "test",
            "-p",
            "symphony-e2e",
            "--lib",
            "--test",
            "demo",
            "--test",
            "chaos",
            "--locked",
        ])
        .env("SYMPHONY_DEMO_DIST", &dist)
        .env("SYMPHONY_AXE_JS", &axe);
        with_driver(cmd, browser)?.run()?;
    }
    Ok(())
}

/// The examples built (cargo and wasm-bindgen), then a new app written from the README,
/// built the same way, served by the emulator `cargo install` made from its path (the
/// stand-in for `cargo install symphony-pod-emulator`; a debug build, sharing the
/// workspace's), and driven in headless Chromium (tests/tests/fresh_app.rs).
fn fresh_app(w: &Workspace) -> Result {
    wasm_tools(w)?;
    ensure_browsers(&BrowserList(vec![Browser::Chromium]))?;
    for name in examples::EXAMPLES {
        examples::build_dist(w, &examples::example_dir(w, name))?;
    }
    let root = w.target_dir.join("tools").join("pod-emulator");
    log("cargo install symphony-pod-emulator (from its path)");
    cargo([
        "install",
        "--locked",
        "--debug",
        "--path",
        "crates/pod-emulator",
        "--root",
    ])
    .arg(&root)
    .arg("--target-dir")
    .arg(&w.target_dir)
    .run()?;
    let app = w.target_dir.join("fresh-app");
    log(format!(
        "a new app from crates/yew/README.md in {}",
        app.display()
    ));
    examples::write_fresh_app(w, &app)?;
    let dist = examples::build_dist(w, &app)?;
    let cmd = cargo(["test", "-p", "symphony-e2e", "--test", "fresh_app", "--locked"])
        .env("SYMPHONY_FRESH_APP_DIST", &dist)
        .env(
            "SYMPHONY_EMULATOR_BIN",
            root.join("bin").join("symphony-pod-emulator"),
        );
    with_driver(cmd, Browser::Chromium)?.run()
}

/// Serves the demo with the pod emulator (auto-login alice) until Ctrl-C.
fn demo(w: &Workspace, ports: &DemoFlags) -> Result {
    let dist = build_demo_dist(w)?;
    let mut emulators = Emulators::new()?;
    let running = emulators
        .start(EmulatorConfig {
            port: ports.pod_port,
            auto_login: Some("alice".into()),
            serve_dir: Some(dist),
            serve_port: ports.demo_port,
            ..EmulatorConfig::default()
        })
        .map_err(|e| {
            format!("{e} (ports busy? use --pod-port and --demo-port, or POD_PORT and DEMO_PORT)")
        })?;
    let pod = running.url();
    let static_addr = running.static_addr().ok_or("the emulator serves no demo")?;
    // The page on localhost, the pod on 127.0.0.1: two sites, as an app and a real pod are.
    let demo = format!("http://localhost:{}", static_addr.port());
    println!("\n  Deal Desk (the demo): {demo}/?pod={pod}");
    println!(
        "  Pod emulator:         {pod} (signs new browsers in as alice; state at {pod}/__emulator/state)"
    );
    println!("\n  Press Ctrl-C to stop.\n");
    emulators.runtime.block_on(tokio::signal::ctrl_c())?;
    log("stopping");
    Ok(())
}

/// Benchmarks (see BENCHMARKS.md): the test target crates/yew/tests/bench.rs (test = false)
/// in release mode against two pod emulators, then the release sizes (benches/size.sh).
/// Prints a table and writes target/bench/results.json; it reports the targets and does
/// not fail on them.
fn bench(w: &Workspace) -> Result {
    wasm_tools(w)?;
    tools::chromium()?;
    tools::python()?;
    let out = w.target_dir.join("bench");
    std::fs::create_dir_all(&out)?;
    let mut emulators = Emulators::new()?;
    let first = emulators.start_for_suites("alice")?;
    let second = emulators.start_for_suites("mallory")?;
    log(format!(
        "benchmarks (release build, headless Chromium) against {first}: several minutes"
    ));
    let browser_log = out.join("browser.log");
    let mut log_file = std::fs::File::create(&browser_log)?;
    // One browser per benchmark, so that no run inherits the last one's thousands of frames.
    // Chromium, named explicitly: with geckodriver installed the runner could pick Firefox.
    for bench in ["bench_1", "bench_2", "bench_3", "bench_4", "bench_5"] {
        let cmd = cargo([
            "test",
            "--release",
            "--target",
            WASM,
            "-p",
            "yew-symphony",
            "--features",
            "sdk-js",
            "--test",
            "bench",
            "--locked",
        ])
        .args(["--", "--nocapture", bench])
        .env("SYMPHONY_EMULATOR_URL", &first)
        .env("SYMPHONY_EMULATOR2_URL", &second)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "1800");
        let text = with_driver(cmd, Browser::Chromium)?.read()?;
        print!("{text}");
        std::io::Write::write_all(&mut log_file, text.as_bytes())?;
    }
    drop(emulators);
    log("release sizes: the demo against a Yew hello-world");
    let size_log = out.join("size.log");
    let sizes = Cmd::new(w.path("benches/size.sh")).read()?;
    print!("{sizes}");
    std::fs::write(&size_log, &sizes)?;
    log("results");
    let browser_version = Cmd::new("chromium").arg("--version").probe().unwrap_or_default();
    let commit = Cmd::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .probe()
        .unwrap_or_default();
    Cmd::new("python3")
        .arg(w.path("benches/report.py"))
        .arg(&browser_log)
        .arg(&size_log)
        .arg("--out")
        .arg(out.join("results.json"))
        .arg("--meta")
        .arg(format!("browser={}", browser_version.trim()))
        .arg("--meta")
        .arg(format!("commit={}", commit.trim()))
        .run()
}

/// Mutation testing of the session core (settings in .cargo/mutants.toml).
fn mutants(args: &[String]) -> Result {
    tools::rust()?;
    tools::mutants()?;
    log("cargo mutants over crates/session (results in target/mutants/mutants.out)");
    std::fs::create_dir_all("target/mutants")?;
    cargo([
        "mutants",
        "--package",
        "symphony-session",
        "--jobs",
        "2",
        "--output",
        "target/mutants",
    ])
    .args(args)
    .run()
}

/// Where the library's bytes are: twiggy over the release builds of the Yew hello-world and
/// of the hello-world with one chat (benches/hello-world), by crate, with the largest items.
fn size(w: &Workspace) -> Result {
    wasm_tools(w)?;
    tools::twiggy()?;
    tools::python()?;
    let out = w.target_dir.join("bench").join("names");
    cargo([
        "build",
        "--release",
        "--target",
        WASM,
        "-p",
        "bench-hello-world",
        "--locked",
    ])
    .args(["--bin", "bench-hello-world", "--bin", "bench-hello-symphony"])
    .run()?;
    let bins = ["bench-hello-world", "bench-hello-symphony"];
    for bin in bins {
        let dir = out.join(bin);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        Cmd::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&dir)
            .arg(
                w.target_dir
                    .join(WASM)
                    .join("release")
                    .join(format!("{bin}.wasm")),
            )
            .run()?;
    }
    let wasm = |bin: &str| out.join(bin).join(format!("{bin}_bg.wasm"));
    Cmd::new("python3")
        .arg(w.path("benches/breakdown.py"))
        .arg(wasm(bins[0]))
        .arg(wasm(bins[1]))
        .arg("--out")
        .arg(w.target_dir.join("bench").join("breakdown.json"))
        .run()
}
