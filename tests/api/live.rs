//! Live dashboards: `graphChanged` over GraphQL over WebSocket (`graphql-transport-ws`).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_subscriber_hears_of_each_committed_write() {
    let app = spawn_app().await;
    let token = app.token("alice").await;
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket connects");
    socket
        .send(Message::text(
            json!({ "type": "connection_init" }).to_string(),
        ))
        .await
        .expect("init sent");
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

async fn read<S>(socket: &mut S) -> Value
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
