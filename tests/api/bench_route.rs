//! The bare JSON route that `scripts/bench-http.sh` compares GraphQL against, and the parse
//! cache that keeps GraphQL's share small: a repeated query text must behave exactly as the
//! first one did, limits and errors included.

use serde_json::Value;

use policygraph::server::Access;

use crate::helpers::{first_error_code, spawn_app, spawn_app_with};

/// A server with the bench route switched on.
async fn bench_app() -> crate::helpers::TestApp {
    spawn_app_with(Access {
        bench_route: true,
        ..Access::default()
    })
    .await
}

#[tokio::test]
async fn the_bare_implementers_route_answers_what_graphql_answers() {
    let app = bench_app().await;
    let goal = "goal:border-security";

    let graphql = app
        .query(&format!(
            r#"{{ implementers(goal: "{goal}") {{ node {{ id }} depth }} }}"#
        ))
        .await;
    let bare: Value = app
        .client
        .get(format!("{}/bench/implementers?goal={goal}", app.address))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");

    assert!(graphql.get("errors").is_none(), "{graphql}");
    assert_eq!(bare, graphql);
}

#[tokio::test]
async fn the_bare_route_refuses_an_unknown_goal_with_a_code() {
    let app = bench_app().await;

    let response = app
        .client
        .get(format!("{}/bench/implementers?goal=goal:nope", app.address))
        .send()
        .await
        .expect("request");

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn a_repeated_query_text_gets_the_same_answer_each_time() {
    let app = spawn_app().await;
    let query = r#"{ implementers(goal: "goal:border-security") { node { id } depth } }"#;

    let first = app.query(query).await;
    let second = app.query(query).await;

    assert!(first.get("errors").is_none(), "{first}");
    assert_eq!(first, second);
}

#[tokio::test]
async fn a_repeated_bad_query_is_refused_with_a_code_each_time() {
    let app = spawn_app().await;
    let aliases: Vec<String> = (0..60).map(|i| format!("a{i}: __typename")).collect();
    let too_many = format!("{{ {} }}", aliases.join(" "));

    for _ in 0..2 {
        let syntax = app.query("{ implementers(goal: ").await;
        let limit = app.query(&too_many).await;

        assert_eq!(first_error_code(&syntax), "BAD_USER_INPUT", "{syntax}");
        assert_eq!(first_error_code(&limit), "LIMIT_EXCEEDED", "{limit}");
    }
}

#[tokio::test]
async fn the_bench_route_is_not_served_unless_asked_for_and_then_obeys_private_reads() {
    let default = spawn_app().await;
    let url = |app: &crate::helpers::TestApp| {
        format!(
            "{}/bench/implementers?goal=goal:border-security",
            app.address
        )
    };
    let status = default
        .client
        .get(url(&default))
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(status, 404);

    let private = spawn_app_with(Access {
        bench_route: true,
        private_reads: true,
        ..Access::default()
    })
    .await;
    let refused = private
        .client
        .get(url(&private))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    let token = private.token("reader").await;
    let allowed = private
        .client
        .get(url(&private))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(allowed.status(), 200);
}
