//! Command-line entry point: parses flags, starts the emulator, prints the
//! `listening on …` line and waits for Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use symphony_pod_emulator::{start, AllowedOrigins, EmulatorConfig, StaticCsp};

/// Local stand-in for a Symphony Messaging pod (Embedded Mode).
#[derive(Debug, Parser)]
#[command(name = "symphony-pod-emulator", version, about)]
struct Args {
    /// Port of the pod; 0 picks a free one.
    #[arg(long, env = "EMULATOR_PORT", default_value_t = 9090)]
    port: u16,
    /// Address to bind.
    #[arg(long, env = "EMULATOR_BIND", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    bind: IpAddr,
    /// Origin trusted for CORS and embedding (repeatable; `http://host:*`
    /// allows any port). Default: any http loopback origin.
    #[arg(long = "allow-origin", env = "EMULATOR_ALLOW_ORIGIN", value_delimiter = ',')]
    allow_origin: Vec<String>,
    /// Sign in browsers never seen before as this user on their first frame load.
    #[arg(long = "auto-login", env = "EMULATOR_AUTO_LOGIN", value_name = "NAME")]
    auto_login: Option<String>,
    /// Serve this directory as static files on a second listener.
    #[arg(long = "serve-dir", env = "EMULATOR_SERVE_DIR", value_name = "DIR")]
    serve_dir: Option<PathBuf>,
    /// Port of the static listener; 0 picks a free one.
    #[arg(
        long = "serve-port",
        env = "EMULATOR_SERVE_PORT",
        default_value_t = 0,
        requires = "serve_dir"
    )]
    serve_port: u16,
    /// Another pod origin the served app may embed, added to the static listener's strict
    /// Content-Security-Policy (repeatable).
    #[arg(
        long = "serve-csp-pod",
        env = "EMULATOR_SERVE_CSP_POD",
        value_delimiter = ',',
        value_name = "ORIGIN",
        requires = "serve_dir"
    )]
    serve_csp_pod: Vec<String>,
    /// Serve the static files without a Content-Security-Policy.
    #[arg(long = "serve-no-csp", env = "EMULATOR_SERVE_NO_CSP", requires = "serve_dir")]
    serve_no_csp: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let allowed_origins = match AllowedOrigins::from_list(&args.allow_origin) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let static_csp = if args.serve_no_csp {
        StaticCsp::Off
    } else {
        match StaticCsp::strict(&args.serve_csp_pod) {
            Ok(csp) => csp,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let config = EmulatorConfig {
        bind: args.bind,
        port: args.port,
        allowed_origins,
        auto_login: args.auto_login,
        serve_dir: args.serve_dir,
        serve_port: args.serve_port,
        static_csp,
    };
    let emulator = match start(config).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Before the ready line: whoever reads it may signal at once.
    let stop = stop_signal();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", url_of(emulator.addr()));
        if let (Some(dir), Some(addr)) = (emulator.serve_dir(), emulator.static_addr()) {
            let _ = writeln!(out, "serving {} on {}", dir.display(), url_of(addr));
        }
        let _ = out.flush();
    }
    stop.await;
    eprintln!("shutting down");
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

fn url_of(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// it is first polled, so that a signal sent right after the ready line is not fatal.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (term, interrupt) {
                (Ok(mut term), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                (Ok(mut term), Err(_)) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                (Err(_), _) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
