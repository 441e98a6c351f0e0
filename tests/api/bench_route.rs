//! The bare JSON route that `scripts/bench-http.sh` compares GraphQL against.

use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_bare_implementers_route_answers_what_graphql_answers() {
    let app = spawn_app().await;
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
    let app = spawn_app().await;

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
