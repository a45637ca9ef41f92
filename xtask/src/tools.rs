//! What the commands need, installed when missing (idempotent): Rust's components and the
//! wasm32 target, wasm-bindgen-cli at Cargo.lock's version, Chromium and Firefox with their
//! WebDrivers, Node.js, Python, cargo-mutants, twiggy. Versions that matter are pinned here.

use std::path::{Path, PathBuf};

use crate::process::{cargo, log, on_path, Cmd, Result};

/// cargo-mutants, pinned so that the scores in crates/session/MUTANTS.md stay comparable.
pub const MUTANTS_VERSION: &str = "27.1.0";
/// twiggy, for `size`.
pub const TWIGGY_VERSION: &str = "0.8.0";
/// geckodriver (crates.io), for Firefox.
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// axe-core (npm), the accessibility checker the end-to-end test runs on the demo.
pub const AXE_CORE_VERSION: &str = "4.10.3";
/// Trunk, the Yew apps' bundler, for `examples` (the READMEs name this version).
pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen (npm), whose `wasm-opt` Trunk runs in `examples` (Debian's is too old); the
/// same as benches/size.sh installs.
pub const BINARYEN_VERSION: &str = "132.0.0";

/// What `cargo metadata` says of the workspace.
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    metadata: serde_json::Value,
}

impl Workspace {
    pub fn load() -> Result<Self> {
        let text = cargo(["metadata", "--format-version", "1", "--locked"]).read()?;
        let metadata: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
        let path = |key: &str| {
            metadata[key]
                .as_str()
                .map(PathBuf::from)
                .ok_or_else(|| format!("cargo metadata has no {key}"))
        };
        Ok(Self {
            root: path("workspace_root")?,
            target_dir: path("target_directory")?,
            metadata,
        })
    }

    /// The versions of the package `name` in the dependency graph.
    fn versions_of(&self, name: &str) -> Vec<&str> {
        self.metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["name"] == name)
            .filter_map(|p| p["version"].as_str())
            .collect()
    }

    /// The one version of `name` in Cargo.lock.
    pub fn locked_version(&self, name: &str) -> Result<String> {
        match self.versions_of(name).as_slice() {
            [version] => Ok((*version).to_owned()),
            [] => Err(format!("{name} is not in Cargo.lock").into()),
            more => Err(format!("Cargo.lock has {} versions of {name}: {more:?}", more.len()).into()),
        }
    }

    /// The rust-version the workspace's library crates declare.
    pub fn rust_version(&self) -> Result<String> {
        let mut versions: Vec<&str> = self.metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["source"].is_null() && p["publish"] != serde_json::json!([]))
            .filter_map(|p| p["rust_version"].as_str())
            .collect();
        versions.sort_unstable();
        versions.dedup();
        match versions.as_slice() {
            [version] => Ok((*version).to_owned()),
            other => Err(format!("the library crates declare one rust-version, not {other:?}").into()),
        }
    }

    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }
}

/// Runs a command as root (directly when we are, else with sudo).
fn as_root(args: &[&str]) -> Result {
    let root = Cmd::new("id")
        .arg("-u")
        .probe()
        .is_some_and(|id| id.trim() == "0");
    if root {
        Cmd::new(args[0]).args(&args[1..]).run()
    } else {
        Cmd::new("sudo").args(args).run()
    }
}

fn apt_install(packages: &[&str]) -> Result {
    log(format!("installing {} (apt)", packages.join(" ")));
    as_root(&["apt-get", "update", "-qq"])?;
    let mut args = vec![
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        "-qq",
    ];
    args.extend(packages);
    as_root(&args)
}

/// The first line a tool prints for `--version`, if it runs. A cargo subcommand
/// (`cargo-mutants`) is asked through cargo (`cargo mutants --version`): run by itself it
/// takes no `--version`.
fn version_line(program: &str) -> Option<String> {
    let probe = match program.strip_prefix("cargo-") {
        Some(subcommand) => cargo([subcommand, "--version"]),
        None => Cmd::new(program).arg("--version"),
    };
    probe
        .probe()
        .and_then(|out| out.lines().next().map(str::to_owned))
}

/// Installs `krate` at `version` with `cargo install` unless `program --version` says it.
fn ensure_cargo_tool(program: &str, krate: &str, version: &str, locked: bool, note: &str) -> Result {
    if version_line(program).is_some_and(|line| line.split_whitespace().any(|w| w == version)) {
        return Ok(());
    }
    log(format!("installing {krate} {version}{note}"));
    let mut args = vec!["install", krate, "--version", version];
    if locked {
        args.push("--locked");
    }
    cargo(args).run()
}

pub fn rust() -> Result {
    if !on_path("cargo") || !on_path("rustup") {
        return Err(
            "cargo and rustup must be on the PATH: install Rust with rustup first (https://rustup.rs)".into(),
        );
    }
    let installed = Cmd::new("rustup")
        .args(["component", "list", "--installed"])
        .read()?;
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|line| line.starts_with(component)) {
            Cmd::new("rustup").args(["component", "add", component]).run()?;
        }
    }
    Ok(())
}

pub fn wasm_target() -> Result {
    let installed = Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .read()?;
    if !installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        Cmd::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .run()?;
    }
    Ok(())
}

/// wasm-bindgen-cli, at exactly the wasm-bindgen version of Cargo.lock.
pub fn wasm_bindgen(workspace: &Workspace) -> Result {
    let version = workspace.locked_version("wasm-bindgen")?;
    // Not --locked: one of its locked dependencies is missing from the registry mirror.
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &version, false, "")
}

pub fn mutants() -> Result {
    ensure_cargo_tool("cargo-mutants", "cargo-mutants", MUTANTS_VERSION, false, "")
}

pub fn twiggy() -> Result {
    ensure_cargo_tool("twiggy", "twiggy", TWIGGY_VERSION, false, "")
}

pub fn chromium() -> Result {
    if !on_path("chromedriver") || !on_path("chromium") {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    Ok(())
}

pub fn firefox() -> Result {
    if !on_path("firefox-esr") {
        apt_install(&["firefox-esr"])?;
    }
    ensure_cargo_tool(
        "geckodriver",
        "geckodriver",
        GECKODRIVER_VERSION,
        false,
        " (about 4 minutes)",
    )
}

pub fn node() -> Result {
    if !on_path("node") {
        apt_install(&["nodejs"])?;
    }
    Ok(())
}

/// `axe.min.js` of [`AXE_CORE_VERSION`], installed with npm under `target/tools/axe`
/// (about 3 s); its path.
pub fn axe_core(workspace: &Workspace) -> Result<PathBuf> {
    node()?;
    if !on_path("npm") {
        apt_install(&["npm"])?;
    }
    let prefix = workspace.target_dir.join("tools").join("axe");
    let package = prefix.join("node_modules").join("axe-core");
    let script = package.join("axe.min.js");
    let installed = std::fs::read_to_string(package.join("package.json"))
        .is_ok_and(|manifest| manifest.contains(&format!("\"version\": \"{AXE_CORE_VERSION}\"")));
    if !installed || !script.is_file() {
        log(format!(
            "installing axe-core {AXE_CORE_VERSION} (npm) under {}",
            prefix.display()
        ));
        std::fs::create_dir_all(&prefix)?;
        Cmd::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&prefix)
            .arg(format!("axe-core@{AXE_CORE_VERSION}"))
            .run()?;
    }
    Ok(script)
}

pub fn trunk() -> Result {
    ensure_cargo_tool(
        "trunk",
        "trunk",
        TRUNK_VERSION,
        true,
        " (about 6 minutes on 2 cores)",
    )
}

/// binaryen's `wasm-opt` (npm) under `target/tools`; the directory that holds it.
pub fn binaryen(workspace: &Workspace) -> Result<PathBuf> {
    node()?;
    if !on_path("npm") {
        apt_install(&["npm"])?;
    }
    let prefix = workspace.target_dir.join("tools");
    let bin = prefix.join("node_modules").join(".bin");
    let version = Cmd::new(bin.join("wasm-opt")).arg("--version").probe();
    let major = BINARYEN_VERSION.split('.').next().unwrap_or(BINARYEN_VERSION);
    if !version.is_some_and(|v| v.contains(&format!("version {major}"))) {
        log(format!(
            "installing binaryen {BINARYEN_VERSION} (npm: wasm-opt) under {}",
            prefix.display()
        ));
        std::fs::create_dir_all(&prefix)?;
        Cmd::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&prefix)
            .arg(format!("binaryen@{BINARYEN_VERSION}"))
            .run()?;
    }
    Ok(bin)
}

pub fn python() -> Result {
    if !on_path("python3") {
        apt_install(&["python3"])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tools_are_asked_their_version_the_way_they_answer() {
        // On this machine the tools are installed: a probe that cannot read them would
        // reinstall them on every run. Skipped where a tool is missing.
        for (program, crate_version) in [
            ("cargo-mutants", super::MUTANTS_VERSION),
            ("twiggy", super::TWIGGY_VERSION),
        ] {
            if crate::process::on_path(program) {
                let line = super::version_line(program).unwrap_or_default();
                assert!(line.contains(crate_version), "{program}: {line:?}");
            }
        }
    }
}
