//! Root subscription fields (GraphQL over WebSocket, `graphql-transport-ws`), so dashboards
//! refresh when the graph changes instead of polling.

use std::sync::Arc;

use async_graphql::futures_util::Stream;
use async_graphql::futures_util::stream;
use async_graphql::{Context, ID, Result, SimpleObject, Subscription as GqlSubscription};
use tokio::sync::broadcast::error::RecvError;

use super::audit::ChangeOp;
use super::errors::internal;
use crate::curate::{Curator, GraphChanged};

/// Live notifications.
pub struct Subscription;

/// One entity a write changed.
#[derive(SimpleObject, Clone, Debug)]
pub struct ChangedEntity {
    /// Its change-log sequence number (look it up with `changes`).
    seq: i64,
    /// Create, update or delete.
    op: ChangeOp,
    /// The node or edge id.
    entity: ID,
}

/// One committed write, or a notice that some were missed.
#[derive(SimpleObject, Clone, Debug)]
pub struct GraphChangedEvent {
    /// Token name of the writer; empty when `missed` > 0.
    actor: String,
    /// What changed, in log order.
    changes: Vec<ChangedEntity>,
    /// Changes this subscriber was not told one by one (it was too slow, or another process
    /// made a bulk change such as a forced load); when > 0, refetch (the `changes` field has
    /// them all).
    missed: i32,
}

impl From<GraphChanged> for GraphChangedEvent {
    fn from(g: GraphChanged) -> Self {
        let changes = g
            .seqs
            .iter()
            .zip(&g.ops)
            .zip(&g.entities)
            .map(|((&seq, &op), entity)| ChangedEntity {
                seq,
                op: ChangeOp::from_log(op),
                entity: ID(entity.clone()),
            })
            .collect();
        GraphChangedEvent {
            actor: g.actor,
            changes,
            missed: i32::try_from(g.skipped).unwrap_or(i32::MAX),
        }
    }
}

#[GqlSubscription]
impl Subscription {
    /// Every committed write to the graph, as it happens.
    async fn graph_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = GraphChangedEvent> + use<>> {
        let curator = ctx
            .data::<Arc<Curator>>()
            .map_err(|e| internal(e.message))?;
        let receiver = curator.subscribe();
        Ok(stream::unfold(receiver, |mut receiver| async move {
            let event = match receiver.recv().await {
                Ok(change) => GraphChangedEvent::from(change),
                Err(RecvError::Lagged(n)) => GraphChangedEvent {
                    actor: String::new(),
                    changes: Vec::new(),
                    missed: i32::try_from(n).unwrap_or(i32::MAX),
                },
                Err(RecvError::Closed) => return None,
            };
            Some((event, receiver))
        }))
    }
}
