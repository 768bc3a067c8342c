use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::frames::FrameKind;
use crate::core::processors::{PortDescriptor, Ports};

/// The frame kind a generic processor handles; its ports are named after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    #[default]
    Video,
    Audio,
    Data,
}

impl StreamKind {
    pub fn frame_kind(self) -> FrameKind {
        match self {
            StreamKind::Video => FrameKind::Video,
            StreamKind::Audio => FrameKind::Audio,
            StreamKind::Data => FrameKind::Data,
        }
    }

    pub fn port_name(self) -> &'static str {
        self.frame_kind().as_str()
    }

    pub(crate) fn port(self) -> PortDescriptor {
        PortDescriptor::new(self.port_name(), self.frame_kind())
    }

    /// One input and one output, both named after the kind.
    pub(crate) fn through_ports(self) -> Ports {
        Ports::new(vec![self.port()], vec![self.port()])
    }
}
