//! The REST full lists as streamed JSON arrays: rows go from the database into the response
//! a chunk at a time, so the memory a list takes does not grow with the table (the seeds'
//! `GET` lists have no size limit, and a table of 200,000 todos is one request away).
//!
//! A task of its own reads the rows and writes them as JSON into chunks of about
//! [`CHUNK_BYTES`], handed to the response body through a channel that holds at most
//! [`CHUNKS_AHEAD`] of them: a slow client slows the reading down instead of piling rows up.
//! The status is decided by the first chunk: a query that fails before any row is read
//! (database down, pool exhausted, timeout) is the same error response as before. A failure
//! after the first chunk has gone out can no longer change the status, so the body is cut
//! off (the client sees an incomplete response, never a short list that looks whole).
//!
//! Behind a transaction-mode pooler the query runs in a transaction of its own, as every
//! statement does there ([`crate::db`]).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use sea_orm::{DbErr, EntityTrait, Select, TransactionTrait};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::SendTimeoutError;

use crate::db::Db;

/// A chunk is sent once it holds at least this much JSON.
const CHUNK_BYTES: usize = 32 * 1024;
/// Chunks read ahead of the client.
const CHUNKS_AHEAD: usize = 2;

/// What the reading task sends: a chunk of the array, or the error that stopped it.
type Chunk = Result<Bytes, service::Error>;

/// The rows `select` finds, each written as `to_json` makes it, as a `200` JSON array;
/// `Err` if the query fails before the first chunk. `stall` bounds how long a chunk waits
/// for the client to take it before the list is abandoned (and its connection freed).
pub async fn json_array<E, J>(
    db: Db,
    select: Select<E>,
    to_json: fn(E::Model) -> J,
    stall: Duration,
) -> Result<Response, service::Error>
where
    E: EntityTrait,
    E::Model: Send + Sync + 'static,
    J: Serialize + 'static,
{
    let (sender, mut receiver) = mpsc::channel::<Chunk>(CHUNKS_AHEAD);
    tokio::spawn(async move {
        if let Err(error) = read(&db, select, to_json, &sender, stall).await {
            // Nobody may be listening any more; then there is no one to tell.
            let _ = sender.send_timeout(Err(error), stall).await;
        }
    });
    let first = match receiver.recv().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(error)) => return Err(error),
        None => {
            return Err(service::Error::from(DbErr::Custom(
                "list reader stopped".into(),
            )));
        }
    };
    let rest = futures::stream::poll_fn(move |context| receiver.poll_recv(context))
        .map(|chunk| chunk.map_err(std::io::Error::other));
    let body = futures::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rest);
    let mut response = (StatusCode::OK, Body::from_stream(body)).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// Runs the query (in a transaction of its own behind a pooler) and sends its rows.
async fn read<E, J>(
    db: &Db,
    select: Select<E>,
    to_json: fn(E::Model) -> J,
    sender: &mpsc::Sender<Chunk>,
    stall: Duration,
) -> Result<(), service::Error>
where
    E: EntityTrait,
    E::Model: Send + Sync + 'static,
    J: Serialize,
{
    if db.pinned() {
        let transaction = db.begin().await?;
        let rows = select.stream(&transaction).await?;
        if send_rows(rows, to_json, sender, stall).await? == Sent::Delivered {
            transaction.commit().await?;
        }
    } else {
        let rows = select.stream(db.connection()).await?;
        send_rows(rows, to_json, sender, stall).await?;
    }
    Ok(())
}

/// Whether what was sent reached the response body.
#[derive(Debug, PartialEq, Eq)]
enum Sent {
    Delivered,
    /// The client went away or stopped reading.
    Abandoned,
}

/// Writes `rows` as one JSON array, in chunks.
async fn send_rows<M, J>(
    rows: impl Stream<Item = Result<M, DbErr>>,
    to_json: fn(M) -> J,
    sender: &mpsc::Sender<Chunk>,
    stall: Duration,
) -> Result<Sent, DbErr>
where
    J: Serialize,
{
    let mut rows = std::pin::pin!(rows);
    let mut buffer = Vec::with_capacity(CHUNK_BYTES + 1024);
    buffer.push(b'[');
    let mut first = true;
    while let Some(row) = rows.next().await {
        if !first {
            buffer.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut buffer, &to_json(row?))
            .map_err(|error| DbErr::Custom(format!("a row as JSON: {error}")))?;
        if buffer.len() >= CHUNK_BYTES {
            let chunk = Bytes::from(std::mem::replace(
                &mut buffer,
                Vec::with_capacity(CHUNK_BYTES + 1024),
            ));
            if send(sender, chunk, stall).await == Sent::Abandoned {
                return Ok(Sent::Abandoned);
            }
        }
    }
    buffer.push(b']');
    Ok(send(sender, Bytes::from(buffer), stall).await)
}

/// Hands `chunk` to the response body, waiting at most `stall` for room.
async fn send(sender: &mpsc::Sender<Chunk>, chunk: Bytes, stall: Duration) -> Sent {
    match sender.send_timeout(Ok(chunk), stall).await {
        Ok(()) => Sent::Delivered,
        Err(SendTimeoutError::Closed(_) | SendTimeoutError::Timeout(_)) => Sent::Abandoned,
    }
}
