//! The queue behind one link, built on a bounded flume channel.
//!
//! A producer blocked on a full `block` link must still react to its own
//! control messages (stop, unlink), so the blocking push waits on the queue
//! and on an interrupt channel at once and hands back whichever came first.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::core::frames::Frame;
use crate::core::graph::LinkId;
use crate::core::links::{LinkOptions, OverflowPolicy};

/// An item on a link: frames, then at most one end-of-stream marker.
#[derive(Debug, Clone)]
pub(crate) enum LinkItem {
    Frame(Frame),
    EndOfStream,
}

/// Counters of one link. They outlive a run, so stop then start keeps counting.
#[derive(Debug, Default)]
pub struct LinkStats {
    passed: AtomicU64,
    dropped: AtomicU64,
}

impl LinkStats {
    /// Frames the consumer has taken from the queue.
    pub fn frames_passed(&self) -> u64 {
        self.passed.load(Ordering::Relaxed)
    }

    /// Frames discarded by the overflow policy or because the consumer was gone.
    pub fn frames_dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn count_drop(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// The outcome of one push, as reported to the producer of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushStatus {
    /// Every link on the port queued the frame.
    Sent,
    /// At least one link discarded the frame under its overflow policy, or
    /// its consumer is gone.
    Dropped,
    /// No link is attached to the port.
    NotLinked,
    /// The processor is being stopped; return from `process` promptly.
    Stopping,
}

/// Outcome of a push on a single link.
#[derive(Debug)]
pub(crate) enum Push<C> {
    Queued,
    Dropped,
    /// The consumer has gone away; nothing more will be read from this link.
    Closed,
    /// A message arrived on the interrupt channel before the queue had room.
    Interrupted(C),
}

/// Flags shared between the two ends of one wired link.
#[derive(Debug, Default)]
struct Ends {
    consumer_gone: AtomicBool,
}

#[derive(Debug)]
pub(crate) struct LinkSender {
    pub id: LinkId,
    tx: flume::Sender<LinkItem>,
    /// Only `drop_oldest` links keep a receiver on the producer side, to evict.
    evict_rx: Option<flume::Receiver<LinkItem>>,
    policy: OverflowPolicy,
    stats: Arc<LinkStats>,
    ends: Arc<Ends>,
}

#[derive(Debug)]
pub(crate) struct LinkReceiver {
    pub id: LinkId,
    rx: flume::Receiver<LinkItem>,
    stats: Arc<LinkStats>,
    ends: Arc<Ends>,
}

/// Builds both ends of a link and a third handle that only reads the queue depth.
pub(crate) fn channel(
    id: LinkId,
    options: LinkOptions,
    stats: Arc<LinkStats>,
) -> (LinkSender, LinkReceiver, flume::Sender<LinkItem>) {
    let (tx, rx) = flume::bounded(options.capacity);
    let ends = Arc::new(Ends::default());
    let evict_rx = (options.overflow == OverflowPolicy::DropOldest).then(|| rx.clone());
    let depth_probe = tx.clone();
    let sender = LinkSender {
        id: id.clone(),
        tx,
        evict_rx,
        policy: options.overflow,
        stats: stats.clone(),
        ends: ends.clone(),
    };
    let receiver = LinkReceiver {
        id,
        rx,
        stats,
        ends,
    };
    (sender, receiver, depth_probe)
}

impl LinkSender {
    /// Pushes `item` under the link's policy. Only `block` links wait, and
    /// they return early with whatever arrives on `interrupt`.
    pub fn push<C>(&self, item: LinkItem, interrupt: &flume::Receiver<C>) -> Push<C> {
        if self.ends.consumer_gone.load(Ordering::Acquire) {
            self.count_lost(&item);
            return Push::Closed;
        }
        let must_arrive = matches!(item, LinkItem::EndOfStream);
        match (self.policy, must_arrive) {
            (OverflowPolicy::Block, _) => self.push_blocking(item, interrupt),
            (OverflowPolicy::DropOldest, _) | (OverflowPolicy::DropNewest, true) => {
                self.push_evicting(item)
            }
            (OverflowPolicy::DropNewest, false) => self.push_or_drop(item),
        }
    }

    fn push_blocking<C>(&self, item: LinkItem, interrupt: &flume::Receiver<C>) -> Push<C> {
        match self.tx.try_send(item) {
            Ok(()) => Push::Queued,
            Err(flume::TrySendError::Disconnected(item)) => {
                self.count_lost(&item);
                Push::Closed
            }
            Err(flume::TrySendError::Full(item)) => {
                let lost = matches!(item, LinkItem::Frame(_));
                let outcome = flume::Selector::new()
                    .send(&self.tx, item, |sent| match sent {
                        Ok(()) => Push::Queued,
                        Err(_) => Push::Closed,
                    })
                    .recv(interrupt, |message| match message {
                        Ok(message) => Push::Interrupted(message),
                        Err(_) => Push::Closed,
                    })
                    .wait();
                if matches!(outcome, Push::Closed) && lost {
                    self.stats.count_drop();
                }
                outcome
            }
        }
    }

    fn push_evicting<C>(&self, mut item: LinkItem) -> Push<C> {
        let mut evicted = false;
        loop {
            match self.tx.try_send(item) {
                Ok(()) if evicted => return Push::Dropped,
                Ok(()) => return Push::Queued,
                Err(flume::TrySendError::Disconnected(lost)) => {
                    self.count_lost(&lost);
                    return Push::Closed;
                }
                Err(flume::TrySendError::Full(back)) => {
                    item = back;
                    let oldest = self.evict_rx.as_ref().and_then(|rx| rx.try_recv().ok());
                    if let Some(LinkItem::Frame(_)) = oldest {
                        self.stats.count_drop();
                        evicted = true;
                    }
                }
            }
        }
    }

    fn push_or_drop<C>(&self, item: LinkItem) -> Push<C> {
        match self.tx.try_send(item) {
            Ok(()) => Push::Queued,
            Err(flume::TrySendError::Full(_)) => {
                self.stats.count_drop();
                Push::Dropped
            }
            Err(flume::TrySendError::Disconnected(item)) => {
                self.count_lost(&item);
                Push::Closed
            }
        }
    }

    fn count_lost(&self, item: &LinkItem) {
        if matches!(item, LinkItem::Frame(_)) {
            self.stats.count_drop();
        }
    }
}

impl LinkReceiver {
    pub fn try_recv(&self) -> Option<LinkItem> {
        let item = self.rx.try_recv().ok()?;
        self.count_taken(&item);
        Some(item)
    }

    pub fn receiver(&self) -> &flume::Receiver<LinkItem> {
        &self.rx
    }

    /// Counts an item that was taken through `receiver()` directly.
    pub fn count_taken(&self, item: &LinkItem) {
        if matches!(item, LinkItem::Frame(_)) {
            self.stats.passed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for LinkReceiver {
    /// Tells a `drop_oldest` producer, whose own evicting receiver keeps the
    /// channel open, that no consumer reads this link any more.
    fn drop(&mut self) {
        self.ends.consumer_gone.store(true, Ordering::Release);
        let discarded = self
            .rx
            .drain()
            .filter(|item| matches!(item, LinkItem::Frame(_)));
        let count = discarded.count() as u64;
        self.stats.dropped.fetch_add(count, Ordering::Relaxed);
    }
}
