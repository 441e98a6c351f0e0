//! Nothing lost: the real binary killed with SIGKILL mid-write keeps every acknowledged write
//! and an intact file; readers racing a writer never see an error or half a change.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::helpers::{TestDb, spawn_app, start_server};

/// A tiny deterministic generator for kill delays (seeded from the clock, printed on failure).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn create_programme(n: u32) -> Value {
    json!({
        "query": format!(
            r#"mutation {{ createNode(input: {{ id: "programme:crash-{n}", title: "Crash {n}",
                citations: [{{ document: "document:kremlin-cis-summit-2020-12-18",
                               quote: "Commonwealth" }}] }}) {{ id }} }}"#
        )
    })
}

#[tokio::test]
async fn sigkill_mid_write_loses_no_acknowledged_write_and_leaves_an_intact_file() {
    let db = TestDb::new().await;
    let database = db.url();
    let token = policygraph::auth::create(&db.store, "crash")
        .await
        .expect("token");
    db.pool.close().await;
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut rng = Lcg(seed);
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let mut next = 0u32;
    let rounds = 20;
    for round in 0..rounds {
        let (mut child, base) = start_server(&database);
        let kill_after = Duration::from_millis(20 + rng.below(300));
        let started = Instant::now();
        while started.elapsed() < kill_after {
            next += 1;
            let sent = client
                .post(format!("{base}/graphql"))
                .bearer_auth(&token)
                .json(&create_programme(next))
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            if let Ok(response) = sent {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if body["data"]["createNode"]["id"].is_string() {
                    acknowledged.push(next);
                }
            }
        }
        // Kill while the next write is in flight.
        next += 1;
        let in_flight = client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&create_programme(next))
            .send();
        let killer = async {
            tokio::time::sleep(Duration::from_millis(rng.below(5))).await;
            child.kill().expect("SIGKILL");
        };
        let (response, ()) = tokio::join!(in_flight, killer);
        if let Ok(response) = response {
            if let Ok(body) = response.json::<Value>().await {
                if body["data"]["createNode"]["id"].is_string() {
                    acknowledged.push(next);
                }
            }
        }
        child.wait().expect("reaped");

        let store = policygraph::store::connect(&database)
            .await
            .expect("reopens after SIGKILL");
        let problems = policygraph::store::health::integrity_check(&store)
            .await
            .expect("integrity check");
        assert_eq!(problems, Vec::<String>::new(), "round {round}, seed {seed}");
        store.close().await;
        let pool = db.reopen().await;
        let present: Vec<String> =
            sqlx::query_scalar("SELECT id FROM nodes WHERE id LIKE 'programme:crash-%'")
                .fetch_all(&pool)
                .await
                .expect("ids");
        for n in &acknowledged {
            assert!(
                present.contains(&format!("programme:crash-{n}")),
                "round {round}, seed {seed}: acknowledged write {n} was lost"
            );
        }
        let logged: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM change_log WHERE entity LIKE 'programme:crash-%'",
        )
        .fetch_one(&pool)
        .await
        .expect("log");
        assert_eq!(
            logged,
            present.len() as i64,
            "round {round}: every stored write is logged, and only those"
        );
        pool.close().await;
    }
    println!(
        "crash test: {rounds} SIGKILL rounds, {} of {next} writes acknowledged, all present; seed {seed}",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() >= rounds,
        "the test must actually write: only {} acknowledged writes",
        acknowledged.len()
    );
}

#[tokio::test]
async fn readers_racing_a_writer_see_whole_changes_and_the_final_sum() {
    let app = spawn_app().await;
    let token = app.token("writer").await;
    let query = r#"{ implementers(goal: "goal:border-security") { node { id } }
                     nodes(kind: PROGRAMME) { totalCount } }"#;
    let base = app.query(query).await;
    let base_programmes = base["data"]["nodes"]["totalCount"].as_i64().expect("count");
    let base_implementers = base["data"]["implementers"].as_array().expect("list").len() as i64;
    let writes = 30;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));

    let mut readers = Vec::new();
    for _ in 0..4 {
        let (client, address, done) = (app.client.clone(), app.address.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let mut seen = 0i64;
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) || reads == 0 {
                let body: Value = client
                    .post(format!("{address}/graphql"))
                    .json(&json!({ "query": query }))
                    .send()
                    .await
                    .expect("read sent")
                    .json()
                    .await
                    .expect("JSON");
                assert_eq!(body["errors"], Value::Null, "a reader saw an error: {body}");
                let programmes = body["data"]["nodes"]["totalCount"].as_i64().expect("n");
                let implementers = body["data"]["implementers"].as_array().expect("l").len() as i64;
                // Each write adds a programme and its IMPLEMENTS edge together.
                assert_eq!(
                    programmes - base_programmes,
                    implementers - base_implementers,
                    "half a change was visible: {body}"
                );
                assert!(
                    programmes - base_programmes >= seen,
                    "a reader went back in time"
                );
                seen = programmes - base_programmes;
                reads += 1;
            }
            reads
        }));
    }
    for n in 0..writes {
        let import = format!(
            r#"mutation {{ importGraph(input: {{
                nodes: [{{ id: "programme:race-{n}", title: "Race {n}",
                    citations: [{{ document: "document:kremlin-cis-summit-2020-12-18",
                                   quote: "Commonwealth" }}] }}],
                edges: [{{ from: "programme:race-{n}", kind: IMPLEMENTS, to: "goal:border-security",
                    citations: [{{ document: "document:kremlin-cis-summit-2020-12-18",
                                   quote: "Commonwealth" }}] }}] }}) {{ changes {{ seq }} }} }}"#
        );
        let (status, body) = app.send(Some(&token), &import, Value::Null).await;
        assert_eq!((status, &body["errors"]), (200, &Value::Null), "{body}");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for reader in readers {
        let reads = reader.await.expect("reader finished cleanly");
        assert!(reads > 0);
    }
    let last = app.query(query).await;
    assert_eq!(
        last["data"]["nodes"]["totalCount"].as_i64(),
        Some(base_programmes + writes)
    );
    assert_eq!(
        last["data"]["implementers"].as_array().map(Vec::len),
        Some((base_implementers + writes) as usize)
    );
}
