//! The main loop: `run` and `poll_commands` execute what proxies and
//! processors send to the main thread.

use crate::core::error::Result;
use crate::core::runtime::{StreamRuntime, snapshot};
use crate::core::service::command::{CommandResult, MainMessage, RuntimeCommand};

impl StreamRuntime {
    /// Makes the calling thread the main thread and blocks it, executing
    /// commands and main-thread jobs in arrival order, until shutdown is
    /// requested through a `ShutdownHandle` or a proxy. On the way out it
    /// stops the graph and joins every processor thread.
    pub fn run(&self) -> Result<()> {
        self.inner.dispatch.claim()?;
        tracing::info!("runtime main loop running");
        loop {
            let message = match self.inner.queue.next_deferred() {
                Some(message) => message,
                None => match self.inner.queue.rx.recv() {
                    Ok(message) => message,
                    Err(_) => break,
                },
            };
            if !self.handle_message(message) {
                break;
            }
        }

        tracing::info!("runtime main loop shutting down");
        let mut graph = self.inner.graph.lock();
        if graph.status.is_active() {
            let _ = self.inner.stop(&mut graph);
        }
        drop(graph);
        self.inner.dispatch.release();
        self.drain_after_shutdown();
        Ok(())
    }

    /// Executes every command and job queued now, without waiting for more,
    /// and returns how many commands ran. For programs that own their event
    /// loop. A shutdown request found in the queue is dropped.
    pub fn poll_commands(&self) -> usize {
        let mut executed = 0;
        loop {
            let message = match self.inner.queue.next_deferred() {
                Some(message) => message,
                None => match self.inner.queue.rx.try_recv() {
                    Ok(message) => message,
                    Err(_) => return executed,
                },
            };
            if matches!(message, MainMessage::Command(..)) {
                executed += 1;
            }
            self.handle_message(message);
        }
    }

    /// Returns false for a shutdown request.
    fn handle_message(&self, message: MainMessage) -> bool {
        match message {
            MainMessage::Command(command, reply) => {
                let name = command.name();
                let result = self.execute(command);
                if let CommandResult::Error(error) = &result {
                    tracing::debug!(command = name, %error, "command failed");
                }
                if reply.send(result).is_err() {
                    tracing::debug!(command = name, "the caller stopped waiting for the reply");
                }
                true
            }
            MainMessage::Job(job) => {
                job();
                true
            }
            MainMessage::Shutdown => false,
        }
    }

    /// Runs jobs still queued, so no processor stays blocked on one, and
    /// drops queued commands, whose callers then get an error.
    fn drain_after_shutdown(&self) {
        let mut dropped = 0;
        while let Some(message) = self
            .inner
            .queue
            .next_deferred()
            .or_else(|| self.inner.queue.rx.try_recv().ok())
        {
            match message {
                MainMessage::Job(job) => job(),
                MainMessage::Command(..) => dropped += 1,
                MainMessage::Shutdown => {}
            }
        }
        if dropped > 0 {
            tracing::info!(commands = dropped, "commands dropped at shutdown");
        }
    }

    fn execute(&self, command: RuntimeCommand) -> CommandResult {
        let outcome = match command {
            RuntimeCommand::AddProcessor(spec) => {
                self.add_processor(spec).map(CommandResult::ProcessorAdded)
            }
            RuntimeCommand::RemoveProcessor(id) => self
                .remove_processor(&id)
                .map(|()| CommandResult::ProcessorRemoved),
            RuntimeCommand::Connect(connection) => self
                .connect_with(
                    connection.from_port_ref(),
                    connection.to_port_ref(),
                    connection.options(),
                )
                .map(CommandResult::Connected),
            RuntimeCommand::Disconnect(id) => {
                self.disconnect(&id).map(|()| CommandResult::Disconnected)
            }
            RuntimeCommand::Start => self
                .start()
                .map(|()| CommandResult::Lifecycle(self.state())),
            RuntimeCommand::Stop => self.stop().map(|()| CommandResult::Lifecycle(self.state())),
            RuntimeCommand::Pause => self
                .pause()
                .map(|()| CommandResult::Lifecycle(self.state())),
            RuntimeCommand::Resume => self
                .resume()
                .map(|()| CommandResult::Lifecycle(self.state())),
            RuntimeCommand::UpdateConfig { id, patch } => self
                .update_config(&id, patch)
                .map(CommandResult::ConfigUpdated),
            RuntimeCommand::GetState => Ok(CommandResult::State(self.state())),
            RuntimeCommand::GetProcessor(id) => self.processor(&id).map(CommandResult::Processor),
            RuntimeCommand::ListProcessors => Ok(CommandResult::Processors(snapshot::processors(
                &self.inner.graph.lock(),
            ))),
            RuntimeCommand::ListConnections => Ok(CommandResult::Connections(snapshot::links(
                &self.inner.graph.lock(),
            ))),
            RuntimeCommand::ListProcessorTypes => Ok(CommandResult::ProcessorTypes(
                self.inner.registry.descriptors(),
            )),
            RuntimeCommand::GetGraph => Ok(CommandResult::Graph(self.graph())),
            RuntimeCommand::ReplaceGraph(document) => self
                .replace_graph(&document)
                .map(|()| CommandResult::GraphReplaced),
        };
        outcome.unwrap_or_else(CommandResult::Error)
    }
}
