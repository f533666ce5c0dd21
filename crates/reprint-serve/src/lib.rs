//! `reprint serve`: a persistent [`Index`] as an HTTP service.
//!
//! A crawler POSTs each article as it arrives and gets its findings back — whether it is a
//! reprint (of what, how close), which passages it shares with earlier coverage (byte
//! offsets, boilerplate flagged) and which story it joins — **after** the batch is durable:
//! a 200 means the documents survive a crash. An analyst opens `/`, the HTML report's views
//! over the store, refreshed as documents arrive.
//!
//! * axum on tokio; fingerprinting, verification and alignment run on blocking threads (at
//!   most [`Options::workers`] at once), never on the async ones. The index serializes its
//!   writers; readers run beside them.
//! * Writes (`POST`, `DELETE`) need `Authorization: Bearer <token>`; without a token the
//!   server is read-only. Reads are open unless [`Options::auth_reads`].
//! * Bodies over [`Options::max_body_bytes`] are refused (413), so are batches over
//!   [`Options::max_batch`]; every request has [`Options::timeout`]. No path is ever taken
//!   from a request.
//! * On the shutdown signal the server stops accepting, answers 503 to new requests on open
//!   connections, finishes the requests in flight, then closes the store.
//!
//! The API is described by `/openapi.json`, generated from the handlers' types.
//!
//! ```no_run
//! use reprint_index::Index;
//! let index = Index::open(std::path::Path::new("news.idx")).unwrap();
//! let opts = reprint_serve::Options {
//!     token: Some("secret".into()),
//!     ..Default::default()
//! };
//! reprint_serve::run(index, opts, |addr| println!("listening on http://{addr}")).unwrap();
//! ```
#![deny(missing_docs)]

mod api;
mod error;
mod metrics;
mod page;
mod writer;

use reprint_index::Index;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use api::ApiDoc;
pub use error::ApiError;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address to listen on (loopback by default; port 0 picks a free one).
    pub listen: SocketAddr,
    /// The bearer token writes need; `None` makes the server read-only.
    pub token: Option<String>,
    /// Reads need the token too.
    pub auth_reads: bool,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Most documents in one request.
    pub max_batch: usize,
    /// Longest a request may take before it is answered 408.
    pub timeout: Duration,
    /// Requests doing CPU or store work at once (the rest wait their turn).
    pub workers: usize,
    /// Most documents the page at `/` shows (the latest ones; counts cover the whole store).
    pub page_documents: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
            token: None,
            auth_reads: false,
            max_body_bytes: 32 << 20,
            max_batch: 10_000,
            timeout: Duration::from_secs(60),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()) * 2,
            page_documents: 2_000,
        }
    }
}

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The runtime or the connection loop failed.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// What every handler shares.
pub(crate) struct State {
    pub index: Arc<Index>,
    pub opts: Options,
    /// Bumped after every committed write; cached views older than it are rebuilt.
    pub generation: AtomicU64,
    pub snapshot: tokio::sync::Mutex<Option<Arc<page::Snapshot>>>,
    pub metrics: metrics::Metrics,
    pub stopping: AtomicBool,
    pub workers: tokio::sync::Semaphore,
    /// The store's date metadata field (documents' dates are read from it).
    pub date_field: String,
    /// The store's series field, when it was created with one.
    pub series_field: Option<String>,
    /// Stored POSTs go to the writer thread (group commit).
    pub writer: std::sync::mpsc::Sender<writer::Job>,
    pub writer_thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl State {
    /// Runs `f` on a blocking thread once a worker slot is free.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Index) -> Result<T, ApiError> + Send + 'static,
    {
        let _permit = self
            .workers
            .acquire()
            .await
            .map_err(|_| ApiError::unavailable())?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || f(&index))
            .await
            .map_err(|e| ApiError::internal(format!("a worker failed: {e}")))?
    }

    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// A bound server, not yet serving: [`Bound::local_addr`] tells the port chosen.
pub struct Bound {
    listener: tokio::net::TcpListener,
    state: Arc<State>,
}

impl Bound {
    /// Binds `opts.listen` for `index`. Must be called inside a tokio runtime.
    pub async fn bind(index: Index, opts: Options) -> Result<Bound, ServeError> {
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: opts.listen,
                source,
            })?;
        let date_field = index.config().date_field.clone();
        let series_field = index.config().series_field.clone();
        let index = Arc::new(index);
        let (writer, writer_thread) = writer::start(index.clone());
        let state = Arc::new(State {
            index,
            writer,
            writer_thread: std::sync::Mutex::new(Some(writer_thread)),
            workers: tokio::sync::Semaphore::new(opts.workers.max(1)),
            opts,
            generation: AtomicU64::new(0),
            snapshot: tokio::sync::Mutex::new(None),
            metrics: metrics::Metrics::default(),
            stopping: AtomicBool::new(false),
            date_field,
            series_field,
        });
        Ok(Bound { listener, state })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight and closes
    /// the store (it is closed when this returns).
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let Bound { listener, state } = self;
        let app = api::router(state.clone());
        let stopping = state.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                stopping.stopping.store(true, Ordering::Release);
            })
            .await?;
        // Every request is answered; the blocking tasks they waited for are done. The last
        // reference closes the store.
        let mut state = state;
        for _ in 0..200 {
            match Arc::try_unwrap(state) {
                Ok(s) => {
                    // The writer ends once its channel closes; the store closes with it.
                    let writer = s
                        .writer_thread
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .take();
                    drop(s);
                    if let Some(w) = writer {
                        let _ = tokio::task::spawn_blocking(move || w.join()).await;
                    }
                    return Ok(());
                }
                Err(s) => {
                    state = s;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        Ok(())
    }
}

/// SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Runs the service on its own runtime until SIGINT or SIGTERM; `listening` is called with
/// the bound address once requests can arrive.
pub fn run(
    index: Index,
    opts: Options,
    listening: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("reprint-serve")
        .build()?;
    rt.block_on(async move {
        let bound = Bound::bind(index, opts).await?;
        listening(bound.local_addr()?);
        bound.serve(shutdown_signal()).await
    })
}
