//! The Yew examples (`crates/yew/examples/`) and the getting-started of yew-symphony's
//! README (its crates.io page). Each example is an app of its own, as a user's app is: its
//! own `[workspace]`, size profile and `Trunk.toml`. `./x test` builds them the way the demo
//! is built (cargo, then wasm-bindgen; Trunk takes long to install on 2 cores) and builds a
//! new app from the README's own text; `./x examples` runs `trunk build --offline` on them.

use std::path::{Path, PathBuf};

use crate::process::{cargo, log, Cmd, Result};
use crate::tools::{self, Workspace};

/// The examples, by directory under `crates/yew/examples/`.
pub const EXAMPLES: [&str; 1] = ["two-chats"];

/// The example the README's getting-started shows, file by file.
#[cfg(test)]
const GETTING_STARTED: &str = "two-chats";

/// How the README's `Cargo.toml` names the library (crates.io), and how the examples do
/// (the same version, by path in this repository).
const FROM_CRATES_IO: &str = r#"yew-symphony = "0.2""#;
#[cfg(test)]
const FROM_PATH: &str = r#"yew-symphony = { version = "0.2", path = "../.." }"#;

const WASM: &str = "wasm32-unknown-unknown";

/// The directory of an example.
pub fn example_dir(w: &Workspace, name: &str) -> PathBuf {
    w.path("crates/yew/examples").join(name)
}

/// The files the README gives, in order: each fenced block whose line before is
/// `` `PATH`: `` (the block's text, without the fences).
pub fn readme_files(readme: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut lines = readme.lines().peekable();
    let mut named: Option<String> = None;
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(path) = trimmed
            .strip_prefix('`')
            .and_then(|rest| rest.strip_suffix("`:"))
            .filter(|path| !path.contains('`') && !path.is_empty())
        {
            named = Some(path.to_owned());
            continue;
        }
        if trimmed.starts_with("```") {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            if let Some(path) = named.take() {
                files.push((path, body));
            }
            continue;
        }
        if !trimmed.is_empty() {
            named = None;
        }
    }
    files
}

/// An example's file as the README shows it: the library from crates.io.
#[cfg(test)]
fn as_published(path: &str, text: &str) -> String {
    if path == "Cargo.toml" {
        text.replace(FROM_PATH, FROM_CRATES_IO)
    } else {
        text.to_owned()
    }
}

/// Writes a new app from the README's text into `dir` (the library by path: the stand-in
/// for crates.io), with a copy of the workspace's Cargo.lock; its package name.
pub fn write_fresh_app(w: &Workspace, dir: &Path) -> Result<String> {
    let readme = std::fs::read_to_string(w.path("crates/yew/README.md"))?;
    let files = readme_files(&readme);
    if !files.iter().any(|(path, _)| path == "Cargo.toml") {
        return Err("crates/yew/README.md gives no `Cargo.toml`: block".into());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let library = w.path("crates/yew");
    for (path, text) in &files {
        let text = if path == "Cargo.toml" {
            if !text.contains(FROM_CRATES_IO) {
                return Err(format!("the README's Cargo.toml does not say {FROM_CRATES_IO}").into());
            }
            text.replace(
                FROM_CRATES_IO,
                &format!("yew-symphony = {{ path = {:?} }}", library.display().to_string()),
            )
        } else {
            text.clone()
        };
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(file, text)?;
    }
    std::fs::copy(w.path("Cargo.lock"), dir.join("Cargo.lock"))?;
    package_name(&dir.join("Cargo.toml"))
}

/// The `name` of a manifest's `[package]`.
fn package_name(manifest: &Path) -> Result<String> {
    let text = std::fs::read_to_string(manifest)?;
    text.lines()
        .find_map(|line| {
            let value = line.trim().strip_prefix("name")?.trim_start().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| format!("{} names no package", manifest.display()).into())
}

/// `pattern_script` of a `Trunk.toml`: the start script Trunk writes into the page.
fn pattern_script(trunk_toml: &str) -> Option<String> {
    trunk_toml.lines().find_map(|line| {
        let value = line
            .trim()
            .strip_prefix("pattern_script")?
            .trim_start()
            .strip_prefix('=')?;
        let quoted = value.trim().strip_prefix('"')?.strip_suffix('"')?;
        Some(quoted.replace("\\\"", "\""))
    })
}

/// The page as Trunk writes it (with its `base` of `/`): the `data-trunk` links replaced by
/// a stylesheet link and the start script of `pattern_script`.
fn page_as_trunk_writes_it(index: &str, trunk_toml: &str, package: &str) -> Result<String> {
    let script = pattern_script(trunk_toml).ok_or("Trunk.toml has no pattern_script")?;
    let script = script
        .replace("{base}", "/")
        .replace("{js}", &format!("{package}.js"))
        .replace("{wasm}", &format!("{package}_bg.wasm"));
    let mut page = String::new();
    for line in index.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("<link data-trunk") {
            if let Some(rest) = trimmed.split("rel=\"css\" href=\"").nth(1) {
                let href = rest.split('"').next().unwrap_or_default();
                page.push_str(&format!("  <link rel=\"stylesheet\" href=\"/{href}\">\n"));
            }
            continue;
        }
        if trimmed == "</body>" || trimmed.ends_with("</body>") {
            page.push_str(&line.replace("</body>", &format!("{script}</body>")));
            page.push('\n');
            continue;
        }
        page.push_str(line);
        page.push('\n');
    }
    if !page.contains(&script) {
        return Err("index.html has no </body> for the start script".into());
    }
    Ok(page)
}

/// Builds the app in `dir` (its own workspace) as the demo is built: cargo (release,
/// wasm32, the workspace's target directory and a copy of its Cargo.lock) and wasm-bindgen,
/// with the page as Trunk writes it, the stylesheet and the start file, into `dir/dist`.
pub fn build_dist(w: &Workspace, dir: &Path) -> Result<PathBuf> {
    let package = package_name(&dir.join("Cargo.toml"))?;
    log(format!(
        "building {package} (release, wasm32) from {}",
        dir.display()
    ));
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(w.path("Cargo.lock"), dir.join("Cargo.lock"))?;
    }
    cargo(["build", "--release", "--target", WASM])
        .env("CARGO_TARGET_DIR", &w.target_dir)
        .dir(dir)
        .run()?;
    let dist = dir.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist)?;
    }
    std::fs::create_dir_all(&dist)?;
    Cmd::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&dist)
        .arg(
            w.target_dir
                .join(WASM)
                .join("release")
                .join(format!("{package}.wasm")),
        )
        .run()?;
    let page = page_as_trunk_writes_it(
        &std::fs::read_to_string(dir.join("index.html"))?,
        &std::fs::read_to_string(dir.join("Trunk.toml"))?,
        &package,
    )?;
    std::fs::write(dist.join("index.html"), page)?;
    for file in ["style.css", "boot.js"] {
        std::fs::copy(dir.join(file), dist.join(file))?;
    }
    Ok(dist)
}

/// `cargo fmt --check` and `clippy -D warnings` (wasm32) of each example.
pub fn lint(w: &Workspace) -> Result {
    for name in EXAMPLES {
        let dir = example_dir(w, name);
        log(format!(
            "cargo fmt --check, cargo clippy (wasm32): {}",
            dir.display()
        ));
        std::fs::copy(w.path("Cargo.lock"), dir.join("Cargo.lock"))?;
        cargo(["fmt", "--check"]).dir(&dir).run()?;
        cargo(["clippy", "--target", WASM, "--", "-D", "warnings"])
            .env("CARGO_TARGET_DIR", &w.target_dir)
            .dir(&dir)
            .run()?;
    }
    Ok(())
}

/// `./x examples`: `trunk build --offline --release` of each example, with the pinned
/// Trunk, the wasm-bindgen-cli `./x` installs and npm's wasm-opt on the PATH.
pub fn trunk_build(w: &Workspace) -> Result {
    tools::rust()?;
    tools::wasm_target()?;
    tools::wasm_bindgen(w)?;
    tools::trunk()?;
    let wasm_opt = tools::binaryen(w)?;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![wasm_opt];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))?;
    for name in EXAMPLES {
        let dir = example_dir(w, name);
        log(format!("trunk build --offline --release: {}", dir.display()));
        std::fs::copy(w.path("Cargo.lock"), dir.join("Cargo.lock"))?;
        Cmd::new("trunk")
            .args(["build", "--offline", "--release"])
            .env("PATH", &path)
            .env("CARGO_TARGET_DIR", &w.target_dir)
            .dir(&dir)
            .run()?;
        let dist = dir.join("dist");
        let page = std::fs::read_to_string(dist.join("index.html"))?;
        if !page.contains("src=\"/boot.js\"") || page.contains("<script type=\"module\">") {
            return Err(format!(
                "{}: Trunk did not start the app from boot.js (pattern_script)",
                dist.display()
            )
            .into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("root")
            .to_owned()
    }

    #[test]
    fn the_readme_gives_the_getting_started_example_file_by_file() {
        let root = workspace_root();
        let readme = std::fs::read_to_string(root.join("crates/yew/README.md")).expect("README");
        let files = readme_files(&readme);
        let example = root.join("crates/yew/examples").join(GETTING_STARTED);
        let expected = [
            "Cargo.toml",
            "Trunk.toml",
            "index.html",
            "boot.js",
            "style.css",
            "src/main.rs",
        ];
        let named: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(named, expected, "the README's files, in order");
        for (path, text) in &files {
            let file = std::fs::read_to_string(example.join(path)).expect("the example's file");
            assert_eq!(
                text,
                &as_published(path, &file),
                "crates/yew/README.md's {path} differs from crates/yew/examples/{GETTING_STARTED}/{path}"
            );
        }
    }

    #[test]
    fn files_are_the_blocks_right_after_their_name() {
        let readme = "Intro.\n\n`a.txt`:\n\n```text\none\n```\n\n```text\nnot a file\n```\n\n`b/c.rs`:\n```rust\ntwo\n```\n\n`x`: and more text\n\n```\nnot a file\n```\n";
        let files = readme_files(readme);
        assert_eq!(
            files,
            [
                ("a.txt".to_owned(), "one\n".to_owned()),
                ("b/c.rs".to_owned(), "two\n".to_owned())
            ]
        );
    }

    #[test]
    fn the_page_is_written_as_trunk_writes_it() {
        let index = "<head>\n  <link data-trunk rel=\"rust\">\n  <link data-trunk rel=\"css\" href=\"style.css\">\n</head>\n<body></body>\n";
        let trunk = "[build]\npattern_script = \"<script src=\\\"{base}boot.js\\\" data-js=\\\"{base}{js}\\\" data-wasm=\\\"{base}{wasm}\\\"></script>\"\n";
        let page = page_as_trunk_writes_it(index, trunk, "app").expect("written");
        assert_eq!(
            page,
            "<head>\n  <link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body><script src=\"/boot.js\" data-js=\"/app.js\" data-wasm=\"/app_bg.wasm\"></script></body>\n"
        );
    }

    #[test]
    fn the_examples_start_from_a_file_under_a_strict_policy() {
        for name in EXAMPLES {
            let dir = workspace_root().join("crates/yew/examples").join(name);
            let trunk = std::fs::read_to_string(dir.join("Trunk.toml")).expect("Trunk.toml");
            let script = pattern_script(&trunk).expect("pattern_script");
            assert!(script.contains("src=\"{base}boot.js\""), "{name}: {script}");
            assert!(
                trunk.contains("script-src 'self' 'wasm-unsafe-eval'; style-src 'self'"),
                "{name}: trunk serve sends the strict policy"
            );
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
            assert!(manifest.contains(FROM_PATH), "{name}: {FROM_PATH}");
            assert!(manifest.contains("opt-level = \"z\""), "{name}: the size profile");
        }
    }
}
