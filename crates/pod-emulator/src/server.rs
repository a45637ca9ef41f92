//! Listeners and connection handling.
//!
//! Connections are served with hyper directly (instead of `axum::serve`) so
//! that a handler can drop its own connection without an HTTP answer (the
//! `drop` logout fault), and so that shutdown can end hung requests.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::EmulatorConfig;
use crate::state::AppState;
use crate::{routes, Error};

/// How long shutdown waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Lets a handler close the connection its request arrived on, without
/// sending a response. Inserted into every request's extensions.
#[derive(Clone)]
pub(crate) struct ConnectionKiller(CancellationToken);

impl ConnectionKiller {
    pub(crate) fn kill(&self) {
        self.0.cancel();
    }
}

/// A running emulator. Dropping it stops the listeners without waiting;
/// prefer [`RunningEmulator::shutdown`].
pub struct RunningEmulator {
    addr: SocketAddr,
    static_addr: Option<SocketAddr>,
    serve_dir: Option<PathBuf>,
    token: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningEmulator {
    /// Address of the pod listener.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Port of the pod listener.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Base URL of the pod, without a trailing slash, e.g.
    /// `http://127.0.0.1:9090`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Address of the static-file listener, when `serve_dir` was given.
    pub fn static_addr(&self) -> Option<SocketAddr> {
        self.static_addr
    }

    /// Base URL of the static-file listener, when `serve_dir` was given.
    pub fn static_url(&self) -> Option<String> {
        self.static_addr.map(|a| format!("http://{a}"))
    }

    /// The directory served on the static listener, if any.
    pub fn serve_dir(&self) -> Option<&std::path::Path> {
        self.serve_dir.as_deref()
    }

    /// Stops accepting connections, ends hung requests and event streams,
    /// and waits (bounded) for open connections to finish.
    pub async fn shutdown(mut self) {
        self.token.cancel();
        for task in self.tasks.drain(..) {
            // A panicked or aborted accept loop has nothing left to wait for.
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

/// Binds the listeners and starts serving in the background of the current
/// tokio runtime.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, Error> {
    if let Some(user) = &config.auto_login {
        if user.trim().is_empty() {
            return Err(Error::InvalidAutoLogin);
        }
    }
    let pod_addr = SocketAddr::new(config.bind, config.port);
    let listener = TcpListener::bind(pod_addr).await.map_err(|source| Error::Bind {
        addr: pod_addr,
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: pod_addr,
        source,
    })?;

    let static_listener = match &config.serve_dir {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Error::ServeDir(dir.clone()));
            }
            let static_addr = SocketAddr::new(config.bind, config.serve_port);
            let l = TcpListener::bind(static_addr)
                .await
                .map_err(|source| Error::Bind {
                    addr: static_addr,
                    source,
                })?;
            let local = l.local_addr().map_err(|source| Error::Bind {
                addr: static_addr,
                source,
            })?;
            Some((l, local, dir.clone()))
        }
        None => None,
    };

    let token = CancellationToken::new();
    let state = AppState::new(
        addr.port(),
        config.allowed_origins.clone(),
        config.auto_login.clone(),
        token.clone(),
    );
    let mut tasks = vec![tokio::spawn(serve(
        listener,
        routes::router(state),
        token.clone(),
    ))];

    let mut static_addr = None;
    if let Some((l, local, dir)) = static_listener {
        static_addr = Some(local);
        let pod = format!("http://{addr}");
        let csp = config
            .static_csp
            .header(&pod)
            .zip(config.static_csp.sdk_header(&pod));
        tasks.push(tokio::spawn(serve(
            l,
            routes::static_router(&dir, csp),
            token.clone(),
        )));
    }

    Ok(RunningEmulator {
        addr,
        static_addr,
        serve_dir: config.serve_dir,
        token,
        tasks,
    })
}

/// Accept loop: one task per connection, graceful stop on `token`.
async fn serve(listener: TcpListener, router: Router, token: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            accepted = listener.accept() => {
                match accepted {
                    Ok((stream, _peer)) => {
                        connections.spawn(serve_connection(stream, router.clone(), token.clone()));
                    }
                    Err(_) => {
                        // Usually EMFILE or a reset before accept: back off briefly.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, router: Router, token: CancellationToken) {
    let _ = stream.set_nodelay(true);
    let killer = CancellationToken::new();
    let handle = ConnectionKiller(killer.clone());
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req: Request = req.map(Body::new);
        req.extensions_mut().insert(handle.clone());
        let router = router.clone();
        async move { Ok::<_, Infallible>(router.oneshot(req).await.into_response_infallible()) }
    });
    // Keep-alive is off: browsers retry a request whose reused connection
    // closed without an answer, which would double-count (and hide) the
    // `drop` fault. Loopback connections are cheap.
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            // Dropping `conn` closes the socket with no answer.
            _ = killer.cancelled() => break,
            _ = token.cancelled(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// `Router::oneshot` is infallible; this names that without `unwrap`.
trait IntoResponseInfallible {
    fn into_response_infallible(self) -> axum::response::Response;
}

impl IntoResponseInfallible for Result<axum::response::Response, Infallible> {
    fn into_response_infallible(self) -> axum::response::Response {
        match self {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }
}
