//! Live dashboards: `graphChanged` over GraphQL over WebSocket (`graphql-transport-ws`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use policygraph::server::Access;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn a_subscriber_hears_of_each_committed_write() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let mut socket = open(&app.address, json!({})).await;
    let ack = read(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { graphChanged { actor missed changes { op entity } } }" } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe sent");
    // Give the server a moment to register the subscription before writing.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let update = r#"mutation { updateNode(input: { id: "summit:cis-hsc-2020-12-18",
        title: "Renamed" }) { id } }"#;
    let (status, body) = app.send(Some(&token), update, Value::Null).await;
    assert_eq!(status, 200, "{body}");

    let event = read(&mut socket).await;
    assert_eq!(event["type"], "next", "{event}");
    let changed = &event["payload"]["data"]["graphChanged"];
    assert_eq!(changed["actor"], "alice", "{event}");
    assert_eq!(changed["missed"], 0);
    assert_eq!(
        changed["changes"],
        json!([{ "op": "UPDATE", "entity": "summit:cis-hsc-2020-12-18" }])
    );
}

/// The next text message of a socket as JSON (pings skipped), waiting at most 10 s.
pub async fn read<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("stream open")
            .expect("message");
        match message {
            Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected message {other:?}"),
        }
    }
}

/// Opens a `graphql-transport-ws` socket and sends `connection_init` with `payload`.
pub async fn open(
    address: &str,
    payload: Value,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket connects");
    let init = json!({ "type": "connection_init", "payload": payload });
    socket
        .send(Message::text(init.to_string()))
        .await
        .expect("init sent");
    socket
}

#[tokio::test]
async fn a_browser_authenticates_in_connection_init_and_writes_need_it() {
    let app = spawn_app_with(Access {
        private_reads: true,
        ..Access::default()
    })
    .await;
    let token = app.token("dash").await;

    // No token where reads are private: the connection is refused.
    let mut socket = open(&app.address, json!({})).await;
    let refused = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer within 10 s");
    let closed = match &refused {
        None | Some(Err(_)) => true,
        Some(Ok(Message::Close(_))) => true,
        Some(Ok(Message::Text(text))) => !text.contains("connection_ack"),
        Some(Ok(_)) => false,
    };
    assert!(closed, "an anonymous connection was accepted: {refused:?}");

    // With the token in the payload it is accepted, and a mutation over the socket is logged
    // under the token's name.
    let mut socket = open(
        &app.address,
        json!({ "Authorization": format!("Bearer {token}") }),
    )
    .await;
    assert_eq!(read(&mut socket).await["type"], "connection_ack");
    let mutation = json!({ "id": "m", "type": "subscribe", "payload": {
        "query": "mutation { updateNode(input: { id: \"summit:cis-hsc-2020-12-18\", title: \"Over WS\" }) { title } }" } });
    socket
        .send(Message::text(mutation.to_string()))
        .await
        .expect("sent");
    let answer = read(&mut socket).await;
    assert_eq!(
        answer["payload"]["data"]["updateNode"]["title"], "Over WS",
        "{answer}"
    );
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM change_log ORDER BY seq DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .expect("log");
    assert_eq!(actor, "dash");
}

#[tokio::test]
async fn a_refused_token_in_connection_init_closes_with_4403() {
    let app = spawn_app().await;

    let mut socket = open(
        &app.address,
        json!({ "Authorization": "Bearer pgt_not_a_real_token" }),
    )
    .await;

    let answer = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer within 10 s");
    match answer {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 4403, "{frame:?}");
        }
        other => panic!("expected a 4403 close, got {other:?}"),
    }
}

#[tokio::test]
async fn open_subscriptions_hear_going_away_when_the_server_stops() {
    let app = spawn_app().await;
    let mut socket = open(&app.address, json!({})).await;
    assert_eq!(read(&mut socket).await["type"], "connection_ack");
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription { graphChanged { actor } }" } });
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .expect("subscribe sent");
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.shutdown.trigger();
    let frame = loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("stream open")
            .expect("message");
        match message {
            Message::Close(frame) => break frame,
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    let frame = frame.expect("a close frame with a code");
    assert_eq!(u16::from(frame.code), 1001, "{frame:?}");
}
