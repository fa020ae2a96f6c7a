//! `/graphql/ws` over a real socket: both subprotocols deliver events, and errors carry the
//! same `extensions.code` as over HTTP.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tests::{Backend, TestApp, db_test};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Serves the app's router on a free local port and returns its address.
async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("address");
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address.to_string()
}

/// Opens `/graphql/ws` with `protocol` and completes the connection handshake.
async fn connect(address: &str, protocol: &str) -> Socket {
    let mut socket = open_with(address, protocol, json!({})).await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("send");
}

/// The next JSON message, skipping keep-alives.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("socket open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] != "ka" && value["type"] != "ping" {
                return value;
            }
        }
    }
}

db_test!(both_subprotocols_deliver_changes);
async fn both_subprotocols_deliver_changes(app: TestApp) {
    let address = serve(&app).await;
    let query = "subscription { customerChanged { kind customer { email } } }";
    let mut modern = connect(&address, "graphql-transport-ws").await;
    send(
        &mut modern,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    let mut legacy = connect(&address, "graphql-ws").await;
    send(
        &mut legacy,
        json!({ "id": "1", "type": "start", "payload": { "query": query } }),
    )
    .await;
    // Neither protocol confirms a subscription: wait until both are registered.
    app.until_subscribed(2, 0).await;

    app.create_customer("Ada", "Lovelace", "ada@example.com")
        .await;
    let event = json!({ "customerChanged": { "kind": "CREATED", "customer": { "email": "ada@example.com" } } });
    let message = receive(&mut modern).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["payload"]["data"], event);
    let message = receive(&mut legacy).await;
    assert_eq!(message["type"], "data", "{message}");
    assert_eq!(message["payload"]["data"], event);
}

db_test!(messages_larger_than_the_sockets_buffers_arrive_whole);
/// The server's sockets start with small buffers (8 KiB); a subscribe message and an event
/// several times that size still travel whole, both ways.
async fn messages_larger_than_the_sockets_buffers_arrive_whole(app: TestApp) {
    let address = serve(&app).await;
    let padding = "#".repeat(40 * 1024);
    let query =
        format!("subscription {{ customerChanged {{ customer {{ middleName }} }} }}\n{padding}");
    let mut socket = connect(&address, "graphql-transport-ws").await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    app.until_subscribed(1, 0).await;

    let middle_name = "Augusta ".repeat(5000);
    let response = app
        .post(
            "/v1/customers",
            &json!({ "first_name": "Ada", "middle_name": middle_name, "last_name": "Lovelace",
                     "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    let message = receive(&mut socket).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["data"]["customerChanged"]["customer"]["middleName"],
        middle_name.as_str()
    );
}

db_test!(errors_over_the_socket_carry_codes);
async fn errors_over_the_socket_carry_codes(app: TestApp) {
    let address = serve(&app).await;
    let mut socket = connect(&address, "graphql-transport-ws").await;

    let cases = [
        (
            json!({ "query": "subscription { nope }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (json!({ "query": "subscription {" }), "GRAPHQL_PARSE_FAILED"),
        (
            json!({ "query": "subscription($id: Int!) { todoChanged(customerId: $id) { kind } }" }),
            "BAD_USER_INPUT",
        ),
    ];
    for (id, (payload, code)) in cases.into_iter().enumerate() {
        let id = id.to_string();
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": payload }),
        )
        .await;
        let message = receive(&mut socket).await;
        assert_eq!(message["id"], json!(id), "{message}");
        let errors = match message["type"].as_str() {
            // graphql-transport-ws sends request errors as an `error` message …
            Some("error") => message["payload"].clone(),
            // … and errors of an execution as a `next` result, then `complete`.
            Some("next") => {
                let complete = receive(&mut socket).await;
                assert_eq!(complete, json!({ "id": id, "type": "complete" }));
                message["payload"]["errors"].clone()
            }
            _ => panic!("unexpected message {message}"),
        };
        assert_eq!(
            errors[0]["extensions"]["code"],
            json!(code),
            "{payload}: {message}"
        );
    }
}

db_test!(a_variable_left_out_over_the_socket_leaves_its_field_out);
async fn a_variable_left_out_over_the_socket_leaves_its_field_out(app: TestApp) {
    let address = serve(&app).await;
    let created = app
        .create_customer("Grace", "Hopper", "grace@example.com")
        .await;
    let id = created["customer_id"].as_i64().expect("id");
    app.put(
        &format!("/v1/customers/{id}"),
        &json!({ "first_name": "Grace", "middle_name": "Brewster", "last_name": "Hopper",
                 "email": "grace@example.com", "phone": "555-0100" }),
    )
    .await;
    let edit = "mutation($id: Int!, $firstName: String, $middleName: String, $phone: String) {
        updateCustomer(customerId: $id, patch: {firstName: $firstName, middleName: $middleName, phone: $phone}) {
            firstName middleName phone } }";
    for (protocol, start, result) in [
        ("graphql-transport-ws", "subscribe", "next"),
        ("graphql-ws", "start", "data"),
    ] {
        let mut socket = connect(&address, protocol).await;
        let variables = json!({ "id": id, "firstName": protocol });
        send(&mut socket, json!({ "id": "1", "type": start, "payload": { "query": edit, "variables": variables } })).await;
        let message = receive(&mut socket).await;
        assert_eq!(message["type"], result, "{message}");
        assert_eq!(
            message["payload"]["data"]["updateCustomer"],
            json!({ "firstName": protocol, "middleName": "Brewster", "phone": "555-0100" }),
            "{protocol}: {message}"
        );
    }
}

/// Opens `/graphql/ws` with `protocol` and sends `connection_init` with `payload`.
async fn open_with(address: &str, protocol: &str, payload: Value) -> Socket {
    let mut request = format!("ws://{address}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_str(protocol).expect("header"),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        protocol,
        "the server speaks the protocol asked for"
    );
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    socket
}

/// The close code the server ends the socket with, skipping other messages.
async fn close_code(socket: &mut Socket) -> u16 {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("a close frame before the end")
            .expect("a frame");
        if let Message::Close(frame) = message {
            return frame.map(|frame| u16::from(frame.code)).unwrap_or_default();
        }
    }
}

db_test!(with_access_control_on_the_socket_needs_a_token_in_connection_init(backend));
async fn with_access_control_on_the_socket_needs_a_token_in_connection_init(backend: Backend) {
    let app =
        TestApp::spawn_with_vars(backend, &[("AUTH_JWT_SECRET", super::auth::SECRET)], |_| {})
            .await;
    let address = serve(&app).await;
    let bad = super::auth::token_with(
        "a different secret, 32 bytes long",
        &json!({ "role": "admin", "exp": 4_000_000_000_i64 }),
    );
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        for payload in [
            json!({}),
            json!({ "Authorization": format!("Bearer {bad}") }),
            json!({ "authToken": "garbage" }),
        ] {
            let mut socket = open_with(&address, protocol, payload.clone()).await;
            assert_eq!(close_code(&mut socket).await, 4403, "{protocol} {payload}");
        }
    }

    // Two customers; the subscriber is the first and hears only of its own row.
    let admin = format!("Bearer {}", super::auth::token("admin", None));
    let create = |email: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let request = axum::http::Request::post("/v1/customers")
                .header("content-type", "application/json")
                .header("authorization", admin)
                .body(axum::body::Body::from(
                    json!({ "first_name": "F", "last_name": "L", "email": email }).to_string(),
                ))
                .expect("request");
            app.send(request).await.json()["customer_id"].clone()
        }
    };
    let ada = create("ada@example.com").await;
    let me = super::auth::token("customer", ada.as_i64());
    for (protocol, start, payload) in [
        (
            "graphql-transport-ws",
            "subscribe",
            json!({ "Authorization": format!("Bearer {me}") }),
        ),
        ("graphql-ws", "start", json!({ "authToken": me })),
    ] {
        let mut socket = open_with(&address, protocol, payload).await;
        assert_eq!(
            receive(&mut socket).await["type"],
            "connection_ack",
            "{protocol}"
        );
        send(
            &mut socket,
            json!({ "id": "1", "type": start, "payload": { "query": "subscription { customerChanged { customerId } }" } }),
        )
        .await;
        app.until_subscribed(1, 0).await;
        create(if protocol == "graphql-ws" {
            "bob2@example.com"
        } else {
            "bob@example.com"
        })
        .await;
        // A change to its own row: the first event it gets, so Bob's was never sent.
        let request = axum::http::Request::put(format!("/v1/customers/{ada}"))
            .header("content-type", "application/json")
            .header("authorization", admin.clone())
            .body(axum::body::Body::from(
                json!({ "first_name": "Ada", "last_name": "L", "email": "ada@example.com" })
                    .to_string(),
            ))
            .expect("request");
        app.send(request).await;
        let message = receive(&mut socket).await;
        assert_eq!(
            message["payload"]["data"],
            json!({ "customerChanged": { "customerId": ada } }),
            "{protocol}: {message}"
        );
        drop(socket);
        // Wait for the closed socket's subscription to go before the next protocol.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while app.state.events.customer_subscribers() > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "subscription not dropped"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

db_test!(a_subscription_ends_with_unauthenticated_when_its_token_expires(backend));
async fn a_subscription_ends_with_unauthenticated_when_its_token_expires(backend: Backend) {
    let app =
        TestApp::spawn_with_vars(backend, &[("AUTH_JWT_SECRET", super::auth::SECRET)], |_| {})
            .await;
    let address = serve(&app).await;
    let expires = chrono::Utc::now().timestamp() + 2;
    let short = super::auth::token_with(
        super::auth::SECRET,
        &json!({ "role": "reader", "exp": expires }),
    );
    let mut socket = open_with(
        &address,
        "graphql-transport-ws",
        json!({ "Authorization": format!("Bearer {short}") }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { customerChanged { customerId } }" } }),
    )
    .await;
    // No write happens: the first message is the expiry, then the end of the subscription.
    let message = receive(&mut socket).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
    assert!(
        chrono::Utc::now().timestamp() >= expires,
        "not before the token expired"
    );
    assert_eq!(receive(&mut socket).await["type"], "complete");
}
