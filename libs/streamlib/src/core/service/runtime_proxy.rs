//! `RuntimeProxy`: the async handle to a runtime. Each call sends one
//! command with its own reply channel to the main thread and awaits the
//! reply; the proxy itself contains no business logic.

use std::fmt;
use std::time::Duration;

use tokio::sync::{broadcast, oneshot};

use crate::core::error::{Result, StreamError};
use crate::core::graph::{ConnectionSpec, LinkId, PipelineDocument, ProcessorId};
use crate::core::processors::ProcessorDescriptor;
use crate::core::runtime::{LinkInfo, ProcessorInfo, ProcessorSpec, RuntimeEvent, RuntimeState};
use crate::core::service::command::{CommandResult, MainMessage, RuntimeCommand};

/// How long a proxy call waits for the main thread's reply by default.
pub const DEFAULT_PROXY_TIMEOUT: Duration = Duration::from_secs(10);

/// Async control of a `StreamRuntime` from any thread or task. Clone it
/// freely; every clone talks to the same runtime.
///
/// Calls must be awaited inside a Tokio runtime with the time driver
/// enabled, because the reply timeout uses `tokio::time`. A call that times
/// out may still be executed later by the runtime.
#[derive(Clone)]
pub struct RuntimeProxy {
    tx: flume::Sender<MainMessage>,
    events: broadcast::WeakSender<RuntimeEvent>,
    timeout: Duration,
}

impl fmt::Debug for RuntimeProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeProxy")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Unwraps the one success variant a command can produce.
macro_rules! expect_reply {
    ($reply:expr, $variant:pat => $value:expr) => {
        match $reply {
            $variant => Ok($value),
            other => Err(unexpected_reply(other)),
        }
    };
}

impl RuntimeProxy {
    pub(crate) fn new(
        tx: flume::Sender<MainMessage>,
        events: broadcast::WeakSender<RuntimeEvent>,
    ) -> Self {
        Self {
            tx,
            events,
            timeout: DEFAULT_PROXY_TIMEOUT,
        }
    }

    /// Returns the same proxy with another reply timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Receives every runtime event from now on. When the runtime is gone
    /// the receiver is already closed.
    pub fn subscribe_events(&self) -> broadcast::Receiver<RuntimeEvent> {
        match self.events.upgrade() {
            Some(sender) => sender.subscribe(),
            None => broadcast::channel(1).1,
        }
    }

    /// Asks the main loop to stop the graph and return from `run`.
    pub fn request_shutdown(&self) -> Result<()> {
        self.tx
            .send(MainMessage::Shutdown)
            .map_err(|_| StreamError::RuntimeUnavailable("the runtime was dropped"))
    }

    pub async fn add_processor(&self, spec: ProcessorSpec) -> Result<ProcessorId> {
        let reply = self.request(RuntimeCommand::AddProcessor(spec)).await?;
        expect_reply!(reply, CommandResult::ProcessorAdded(id) => id)
    }

    pub async fn remove_processor(&self, id: impl Into<ProcessorId>) -> Result<()> {
        let reply = self
            .request(RuntimeCommand::RemoveProcessor(id.into()))
            .await?;
        expect_reply!(reply, CommandResult::ProcessorRemoved => ())
    }

    pub async fn connect(&self, connection: ConnectionSpec) -> Result<LinkId> {
        let reply = self.request(RuntimeCommand::Connect(connection)).await?;
        expect_reply!(reply, CommandResult::Connected(id) => id)
    }

    pub async fn disconnect(&self, link: impl Into<LinkId>) -> Result<()> {
        let reply = self
            .request(RuntimeCommand::Disconnect(link.into()))
            .await?;
        expect_reply!(reply, CommandResult::Disconnected => ())
    }

    /// Starts the graph and returns the state right after.
    pub async fn start(&self) -> Result<RuntimeState> {
        self.lifecycle(RuntimeCommand::Start).await
    }

    pub async fn stop(&self) -> Result<RuntimeState> {
        self.lifecycle(RuntimeCommand::Stop).await
    }

    pub async fn pause(&self) -> Result<RuntimeState> {
        self.lifecycle(RuntimeCommand::Pause).await
    }

    pub async fn resume(&self) -> Result<RuntimeState> {
        self.lifecycle(RuntimeCommand::Resume).await
    }

    /// Merges `patch` into the processor's config; returns its details after.
    pub async fn update_config(
        &self,
        id: impl Into<ProcessorId>,
        patch: serde_json::Value,
    ) -> Result<ProcessorInfo> {
        let command = RuntimeCommand::UpdateConfig {
            id: id.into(),
            patch,
        };
        let reply = self.request(command).await?;
        expect_reply!(reply, CommandResult::ConfigUpdated(info) => info)
    }

    pub async fn state(&self) -> Result<RuntimeState> {
        let reply = self.request(RuntimeCommand::GetState).await?;
        expect_reply!(reply, CommandResult::State(state) => state)
    }

    pub async fn processor(&self, id: impl Into<ProcessorId>) -> Result<ProcessorInfo> {
        let reply = self
            .request(RuntimeCommand::GetProcessor(id.into()))
            .await?;
        expect_reply!(reply, CommandResult::Processor(info) => info)
    }

    pub async fn processors(&self) -> Result<Vec<ProcessorInfo>> {
        let reply = self.request(RuntimeCommand::ListProcessors).await?;
        expect_reply!(reply, CommandResult::Processors(list) => list)
    }

    pub async fn connections(&self) -> Result<Vec<LinkInfo>> {
        let reply = self.request(RuntimeCommand::ListConnections).await?;
        expect_reply!(reply, CommandResult::Connections(list) => list)
    }

    pub async fn processor_types(&self) -> Result<Vec<ProcessorDescriptor>> {
        let reply = self.request(RuntimeCommand::ListProcessorTypes).await?;
        expect_reply!(reply, CommandResult::ProcessorTypes(list) => list)
    }

    /// Returns the graph as a pipeline document, without host-owned processors.
    pub async fn graph(&self) -> Result<PipelineDocument> {
        let reply = self.request(RuntimeCommand::GetGraph).await?;
        expect_reply!(reply, CommandResult::Graph(document) => document)
    }

    /// Replaces every processor and link that is not host-owned.
    pub async fn replace_graph(&self, document: PipelineDocument) -> Result<()> {
        let reply = self.request(RuntimeCommand::ReplaceGraph(document)).await?;
        expect_reply!(reply, CommandResult::GraphReplaced => ())
    }

    async fn lifecycle(&self, command: RuntimeCommand) -> Result<RuntimeState> {
        let reply = self.request(command).await?;
        expect_reply!(reply, CommandResult::Lifecycle(state) => state)
    }

    async fn request(&self, command: RuntimeCommand) -> Result<CommandResult> {
        let operation = command.name();
        let (reply_tx, reply_rx) = oneshot::channel();
        self.tx
            .send(MainMessage::Command(command, reply_tx))
            .map_err(|_| StreamError::RuntimeUnavailable("the runtime was dropped"))?;
        let reply = tokio::time::timeout(self.timeout, reply_rx)
            .await
            .map_err(|_| StreamError::RuntimeTimeout {
                operation,
                timeout_ms: self.timeout.as_millis() as u64,
            })?
            .map_err(|_| {
                StreamError::RuntimeUnavailable(
                    "the runtime dropped the command without a reply because it is shutting down",
                )
            })?;
        match reply {
            CommandResult::Error(error) => Err(error),
            other => Ok(other),
        }
    }
}

fn unexpected_reply(reply: CommandResult) -> StreamError {
    tracing::error!(?reply, "runtime replied to a command with the wrong result");
    StreamError::RuntimeUnavailable("the runtime replied with the result of another command")
}
