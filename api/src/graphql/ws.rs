//! `/graphql/ws`: subscriptions over both WebSocket subprotocols (`graphql-transport-ws`
//! and the legacy `graphql-ws`), authenticated by the `connection_init` payload when access
//! control is on (SPEC 5.1).
//!
//! async-graphql answers a refused `connection_init` with close code 1002 (or, on the legacy
//! protocol, a `connection_error` message and no close code); graphql-ws clients and SPEC
//! 5.3 expect 4403 Forbidden. This module is the one place that swaps the code.

use async_graphql::Data;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket, WebSocketProtocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket as Socket};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, SinkExt, StreamExt};

use super::pipeline::CodedExecutor;
use crate::auth::Auth;
use crate::shutdown::Shutdown;
use crate::state::AppState;

/// The close code of a refused `connection_init` (graphql-ws's Forbidden).
pub const FORBIDDEN: u16 = 4403;

/// The close code of every socket when the service stops (RFC 6455 "going away"), so that
/// clients reconnect, to another replica.
pub const GOING_AWAY: u16 = 1001;

/// The message async-graphql closes with when our `connection_init` check refuses; used to
/// recognise that close and give it [`FORBIDDEN`].
const REFUSED: &str = "Forbidden: a valid bearer token is required";

/// The read buffer each socket starts with and the write buffer it fills before writing.
/// tungstenite's defaults (128 KiB each, the read buffer allocated up front) made an idle
/// subscriber cost about 160 KiB; GraphQL messages are a few hundred bytes, and a larger one
/// still arrives whole (the buffer grows for it).
const SOCKET_BUFFER_BYTES: usize = 8 * 1024;

/// At most this many frames that are ready together go out in one write; the cap keeps one
/// busy socket from holding its worker thread for long.
const BATCH_FRAMES: usize = 64;

/// Upgrades to a GraphQL WebSocket in the subprotocol the client offered first.
pub async fn graphql_ws(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get("sec-websocket-protocol")
        .and_then(|value| value.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|name| name.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must offer graphql-transport-ws or graphql-ws",
        )
            .into_response();
    };
    let executor = CodedExecutor::new(state.schemas(), state.documents.clone());
    let auth = state.config.access.clone();
    let shutdown = state.shutdown.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            let tracker = shutdown.clone();
            tracker.track(serve(socket, executor, protocol, auth, shutdown))
        })
        .into_response()
}

/// The bearer token of a `connection_init` payload: `{"Authorization": "Bearer <jwt>"}`
/// (also `authorization`), or `{"authToken": "<jwt>"}`.
fn token(payload: &serde_json::Value) -> Option<String> {
    let header = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .and_then(|value| value.as_str());
    if let Some(header) = header {
        let (scheme, token) = header.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    payload
        .get("authToken")
        .and_then(|value| value.as_str())
        .map(str::to_owned)
}

/// A protocol message as the frame that carries it: a refused `connection_init` (noted in
/// `refused` on the legacy protocol, which reports it as a message) closes with
/// [`FORBIDDEN`].
fn frame(message: WsMessage, protocol: WebSocketProtocols, refused: &mut bool) -> Message {
    match message {
        WsMessage::Text(text) => {
            // The legacy protocol reports a refused init as a message, then stops.
            *refused |= protocol == WebSocketProtocols::SubscriptionsTransportWS
                && text.contains("connection_error")
                && text.contains(REFUSED);
            Message::Text(text.into())
        }
        WsMessage::Close(code, reason) => {
            let code = if reason == REFUSED { FORBIDDEN } else { code };
            Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }))
        }
    }
}

/// Runs the socket: GraphQL messages in, responses out, a refused `connection_init` closed
/// with [`FORBIDDEN`], and the whole socket closed with [`GOING_AWAY`] when the service
/// stops.
async fn serve(
    socket: Socket,
    executor: CodedExecutor<super::ApiSchema>,
    protocol: WebSocketProtocols,
    auth: Auth,
    shutdown: Shutdown,
) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| futures::future::ready(message.is_ok()))
        .filter_map(|message| async move {
            match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            }
        });
    let on_init = move |payload: serde_json::Value| async move {
        let mut data = Data::default();
        if auth.is_enabled() {
            let identity = auth
                .principal(token(&payload).as_deref())
                .await
                .map_err(|_| {
                    crate::metrics::rejected(crate::metrics::Rejection::Unauthenticated);
                    async_graphql::Error::new(REFUSED)
                })?;
            data.insert(identity.principal);
            data.insert(identity);
        }
        Ok(data)
    };
    let mut output =
        std::pin::pin!(WebSocket::new(executor, input, protocol).on_connection_init(on_init));
    let mut refused = false;
    loop {
        let message = tokio::select! {
            message = output.next() => message,
            () = shutdown.signalled() => {
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code: GOING_AWAY,
                        reason: "the server is shutting down".into(),
                    })))
                    .await;
                return;
            }
        };
        let Some(message) = message else { break };
        if sink
            .feed(frame(message, protocol, &mut refused))
            .await
            .is_err()
        {
            return;
        }
        // Whatever else is ready already goes out in the same write: under load a
        // subscriber's events queue up, and a write (a system call, and the loopback or
        // network stack under it) for every frame was most of what delivering them cost.
        let mut ended = false;
        for _ in 1..BATCH_FRAMES {
            match output.next().now_or_never() {
                Some(Some(message)) => {
                    if sink
                        .feed(frame(message, protocol, &mut refused))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Some(None) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
        if ended {
            break;
        }
    }
    if refused {
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code: FORBIDDEN,
                reason: REFUSED.into(),
            })))
            .await;
    }
}
