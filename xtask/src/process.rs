//! Child processes: run one, check how it ended, say which one failed.

use std::ffi::OsStr;
use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};

/// What went wrong, said for a person.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Self(error.to_string())
    }
}

pub type Result<T = ()> = std::result::Result<T, Error>;

/// Prints a step's title, as the log of a CI run shows it.
pub fn log(message: impl fmt::Display) {
    eprintln!("\n==> {message}");
}

/// A command to run: program, arguments, environment.
pub struct Cmd(Command);

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Self(Command::new(program))
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.0.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.0.arg(arg);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.0.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.0.env_remove(key);
        self
    }

    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.0.current_dir(dir);
        self
    }

    fn describe(&self) -> String {
        let mut text = self.0.get_program().to_string_lossy().into_owned();
        for arg in self.0.get_args() {
            text.push(' ');
            text.push_str(&arg.to_string_lossy());
        }
        text
    }

    /// Runs it with the terminal's output; an error unless it succeeds.
    pub fn run(mut self) -> Result {
        let status = self
            .0
            .status()
            .map_err(|e| format!("cannot start `{}`: {e}", self.describe()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{}` failed ({status})", self.describe()).into())
        }
    }

    /// Runs it and returns its standard output; an error unless it succeeds.
    pub fn read(mut self) -> Result<String> {
        let output = self
            .0
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot start `{}`: {e}", self.describe()))?;
        if !output.status.success() {
            return Err(format!("`{}` failed ({})", self.describe(), output.status).into());
        }
        String::from_utf8(output.stdout).map_err(|_| format!("`{}` printed no UTF-8", self.describe()).into())
    }

    /// Its standard output when it runs and succeeds: a probe, never an error.
    pub fn probe(mut self) -> Option<String> {
        let output = self.0.stderr(Stdio::null()).output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// `cargo` (rustup's, from the PATH: it takes `+toolchain`) with these arguments.
pub fn cargo<I, S>(args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Cmd::new("cargo").args(args)
}

/// True when `program` is on the PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The full path of `program` on the PATH.
pub fn which(program: &str) -> Result<std::path::PathBuf> {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|p| p.is_file())
        })
        .ok_or_else(|| format!("{program} is not on the PATH").into())
}
