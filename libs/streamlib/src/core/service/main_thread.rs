//! The main thread: the one thread inside `StreamRuntime::run`, which
//! executes commands and main-thread jobs in arrival order.
//!
//! While the main thread waits on processor threads (for a setup to finish,
//! for a thread to end), it keeps running jobs, because a processor may be
//! waiting in `run_on_main_blocking` for exactly that. Commands that arrive
//! during such a wait are kept and run afterwards, in order.

use std::collections::VecDeque;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::core::error::{Result, StreamError};
use crate::core::service::command::MainMessage;

/// The parts of the main loop that processor threads and proxies share.
#[derive(Debug)]
pub(crate) struct MainDispatch {
    pub tx: flume::Sender<MainMessage>,
    main_thread: Mutex<Option<ThreadId>>,
}

impl MainDispatch {
    pub fn new(tx: flume::Sender<MainMessage>) -> Self {
        Self {
            tx,
            main_thread: Mutex::new(None),
        }
    }

    pub fn main_thread(&self) -> Option<ThreadId> {
        *self.main_thread.lock()
    }

    pub fn is_main_thread(&self) -> bool {
        self.main_thread() == Some(std::thread::current().id())
    }

    /// Makes the calling thread the main thread, unless another one is.
    pub fn claim(&self) -> Result<()> {
        let mut main_thread = self.main_thread.lock();
        let current = std::thread::current().id();
        match *main_thread {
            Some(owner) if owner != current => Err(StreamError::MainLoopAlreadyRunning),
            _ => {
                *main_thread = Some(current);
                Ok(())
            }
        }
    }

    pub fn release(&self) {
        *self.main_thread.lock() = None;
    }

    /// Runs `job` on the main thread and returns its result: inline when
    /// called on the main thread, on the calling thread when no thread runs
    /// the main loop.
    pub fn run_blocking<R: Send + 'static>(
        &self,
        job: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R> {
        if self.is_main_thread() {
            return Ok(job());
        }
        if self.main_thread().is_none() {
            tracing::debug!("no thread runs the main loop; running the job on the calling thread");
            return Ok(job());
        }
        let (result_tx, result_rx) = flume::bounded(1);
        let message = MainMessage::Job(Box::new(move || {
            let _ = result_tx.send(job());
        }));
        self.tx
            .send(message)
            .map_err(|_| StreamError::RuntimeUnavailable("the runtime was dropped"))?;
        result_rx.recv().map_err(|_| {
            StreamError::RuntimeUnavailable("the main loop ended before running the job")
        })
    }
}

/// The receiving side, owned by the runtime.
#[derive(Debug)]
pub(crate) struct MainQueue {
    pub rx: flume::Receiver<MainMessage>,
    /// Commands that arrived while the main thread waited on a processor.
    pub deferred: Mutex<VecDeque<MainMessage>>,
}

impl MainQueue {
    pub fn new(rx: flume::Receiver<MainMessage>) -> Self {
        Self {
            rx,
            deferred: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits for a message on `rx` (up to `timeout`). On the main thread,
    /// jobs that arrive meanwhile run at once and commands are deferred.
    pub fn wait<T>(
        &self,
        dispatch: &MainDispatch,
        rx: &flume::Receiver<T>,
        timeout: Option<Duration>,
    ) -> std::result::Result<T, flume::RecvTimeoutError> {
        if !dispatch.is_main_thread() {
            return match timeout {
                Some(timeout) => rx.recv_timeout(timeout),
                None => rx.recv().map_err(|_| flume::RecvTimeoutError::Disconnected),
            };
        }

        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            enum Woken<T> {
                Ready(std::result::Result<T, flume::RecvError>),
                Main(MainMessage),
            }
            let selector = flume::Selector::new().recv(rx, Woken::Ready).recv(
                &self.rx,
                |message| match message {
                    Ok(message) => Woken::Main(message),
                    // Unreachable while the dispatch keeps a sender.
                    Err(_) => Woken::Main(MainMessage::Shutdown),
                },
            );
            let woken = match deadline {
                Some(deadline) => match selector.wait_deadline(deadline) {
                    Ok(woken) => woken,
                    Err(_) => return Err(flume::RecvTimeoutError::Timeout),
                },
                None => selector.wait(),
            };
            match woken {
                Woken::Ready(outcome) => {
                    return outcome.map_err(|_| flume::RecvTimeoutError::Disconnected);
                }
                Woken::Main(MainMessage::Job(job)) => job(),
                Woken::Main(other) => self.deferred.lock().push_back(other),
            }
        }
    }

    /// Returns the next deferred message, if any.
    pub fn next_deferred(&self) -> Option<MainMessage> {
        self.deferred.lock().pop_front()
    }
}

/// Asks `StreamRuntime::run` to return; safe to call from a signal handler
/// thread or any other thread. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    tx: flume::Sender<MainMessage>,
}

impl ShutdownHandle {
    pub(crate) fn new(tx: flume::Sender<MainMessage>) -> Self {
        Self { tx }
    }

    /// Requests shutdown; the main loop stops the graph and returns. Returns
    /// false when the runtime no longer exists.
    pub fn request(&self) -> bool {
        self.tx.send(MainMessage::Shutdown).is_ok()
    }
}
