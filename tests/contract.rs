//! The API contract itself. Every other test checks each answer it gets
//! against the document (`common::contract`); these check the document:
//! an independent validator accepts what the server serves, the SDKs were
//! generated from this very document, and its examples fit their schemas.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A tool of `sdk/.venv` (scripts/sdk-tools installs them).
fn venv_tool(name: &str) -> std::path::PathBuf {
    let path = repo().join("sdk/.venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/sdk-tools (scripts/test does)",
        path.display()
    );
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_passes_an_independent_validator() {
    let server = Server::start(ServerOpts::default()).await;
    let doc = server
        .api()
        .call("GET", "/v1/openapi.json", None, None)
        .await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    assert_eq!(
        doc.body["servers"][0]["url"],
        server.url.as_str(),
        "the served document names this server"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, doc.body.to_string()).unwrap();
    let out = Command::new(venv_tool("openapi-spec-validator"))
        .arg(&file)
        .output()
        .expect("run openapi-spec-validator");
    assert!(
        out.status.success(),
        "openapi-spec-validator refuses the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The operational routes answer as documented (the harness checks them).
    assert_eq!(
        server.api().call("GET", "/healthz", None, None).await.body,
        "ok"
    );
    assert_eq!(
        server.api().call("GET", "/readyz", None, None).await.body,
        "ready"
    );
}

#[test]
fn the_sdks_are_generated_from_the_current_document() {
    let committed: Value = serde_json::from_slice(
        &std::fs::read(repo().join("sdk/openapi.json")).expect("sdk/openapi.json"),
    )
    .expect("sdk/openapi.json is JSON");
    assert!(
        &committed == hookrelay::api::openapi::document(),
        "sdk/openapi.json is not the API's document: run scripts/generate-sdks and commit the result"
    );
}

#[test]
fn examples_match_their_schemas() {
    let doc = hookrelay::api::openapi::document();
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Some(example) = schema.get("example") {
            let errors = contract::errors(&format!("#/components/schemas/{name}"), example);
            assert!(
                errors.is_empty(),
                "the example of {name} does not fit its schema: {errors:?}"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "examples on the main schemas ({checked} found)"
    );
}

#[test]
fn enums_are_documented_as_on_the_wire() {
    let schemas = &hookrelay::api::openapi::document()["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is no enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        values("DeliveryStatus"),
        hookrelay::store::DeliveryStatus::ALL
    );
    assert_eq!(values("Role"), hookrelay::store::Role::ALL);
    assert_eq!(values("SecretKind"), hookrelay::store::SecretKind::ALL);
    assert_eq!(
        values("DestinationKind"),
        hookrelay::store::DestinationKind::ALL
    );
}

/// The harness's own check fails on what it should: an undocumented
/// field, a wrong enum value, an undocumented status, a body where none is
/// promised.
#[test]
fn the_harness_catches_drift() {
    let webhook_get = "/v1/webhooks/wh_1";
    let ok = serde_json::json!({ "data": {
        "id": "wh_1", "name": "n", "description": "", "destinationUrl": "https://example.com", "destinationKind": "http", "enabled": true,
        "disabledReason": null, "headers": {}, "timeoutSeconds": 15, "retrySchedule": [5], "ingestUrl": "http://x/v1/ingest/p",
        "applicationId": null, "eventTypes": null, "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:00:00.000Z",
        "maxInFlight": null, "rateLimit": null, "ordering": "none", "circuit": { "state": "closed", "since": null, "nextProbeAt": null },
        "heldCount": 0
    }});
    let check = |method: &str, path: &str, status: u16, body: &Value| {
        let bytes = body.to_string().into_bytes();
        std::panic::catch_unwind(|| {
            contract::check(method, path, status, Some("application/json"), &bytes)
        })
        .is_ok()
    };
    assert!(check("GET", webhook_get, 200, &ok));
    let mut extra = ok.clone();
    extra["data"]["colour"] = "red".into();
    assert!(
        !check("GET", webhook_get, 200, &extra),
        "an undocumented field fails"
    );
    let mut missing = ok.clone();
    missing["data"].as_object_mut().unwrap().remove("name");
    assert!(
        !check("GET", webhook_get, 200, &missing),
        "a missing required field fails"
    );
    let delivery = serde_json::json!({ "data": [], "nextCursor": null, "hasMore": false });
    assert!(check("GET", "/v1/deliveries", 200, &delivery));
    let mut wrong = serde_json::json!({ "data": [{
        "id": "msg_1", "webhookId": "wh_1", "eventId": "evt_1", "status": "Succeeded", "attemptCount": 1, "nextAttemptAt": null,
        "lastStatusCode": 200, "lastError": null, "createdAt": "t", "updatedAt": "t", "replayOf": null, "replayedAt": null, "eventType": null
    }], "nextCursor": null, "hasMore": false });
    assert!(
        !check("GET", "/v1/deliveries", 200, &wrong),
        "an enum value off the wire fails"
    );
    wrong["data"][0]["status"] = "succeeded".into();
    assert!(check("GET", "/v1/deliveries", 200, &wrong));
    let error = serde_json::json!({ "error": { "code": "internal", "message": "x" } });
    assert!(
        check("GET", webhook_get, 503, &error),
        "any status may be an error of the documented shape"
    );
    assert!(
        !check("DELETE", webhook_get, 204, &error),
        "no body where the document promises none"
    );
    assert!(
        !check("GET", "/v1/nowhere", 200, &error),
        "an undocumented route fails"
    );
}
