//! Commands the proxy sends to the main thread, and their results. Each
//! command maps to one `StreamRuntime` method; no logic lives here.

use tokio::sync::oneshot;

use crate::core::error::StreamError;
use crate::core::graph::{ConnectionSpec, LinkId, PipelineDocument, ProcessorId};
use crate::core::processors::ProcessorDescriptor;
use crate::core::runtime::{LinkInfo, ProcessorInfo, ProcessorSpec, RuntimeState};

#[derive(Debug)]
pub(crate) enum RuntimeCommand {
    AddProcessor(ProcessorSpec),
    RemoveProcessor(ProcessorId),
    Connect(ConnectionSpec),
    Disconnect(LinkId),
    Start,
    Stop,
    Pause,
    Resume,
    UpdateConfig {
        id: ProcessorId,
        patch: serde_json::Value,
    },
    GetState,
    GetProcessor(ProcessorId),
    ListProcessors,
    ListConnections,
    ListProcessorTypes,
    GetGraph,
    ReplaceGraph(PipelineDocument),
}

impl RuntimeCommand {
    /// Returns a short name for logs and timeout messages.
    pub fn name(&self) -> &'static str {
        match self {
            RuntimeCommand::AddProcessor(_) => "add_processor",
            RuntimeCommand::RemoveProcessor(_) => "remove_processor",
            RuntimeCommand::Connect(_) => "connect",
            RuntimeCommand::Disconnect(_) => "disconnect",
            RuntimeCommand::Start => "start",
            RuntimeCommand::Stop => "stop",
            RuntimeCommand::Pause => "pause",
            RuntimeCommand::Resume => "resume",
            RuntimeCommand::UpdateConfig { .. } => "update_config",
            RuntimeCommand::GetState => "get_state",
            RuntimeCommand::GetProcessor(_) => "get_processor",
            RuntimeCommand::ListProcessors => "list_processors",
            RuntimeCommand::ListConnections => "list_connections",
            RuntimeCommand::ListProcessorTypes => "list_processor_types",
            RuntimeCommand::GetGraph => "get_graph",
            RuntimeCommand::ReplaceGraph(_) => "replace_graph",
        }
    }
}

/// One success variant per command, plus the error of any of them.
#[derive(Debug)]
pub(crate) enum CommandResult {
    ProcessorAdded(ProcessorId),
    ProcessorRemoved,
    Connected(LinkId),
    Disconnected,
    /// After start, stop, pause and resume: the state that resulted.
    Lifecycle(RuntimeState),
    ConfigUpdated(ProcessorInfo),
    State(RuntimeState),
    Processor(ProcessorInfo),
    Processors(Vec<ProcessorInfo>),
    Connections(Vec<LinkInfo>),
    ProcessorTypes(Vec<ProcessorDescriptor>),
    Graph(PipelineDocument),
    GraphReplaced,
    Error(StreamError),
}

/// A message to the main thread.
pub(crate) enum MainMessage {
    Command(RuntimeCommand, oneshot::Sender<CommandResult>),
    /// A closure from `RuntimeContext::run_on_main_blocking`.
    Job(Box<dyn FnOnce() + Send>),
    Shutdown,
}

impl std::fmt::Debug for MainMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MainMessage::Command(command, _) => write!(f, "Command({})", command.name()),
            MainMessage::Job(_) => f.write_str("Job"),
            MainMessage::Shutdown => f.write_str("Shutdown"),
        }
    }
}
