//! The connections of the PostgreSQL store, for callers that are not async.
//!
//! The store's interface ([`crate::store::Storage`]) is synchronous, like sled, and is called
//! from tokio tasks and from plain threads alike. So the connections are driven by a runtime
//! of their own, on a thread of their own, and a caller waits for its query with a plain
//! executor: it never starts or blocks a runtime it may be running on. A connection that
//! broke (the server restarted, the network went) is dropped and opened again on next use, so
//! losing the database fails operations — with [`StoreError::Unreachable`] — and its return
//! heals them, without a restart.
//!
//! It must not know about articles or SQL of the store: it hands out connections.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use tokio_postgres::{Client, NoTls};

use super::target;
use crate::store::StoreError;

/// Connections one instance keeps open: a writer and readers for feeds served at once.
const CONNECTIONS: usize = 4;

/// How long connecting may take before the database counts as unreachable.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The open connections (opened lazily, reopened when broken).
pub(crate) struct Pool {
    url: String,
    runtime: tokio::runtime::Handle,
    /// Ends the runtime's thread when the pool is dropped.
    _stop: tokio::sync::oneshot::Sender<()>,
    slots: Vec<Mutex<Option<Client>>>,
    next: AtomicUsize,
}

/// One connection, held until dropped.
pub(crate) struct Connection<'a>(MutexGuard<'a, Option<Client>>);

impl Connection<'_> {
    pub fn client(&mut self) -> Result<&mut Client, StoreError> {
        self.0
            .as_mut()
            .ok_or_else(|| StoreError::Unreachable("no connection".into()))
    }

    /// Forgets the connection when `e` says it broke, so the next use opens a new one.
    pub fn check(&mut self, e: &tokio_postgres::Error) {
        if e.is_closed() {
            *self.0 = None;
        }
        self.forget_if_closed();
    }

    /// Forgets the connection if it broke.
    pub fn forget_if_closed(&mut self) {
        if self.0.as_ref().is_some_and(Client::is_closed) {
            *self.0 = None;
        }
    }
}

impl Pool {
    /// A pool for `url`, with its runtime started; connects once to check the database answers.
    pub fn open(url: &str) -> Result<Pool, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unreachable(format!("cannot start its runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("postgres-runtime".into())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| StoreError::Unreachable(format!("cannot start its thread: {e}")))?;
        let pool = Pool {
            url: url.to_string(),
            runtime: handle,
            _stop: stop,
            slots: (0..CONNECTIONS).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        };
        drop(pool.get()?);
        Ok(pool)
    }

    /// Waits for `future` (a query on one of the pool's clients) on the calling thread.
    pub fn wait<T>(&self, future: impl Future<Output = T>) -> T {
        futures_executor::block_on(future)
    }

    /// Runs `future` on the pool's runtime (what needs tokio's I/O: connecting, migrating).
    pub fn spawn<T: Send + 'static>(
        &self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, StoreError> {
        futures_executor::block_on(self.runtime.spawn(future))
            .map_err(|e| StoreError::Unreachable(format!("its task failed: {e}")))
    }

    /// A free connection (else the next one, once free), connected.
    pub fn get(&self) -> Result<Connection<'_>, StoreError> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.slots.len();
        let free = (0..n).find_map(|i| self.slots.get((start + i) % n)?.try_lock().ok());
        let mut slot = match free {
            Some(slot) => slot,
            None => {
                let Some(slot) = self.slots.get(start % n) else {
                    return Err(StoreError::Unreachable("no connection slots".into()));
                };
                slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        };
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot = Some(self.connect()?);
        }
        Ok(Connection(slot))
    }

    fn connect(&self) -> Result<Client, StoreError> {
        let url = self.url.clone();
        let connected = self.spawn(async move {
            let connecting = tokio_postgres::connect(&url, NoTls);
            let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
                .await
                .map_err(|_| "timed out".to_string())?
                .map_err(|e| e.to_string())?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::warn!("PostgreSQL connection ended: {e}");
                }
            });
            Ok::<Client, String>(client)
        })?;
        connected.map_err(|e| {
            StoreError::Unreachable(format!(
                "cannot connect to PostgreSQL at {}: {e}",
                target(&self.url)
            ))
        })
    }
}
