//! The dashboard over HTTP: users, login, sessions, CSRF, rate limiting, no
//! user enumeration, the refusals between the dashboard and `/v1`, and the
//! dashboard's calls with their audit trail.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use sqlx::Row;

const PASSWORD: &str = "correct horse battery staple";

struct Fixture {
    server: Server,
    project: String,
    key: String,
    email: String,
}

async fn fixture(extra: &[&str]) -> Fixture {
    let opts = ServerOpts {
        extra: extra.iter().map(|s| s.to_string()).collect(),
        ..ServerOpts::default()
    };
    let server = Server::start(opts).await;
    let (project, key) = server.create_project("acme");
    let email = "ada@example.com".to_string();
    server.create_user("Ada@Example.com", &project, "owner", PASSWORD);
    Fixture {
        server,
        project,
        key,
        email,
    }
}

fn error_message(r: &Resp) -> String {
    r.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_sets_a_strict_cookie_and_logout_ends_the_session() {
    let f = fixture(&[]).await;
    let mut d = f.server.dashboard();
    let r = d.login("ADA@example.com ", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/dashboard"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http without --secure-cookies"
    );
    assert_eq!(r.body["data"]["email"], "ada@example.com");
    assert_eq!(r.body["data"]["projects"][0]["id"], f.project.as_str());
    assert_eq!(r.body["data"]["projects"][0]["role"], "owner");

    let s = d.call("GET", "/dashboard/api/session", None).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["data"]["email"], "ada@example.com");

    let out = d.call("POST", "/dashboard/api/logout", None).await;
    assert_eq!(out.status, 204);
    assert!(out.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let after = d.call("GET", "/dashboard/api/session", None).await;
    assert_eq!(after.status, 401, "the old cookie is dead server-side");
    assert_eq!(
        f.server
            .dashboard()
            .call("GET", "/dashboard/api/session", None)
            .await
            .status,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_when_configured_or_served_over_https() {
    for flags in [
        &["--secure-cookies"][..],
        &["--public-url", "https://hooks.example.com"][..],
    ] {
        let f = fixture(flags).await;
        let r = f.server.dashboard().login(&f.email, PASSWORD).await;
        assert_eq!(r.status, 200);
        let cookie = r.headers["set-cookie"].to_str().unwrap();
        assert!(cookie.contains("; Secure"), "{flags:?}: {cookie}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_everywhere_ends_every_session_of_the_user() {
    let f = fixture(&[]).await;
    let (mut laptop, mut phone) = (f.server.dashboard(), f.server.dashboard());
    assert_eq!(laptop.login(&f.email, PASSWORD).await.status, 200);
    assert_eq!(phone.login(&f.email, PASSWORD).await.status, 200);
    assert_eq!(
        laptop
            .call("POST", "/dashboard/api/logout-all", None)
            .await
            .status,
        204
    );
    assert_eq!(
        laptop
            .call("GET", "/dashboard/api/session", None)
            .await
            .status,
        401
    );
    assert_eq!(
        phone
            .call("GET", "/dashboard/api/session", None)
            .await
            .status,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_when_idle_and_at_their_absolute_end() {
    let f = fixture(&["--session-idle-seconds", "2"]).await;
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    assert_eq!(
        d.call("GET", "/dashboard/api/session", None).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = d.call("GET", "/dashboard/api/session", None).await;
    assert_eq!(r.status, 401);
    assert!(error_message(&r).contains("expired"), "{}", r.body);

    // Activity keeps a session alive only until its absolute end.
    let f = fixture(&["--session-max-seconds", "2"]).await;
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let mut last = 200;
    for _ in 0..30 {
        last = d.call("GET", "/dashboard/api/session", None).await.status;
        if last == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        last, 401,
        "an active session still ends at its absolute lifetime"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changing_calls_need_the_csrf_token() {
    let f = fixture(&[]).await;
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let path = format!("/dashboard/api/projects/{}/webhooks", f.project);
    let body = json!({ "name": "orders", "destinationUrl": "http://127.0.0.1:9/x" });
    let cookie = d.cookie.clone();
    let no_token = d
        .send(
            "POST",
            &path,
            Some(body.clone()),
            cookie.as_deref(),
            None,
            &[],
        )
        .await;
    assert_eq!(no_token.status, 403, "{}", no_token.body);
    assert!(error_message(&no_token).contains("CSRF"));
    let wrong = d
        .send(
            "POST",
            &path,
            Some(body.clone()),
            cookie.as_deref(),
            Some("not-the-token"),
            &[],
        )
        .await;
    assert_eq!(wrong.status, 403);
    let foreign = d
        .send(
            "POST",
            &path,
            Some(body.clone()),
            cookie.as_deref(),
            d.csrf.as_deref(),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(
        foreign.status, 403,
        "a cross-site Origin is refused even with the token"
    );
    let logout = d
        .send(
            "POST",
            "/dashboard/api/logout",
            None,
            cookie.as_deref(),
            None,
            &[],
        )
        .await;
    assert_eq!(logout.status, 403, "logout is state-changing too");
    let mut cross_site = f.server.dashboard();
    let login = cross_site
        .send(
            "POST",
            "/dashboard/api/login",
            Some(json!({"email": f.email, "password": PASSWORD})),
            None,
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(login.status, 403, "no login from another site's page");
    assert_eq!(cross_site.login(&f.email, PASSWORD).await.status, 200);
    let listed = d.call("GET", &path, None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.body["data"].as_array().unwrap().len(),
        0,
        "nothing was created by the refused calls"
    );
    let ok = d.call("POST", &path, Some(body)).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_limited_and_do_not_reveal_accounts() {
    let f = fixture(&["--login-max-failures", "3"]).await;
    let d = f.server.dashboard();
    let mut known = d.clone();
    let mut unknown = d.clone();
    for _ in 0..3 {
        let a = known.login(&f.email, "wrong password here").await;
        let b = unknown
            .login("nobody@example.com", "wrong password here")
            .await;
        assert_eq!((a.status, b.status), (401, 401));
        assert_eq!(
            a.body, b.body,
            "the same answer for a wrong password and an unknown email"
        );
    }
    let locked = known.login(&f.email, PASSWORD).await;
    assert_eq!(
        locked.status, 429,
        "even the right password waits out the lock: {}",
        locked.body
    );
    assert!(locked.headers.contains_key("retry-after"));
    assert!(
        error_message(&locked).contains("try again in"),
        "{}",
        locked.body
    );
    let also_locked = unknown.login("nobody@example.com", PASSWORD).await;
    assert_eq!(also_locked.status, 429, "unknown emails lock the same way");
    assert_eq!(locked.body, also_locked.body);

    // Per address: many emails from one client (4 x the per-account limit)
    // lock that client out, a valid account included.
    let g = fixture(&["--login-max-failures", "3"]).await;
    let mut d = g.server.dashboard();
    for i in 0..12 {
        let r = d
            .login(&format!("guess{i}@example.com"), "wrong password here")
            .await;
        assert_eq!(r.status, 401);
    }
    assert_eq!(d.login(&g.email, PASSWORD).await.status, 429);

    // Behind a proxy, the address is the last X-Forwarded-For entry: a
    // client cannot reset its count by prepending addresses of its own.
    let h = fixture(&[
        "--login-max-failures",
        "1",
        "--client-ip-header",
        "x-forwarded-for",
    ])
    .await;
    let d = h.server.dashboard();
    let login = |email: &'static str, xff: &'static str| {
        let d = d.clone();
        async move {
            let body = json!({"email": email, "password": "wrong password here"});
            d.send(
                "POST",
                "/dashboard/api/login",
                Some(body),
                None,
                None,
                &[("x-forwarded-for", xff)],
            )
            .await
            .status
        }
    };
    for (i, email) in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ]
    .into_iter()
    .enumerate()
    {
        let spoofed: &'static str = [
            "1.1.1.1, 203.0.113.7",
            "2.2.2.2, 203.0.113.7",
            "3.3.3.3,203.0.113.7",
            "203.0.113.7",
        ][i];
        assert_eq!(login(email, spoofed).await, 401);
    }
    assert_eq!(
        login("e@example.com", "203.0.113.7").await,
        429,
        "four failures from one proxied address"
    );
    assert_eq!(
        login("e@example.com", "198.51.100.1").await,
        401,
        "another client behind the same proxy is not locked out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_refuses_api_keys_and_v1_refuses_the_session() {
    let f = fixture(&[]).await;
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let cookie = d.cookie.clone().unwrap();
    let bearer = format!("Bearer {}", f.key);
    let key_only = d
        .send(
            "GET",
            "/dashboard/api/session",
            None,
            None,
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(key_only.status, 401);
    assert!(
        error_message(&key_only).contains("browser session"),
        "{}",
        key_only.body
    );
    let webhooks = format!("/dashboard/api/projects/{}/webhooks", f.project);
    let both = d
        .send(
            "GET",
            &webhooks,
            None,
            Some(&cookie),
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(
        both.status, 401,
        "a bearer key is refused even beside a valid session"
    );
    let login_with_key = d
        .send(
            "POST",
            "/dashboard/api/login",
            Some(json!({"email": f.email, "password": PASSWORD})),
            None,
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(login_with_key.status, 401);

    for path in ["/v1/webhooks", "/v1/project", "/v1/deliveries"] {
        let r = d
            .send("GET", path, None, Some(&cookie), d.csrf.as_deref(), &[])
            .await;
        assert_eq!(r.status, 401, "{path} with only the session cookie");
    }
    let r = d
        .send(
            "POST",
            "/v1/webhooks",
            Some(json!({"name": "x", "destinationUrl": "http://127.0.0.1:9/"})),
            Some(&cookie),
            d.csrf.as_deref(),
            &[],
        )
        .await;
    assert_eq!(r.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_link_sets_the_password_once() {
    let f = fixture(&[]).await;
    let out = f.server.cli(&[
        "user",
        "create",
        "--email",
        "grace@example.com",
        "--project",
        &f.project,
        "--role",
        "member",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout
        .split("#token=")
        .nth(1)
        .expect("a setup link")
        .trim()
        .to_string();
    let mut d = f.server.dashboard();
    assert_eq!(
        d.login("grace@example.com", PASSWORD).await.status,
        401,
        "no password yet"
    );
    let short = d
        .send(
            "POST",
            "/dashboard/api/setup-password",
            Some(json!({"token": token, "password": "short"})),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(
        (short.status, short.body["error"]["field"].as_str()),
        (400, Some("password"))
    );
    let set = d
        .send(
            "POST",
            "/dashboard/api/setup-password",
            Some(json!({"token": token, "password": PASSWORD})),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(set.status, 204, "{}", set.body);
    let again = d
        .send(
            "POST",
            "/dashboard/api/setup-password",
            Some(json!({"token": token, "password": "another long password"})),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(again.status, 400, "the link works once");
    let r = d.login("grace@example.com", PASSWORD).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["data"]["projects"][0]["role"], "member");

    // The operator resets the password: the old one and its sessions end.
    f.server.create_user(
        "grace@example.com",
        &f.project,
        "member",
        "a brand new passphrase",
    );
    assert_eq!(
        d.call("GET", "/dashboard/api/session", None).await.status,
        401
    );
    assert_eq!(d.login("grace@example.com", PASSWORD).await.status, 401);
    assert_eq!(
        d.login("grace@example.com", "a brand new passphrase")
            .await
            .status,
        200
    );

    let bad = f.server.cli(&[
        "user",
        "create",
        "--email",
        "not-an-email",
        "--project",
        &f.project,
    ]);
    assert!(!bad.status.success());
    let no_project = f.server.cli(&[
        "user",
        "create",
        "--email",
        "x@example.com",
        "--project",
        "proj_nope",
    ]);
    assert!(!no_project.status.success());
    let weak = f.server.cli_with_stdin(
        &[
            "user",
            "create",
            "--email",
            "y@example.com",
            "--project",
            &f.project,
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
}

/// The project's audit rows as (actor type, actor label, action).
async fn audit_rows(server: &Server, project_id: &str) -> Vec<(String, String, String)> {
    audit_entries(server, project_id)
        .await
        .into_iter()
        .map(|e| (e.actor_type, e.label, e.action))
        .collect()
}

struct AuditRow {
    actor_type: String,
    label: String,
    action: String,
    target_id: String,
    summary: Value,
}

async fn audit_entries(server: &Server, project_id: &str) -> Vec<AuditRow> {
    sqlx::any::install_default_drivers();
    let url = server.db_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            server.data_dir.join("hookrelay.db").display()
        )
    });
    let pool = sqlx::AnyPool::connect(&url)
        .await
        .expect("connect to the test database");
    let rows = sqlx::query("SELECT actor_type, actor_label, action, target_id, summary FROM audit_log WHERE project_id = $1 ORDER BY id")
        .bind(project_id)
        .fetch_all(&pool)
        .await
        .expect("audit rows");
    pool.close().await;
    rows.iter()
        .map(|r| AuditRow {
            actor_type: r.get(0),
            label: r.get(1),
            action: r.get(2),
            target_id: r.get(3),
            summary: serde_json::from_str(&r.get::<String, _>(4)).expect("summary JSON"),
        })
        .collect()
}

/// The one entry of `action` by the dashboard user with this email.
async fn users_entry(server: &Server, project_id: &str, action: &str, email: &str) -> AuditRow {
    let mut found: Vec<AuditRow> = audit_entries(server, project_id)
        .await
        .into_iter()
        .filter(|e| e.action == action && e.label == email)
        .collect();
    assert_eq!(found.len(), 1, "one {action} entry by {email}");
    let e = found.remove(0);
    assert_eq!(e.actor_type, "user");
    e
}

/// A dashboard client signed in as `email`.
async fn signed_in(server: &Server, email: &str) -> Dash {
    let mut d = server.dashboard();
    let r = d.login(email, PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.body);
    d
}

/// Calls `path` until the tier cache (as on /v1) lets it through.
async fn once_the_tier_allows(d: &Dash, path: &str) -> Resp {
    let mut r = d.call("GET", path, None).await;
    for _ in 0..100 {
        if r.status != 403 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        r = d.call("GET", path, None).await;
    }
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_actions_follow_the_api_rules_and_are_audited() {
    let f = fixture(&[]).await;
    let receiver = Receiver::start().await;
    let (other_project, _) = f.server.create_project("globex");
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let p = format!("/dashboard/api/projects/{}", f.project);

    let bad = d
        .call(
            "POST",
            &format!("{p}/webhooks"),
            Some(json!({"name": "", "destinationUrl": "ftp://x"})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("name"))
    );
    let created = d
        .call(
            "POST",
            &format!("{p}/webhooks"),
            Some(json!({"name": "orders", "destinationUrl": receiver.url})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let hook = created.body["data"].clone();
    let id = hook["id"].as_str().unwrap().to_string();
    assert!(
        hook["signingSecret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_"),
        "one-time reveal on create"
    );
    let via_api = f
        .server
        .api()
        .get(&format!("/v1/webhooks/{id}"), &f.key)
        .await;
    assert_eq!(via_api.status, 200, "the same webhook, seen through /v1");
    assert!(via_api.body["data"].get("signingSecret").is_none());

    let disabled = d
        .call(
            "PATCH",
            &format!("{p}/webhooks/{id}"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(
        (disabled.status, disabled.body["data"]["enabled"].as_bool()),
        (200, Some(false))
    );
    let enabled = d
        .call(
            "PATCH",
            &format!("{p}/webhooks/{id}"),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(enabled.status, 200);

    let rotated = d
        .call(
            "POST",
            &format!("{p}/webhooks/{id}/rotate-signing-secret"),
            Some(json!({"overlapSeconds": 0})),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let secret = rotated.body["data"]["signingSecret"]
        .as_str()
        .unwrap()
        .to_string();
    let versions = d
        .call("GET", &format!("{p}/webhooks/{id}/secret-versions"), None)
        .await;
    assert_eq!(versions.status, 200);
    let signing: Vec<&Value> = versions.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "signing")
        .collect();
    assert_eq!(signing.len(), 2, "{}", versions.body);
    assert!(
        !versions.body.to_string().contains(&secret),
        "the ledger never holds a secret"
    );

    let sent = d
        .call("POST", &format!("{p}/webhooks/{id}/test-event"), None)
        .await;
    assert_eq!(sent.status, 202, "{}", sent.body);
    let delivery = sent.body["data"]["id"].as_str().unwrap().to_string();
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    assert!(verifies(&secret, &got[0]), "signed with the rotated secret");
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["type"], "hookrelay.test");
    f.server
        .api()
        .wait_delivery(&f.key, &delivery, |d| d["status"] == "succeeded")
        .await;
    let listed = d
        .call(
            "GET",
            &format!("{p}/deliveries?status=succeeded&webhookId={id}"),
            None,
        )
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["data"][0]["id"], delivery.as_str());
    let none = d
        .call("GET", &format!("{p}/deliveries?status=dead"), None)
        .await;
    assert_eq!(none.body["data"].as_array().unwrap().len(), 0);
    let bad_filter = d
        .call("GET", &format!("{p}/deliveries?status=nope"), None)
        .await;
    assert_eq!(bad_filter.status, 400);
    let detail = d
        .call("GET", &format!("{p}/deliveries/{delivery}"), None)
        .await;
    assert_eq!(detail.body["data"]["attempts"][0]["statusCode"], 200);

    let key = d
        .call(
            "POST",
            &format!("{p}/api-keys"),
            Some(json!({"name": "ci", "role": "write"})),
        )
        .await;
    assert_eq!(key.status, 201, "{}", key.body);
    let key_id = key.body["data"]["id"].as_str().unwrap().to_string();
    let raw = key.body["data"]["secret"].as_str().unwrap().to_string();
    assert_eq!(
        f.server.api().get("/v1/webhooks", &raw).await.status,
        200,
        "the new key works on /v1"
    );
    let rotated_key = d
        .call("POST", &format!("{p}/api-keys/{key_id}/rotate"), None)
        .await;
    assert_eq!(rotated_key.status, 200);
    assert_ne!(rotated_key.body["data"]["secret"].as_str().unwrap(), raw);
    let keys = d.call("GET", &format!("{p}/api-keys"), None).await;
    assert!(
        keys.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("secret").is_none()),
        "lists never reveal secrets"
    );
    let revoked = d
        .call("POST", &format!("{p}/api-keys/{key_id}/revoke"), None)
        .await;
    assert_eq!(
        (revoked.status, revoked.body["data"]["status"].as_str()),
        (200, Some("revoked"))
    );
    let admin_id = keys.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["role"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let last = d
        .call("POST", &format!("{p}/api-keys/{admin_id}/revoke"), None)
        .await;
    assert_eq!(last.status, 409, "the last admin key stays, as on /v1");

    let other = d
        .call(
            "GET",
            &format!("/dashboard/api/projects/{other_project}/webhooks"),
            None,
        )
        .await;
    assert_eq!(
        other.status, 404,
        "not a member: the project does not exist for this user"
    );
    let mut bob = f.server.dashboard();
    assert_eq!(bob.login("bob@example.com", PASSWORD).await.status, 200);
    assert_eq!(
        bob.call("GET", &format!("{p}/webhooks"), None).await.status,
        200
    );
    assert_eq!(
        bob.call("GET", &format!("{p}/api-keys"), None).await.status,
        403,
        "members do not manage keys"
    );

    assert_eq!(
        d.call("POST", "/dashboard/api/logout", None).await.status,
        204
    );
    let audit = audit_rows(&f.server, &f.project).await;
    let actions: Vec<&str> = audit
        .iter()
        .filter(|(_, label, _)| label == "ada@example.com")
        .map(|(_, _, a)| a.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "user.login",
            "webhook.create",
            "webhook.update",
            "webhook.update",
            "webhook.rotate_signing_secret",
            "webhook.send_test_event",
            "api_key.create",
            "api_key.rotate",
            "api_key.revoke",
            "user.logout"
        ]
    );
    // Besides the operator's CLI (which created the project), every entry is a dashboard user's.
    assert!(audit
        .iter()
        .filter(|(t, _, _)| t != "cli")
        .all(|(t, _, _)| t == "user"));
    assert!(audit.iter().any(|(t, _, _)| t == "user"));
    assert!(audit
        .iter()
        .any(|(_, label, a)| label == "bob@example.com" && a == "user.login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_served_with_a_strict_content_security_policy() {
    let f = fixture(&[]).await;
    let d = f.server.dashboard();
    for (path, kind) in [
        ("/dashboard", "text/html"),
        ("/dashboard/setup", "text/html"),
        ("/dashboard/assets/app.js", "text/javascript"),
        ("/dashboard/assets/app.css", "text/css"),
    ] {
        let r = d.send("GET", path, None, None, None, &[]).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
    }
    let html = d
        .send("GET", "/dashboard", None, None, None, &[])
        .await
        .body;
    let html = html.as_str().unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_replayed_and_discarded_from_the_dashboard() {
    let f = fixture(&[]).await;
    let receiver = Receiver::with_plan(vec![500, 500, 500], 200, Duration::ZERO).await;
    let api = f.server.api();
    let hook = api
        .create_webhook(&f.key, &receiver.url, json!({ "retrySchedule": [] }))
        .await;
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let p = format!("/dashboard/api/projects/{}", f.project);

    let mut dead = Vec::new();
    for _ in 0..3 {
        let sent = d
            .call("POST", &format!("{p}/webhooks/{hook_id}/test-event"), None)
            .await;
        assert_eq!(sent.status, 202, "{}", sent.body);
        let id = sent.body["data"]["id"].as_str().unwrap().to_string();
        api.wait_delivery(&f.key, &id, |d| d["status"] == "dead")
            .await;
        dead.push(id);
    }
    let dlq = d
        .call("GET", &format!("{p}/dlq?webhookId={hook_id}"), None)
        .await;
    assert_eq!(dlq.status, 200, "{}", dlq.body);
    let listed: Vec<&str> = dlq.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [dead[2].as_str(), dead[1].as_str(), dead[0].as_str()],
        "newest first"
    );

    let one = d
        .call("POST", &format!("{p}/dlq/{}/replay", dead[0]), None)
        .await;
    assert_eq!(one.status, 202, "{}", one.body);
    assert_eq!(one.body["data"]["replayOf"], dead[0].as_str());
    let replay = one.body["data"]["id"].as_str().unwrap().to_string();
    api.wait_delivery(&f.key, &replay, |d| d["status"] == "succeeded")
        .await;
    let again = d
        .call("POST", &format!("{p}/dlq/{}/replay", dead[0]), None)
        .await;
    assert_eq!(
        (again.status, again.body["error"]["code"].as_str()),
        (409, Some("not_dead_letter"))
    );

    let discarded = d
        .call("DELETE", &format!("{p}/dlq/{}", dead[1]), None)
        .await;
    assert_eq!(discarded.status, 204, "{}", discarded.body);
    assert_eq!(
        d.call("DELETE", &format!("{p}/dlq/{}", dead[1]), None)
            .await
            .status,
        409
    );

    let bad = d
        .call(
            "POST",
            &format!("{p}/dlq/replay"),
            Some(json!({ "status": "dead" })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("status")),
        "{}",
        bad.body
    );
    let job = d
        .call(
            "POST",
            &format!("{p}/dlq/replay"),
            Some(json!({ "webhookId": hook_id })),
        )
        .await;
    assert_eq!(job.status, 202, "{}", job.body);
    assert_eq!(
        job.body["data"]["total"], 1,
        "only the dead letter still queued: {}",
        job.body
    );
    let job_id = job.body["data"]["id"].as_str().unwrap().to_string();
    let mut progress = json!(null);
    for _ in 0..200 {
        progress = d
            .call("GET", &format!("{p}/replay-jobs/{job_id}"), None)
            .await
            .body;
        if progress["data"]["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        (
            progress["data"]["progress"].as_i64(),
            progress["data"]["replayed"].as_i64()
        ),
        (Some(100), Some(1)),
        "{progress}"
    );
    let empty = d.call("GET", &format!("{p}/dlq"), None).await;
    assert_eq!(
        empty.body["data"].as_array().unwrap().len(),
        0,
        "{}",
        empty.body
    );

    let replayed = d
        .call("POST", &format!("{p}/deliveries/{replay}/replay"), None)
        .await;
    assert_eq!(
        replayed.status, 202,
        "any delivery replays from the deliveries view"
    );
    assert_eq!(
        d.call("POST", &format!("{p}/deliveries/dl_nope/replay"), None)
            .await
            .status,
        404
    );
    let other = f
        .server
        .dashboard()
        .send(
            "POST",
            &format!("{p}/dlq/{}/replay", dead[2]),
            None,
            d.cookie.as_deref(),
            None,
            &[],
        )
        .await;
    assert_eq!(other.status, 403, "no CSRF token, no replay");

    let audit = audit_rows(&f.server, &f.project).await;
    let actions: Vec<&str> = audit
        .iter()
        .filter(|(t, _, _)| t == "user")
        .map(|(_, _, a)| a.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "user.login",
            "webhook.send_test_event",
            "webhook.send_test_event",
            "webhook.send_test_event",
            "dead_letter.replay",
            "dead_letter.discard",
            "replay_job.create",
            "delivery.replay"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_and_the_tier_gated_audit_log_are_shown_to_the_right_roles() {
    // A plan without the audit log and notifications, as the server's default.
    let f = fixture(&["--default-tier", "free"]).await;
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let receiver = Receiver::start().await;
    let hook = f
        .server
        .api()
        .create_webhook(&f.key, &receiver.url, json!({}))
        .await;
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let p = format!("/dashboard/api/projects/{}", f.project);
    let sent = d
        .call(
            "POST",
            &format!("{p}/webhooks/{}/test-event", hook["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(sent.status, 202);
    receiver.wait_for(1, Duration::from_secs(20)).await;

    let usage = d.call("GET", &format!("{p}/usage"), None).await;
    assert_eq!(usage.status, 200, "{}", usage.body);
    assert_eq!(usage.body["data"]["granularity"], "day");
    assert_eq!(
        usage.body["data"]["buckets"].as_array().unwrap().len(),
        30,
        "a month of days, zeros included"
    );
    assert_eq!(usage.body["data"]["totals"]["events"], 1);
    let via_api = f.server.api().get("/v1/usage", &f.key).await;
    for counter in ["events", "deliveries", "bytesIn"] {
        assert_eq!(
            via_api.body["data"]["totals"][counter], usage.body["data"]["totals"][counter],
            "the same {counter} as /v1/usage"
        );
    }
    let bad = d
        .call("GET", &format!("{p}/usage?granularity=week"), None)
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("granularity"))
    );

    let free = d.call("GET", &format!("{p}/audit-logs"), None).await;
    assert_eq!(
        (free.status, free.body["error"]["code"].as_str()),
        (403, Some("tier_required")),
        "{}",
        free.body
    );
    let out = f.server.cli(&[
        "project",
        "set-tier",
        "--project",
        &f.project,
        "--tier",
        "pro",
    ]);
    assert!(out.status.success());
    let log = once_the_tier_allows(
        &d,
        &format!("{p}/audit-logs?action=webhook.send_test_event"),
    )
    .await;
    assert_eq!(log.status, 200, "{}", log.body);
    assert_eq!(log.body["data"][0]["actor"]["type"], "user");
    assert_eq!(log.body["data"][0]["actor"]["label"], "ada@example.com");
    let mut bob = f.server.dashboard();
    assert_eq!(bob.login("bob@example.com", PASSWORD).await.status, 200);
    assert_eq!(
        bob.call("GET", &format!("{p}/usage"), None).await.status,
        200
    );
    let refused = bob.call("GET", &format!("{p}/audit-logs"), None).await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "members do not read the audit log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applications_portal_link_is_issued_once_and_audited_as_the_user() {
    let f = fixture(&[]).await;
    let app = f
        .server
        .api()
        .post(
            "/v1/applications",
            &f.key,
            json!({ "name": "Globex", "uid": "globex" }),
        )
        .await;
    assert_eq!(app.status, 201, "{}", app.body);
    let app_id = app.body["data"]["id"].as_str().unwrap().to_string();
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let p = format!("/dashboard/api/projects/{}", f.project);

    let apps = d.call("GET", &format!("{p}/applications"), None).await;
    assert_eq!(apps.status, 200, "{}", apps.body);
    assert_eq!(apps.body["data"][0]["id"], app_id.as_str());

    let link = d
        .call(
            "POST",
            &format!("{p}/applications/{app_id}/portal/magic-link"),
            None,
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.body);
    let url = link.body["data"]["url"].as_str().unwrap().to_string();
    let token = link.body["data"]["token"].as_str().unwrap().to_string();
    assert!(
        token.starts_with("whpt_") && url.ends_with(&format!("/portal/{token}")),
        "{url}"
    );
    assert_eq!(link.body["data"]["expiresInMinutes"], 60);
    let page = d.send("GET", &url, None, None, None, &[]).await;
    assert_eq!(page.status, 200, "the link opens the portal");

    let by_uid = d
        .call(
            "POST",
            &format!("{p}/applications/globex/portal/magic-link"),
            Some(json!({ "scopes": ["read"], "expiresInMinutes": 5 })),
        )
        .await;
    assert_eq!(
        (by_uid.status, by_uid.body["data"]["scopes"].clone()),
        (201, json!(["read"]))
    );
    let bad = d
        .call(
            "POST",
            &format!("{p}/applications/{app_id}/portal/magic-link"),
            Some(json!({ "scopes": ["admin"] })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("scopes")),
        "{}",
        bad.body
    );
    assert_eq!(
        d.call(
            "POST",
            &format!("{p}/applications/app_nope/portal/magic-link"),
            None
        )
        .await
        .status,
        404
    );
    let bearer = d
        .send(
            "POST",
            &format!("{p}/applications/{app_id}/portal/magic-link"),
            None,
            None,
            None,
            &[("authorization", &format!("Bearer {}", f.key))],
        )
        .await;
    assert_eq!(
        bearer.status, 401,
        "an API key does not open the dashboard's calls"
    );

    let audit = audit_rows(&f.server, &f.project).await;
    let links: Vec<&(String, String, String)> = audit
        .iter()
        .filter(|(_, _, a)| a == "portal.magic_link")
        .collect();
    assert_eq!(links.len(), 2);
    assert!(
        links
            .iter()
            .all(|(t, label, _)| t == "user" && label == "ada@example.com"),
        "{links:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhooks_schedules_are_managed_from_the_dashboard_and_audited_as_the_user() {
    let f = fixture(&[]).await;
    let hook = f
        .server
        .api()
        .post(
            "/v1/webhooks",
            &f.key,
            json!({ "name": "Billing", "destinationUrl": "http://127.0.0.1:9/hook" }),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.body);
    let hook_id = hook.body["data"]["id"].as_str().unwrap().to_string();
    let mut d = f.server.dashboard();
    assert_eq!(d.login(&f.email, PASSWORD).await.status, 200);
    let s = format!(
        "/dashboard/api/projects/{}/webhooks/{hook_id}/schedules",
        f.project
    );

    let body = json!({ "name": "nightly", "cron": "0 3 * * *", "timeZone": "Europe/Paris", "payload": { "kind": "report" },
        "headers": { "X-Run": "nightly" } });
    let created = d.call("POST", &s, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        (
            created.body["data"]["status"].as_str(),
            created.body["data"]["timeZone"].as_str()
        ),
        (Some("active"), Some("Europe/Paris"))
    );
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let once = d.call("POST", &s, Some(json!({ "runAt": "2099-01-01T00:00:00Z", "payload": "hi", "contentType": "text/plain" }))).await;
    assert_eq!(
        (once.status, once.body["data"]["contentType"].as_str()),
        (201, Some("text/plain")),
        "{}",
        once.body
    );
    let bad = d
        .call(
            "POST",
            &s,
            Some(json!({ "cron": "not a cron", "payload": {} })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("cron")),
        "{}",
        bad.body
    );

    let listed = d.call("GET", &s, None).await;
    assert_eq!(
        (listed.status, listed.body["data"].as_array().map(Vec::len)),
        (200, Some(2)),
        "{}",
        listed.body
    );
    let paused = d.call("POST", &format!("{s}/{id}/pause"), None).await;
    assert_eq!(
        (paused.status, paused.body["data"]["status"].as_str()),
        (200, Some("paused")),
        "{}",
        paused.body
    );
    let resumed = d.call("POST", &format!("{s}/{id}/resume"), None).await;
    assert_eq!(
        (resumed.status, resumed.body["data"]["status"].as_str()),
        (200, Some("active")),
        "{}",
        resumed.body
    );
    assert_eq!(
        d.call("DELETE", &format!("{s}/{id}"), None).await.status,
        204
    );
    assert_eq!(
        d.call("DELETE", &format!("{s}/{id}"), None).await.status,
        404
    );
    let v1 = f
        .server
        .api()
        .get(&format!("/v1/webhooks/{hook_id}/schedules"), &f.key)
        .await;
    assert_eq!(
        v1.body["data"].as_array().map(Vec::len),
        Some(1),
        "the Public API sees the same schedules"
    );

    let audit = audit_rows(&f.server, &f.project).await;
    let mine: Vec<&str> = audit
        .iter()
        .filter(|(t, label, _)| t == "user" && label == "ada@example.com")
        .map(|(_, _, a)| a.as_str())
        .collect();
    for action in [
        "schedule.create",
        "schedule.pause",
        "schedule.resume",
        "schedule.delete",
    ] {
        assert!(mine.contains(&action), "{action} in {mine:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_channels_are_for_owners_and_admins_where_the_tier_allows() {
    // A plan without the audit log and notifications, as the server's default.
    let f = fixture(&["--default-tier", "free"]).await;
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let d = signed_in(&f.server, &f.email).await;
    let bob = signed_in(&f.server, "bob@example.com").await;
    let c = format!(
        "/dashboard/api/projects/{}/notification-channels",
        f.project
    );
    let body = json!({ "url": "http://127.0.0.1:9/notify", "description": "on-call" });

    let free = d.call("GET", &c, None).await;
    assert_eq!(
        (free.status, free.body["error"]["code"].as_str()),
        (403, Some("tier_required")),
        "{}",
        free.body
    );
    let v1 = f
        .server
        .api()
        .get("/v1/project/notification-channels", &f.key)
        .await;
    assert_eq!(
        (v1.status, &v1.body),
        (403, &free.body),
        "the same refusal as the Public API"
    );
    let refused = d.call("POST", &c, Some(body.clone())).await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].as_str()),
        (403, Some("tier_required"))
    );
    let member = bob.call("GET", &c, None).await;
    assert_eq!(
        (member.status, member.body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{}",
        member.body
    );

    assert!(f
        .server
        .cli(&[
            "project",
            "set-tier",
            "--project",
            &f.project,
            "--tier",
            "pro"
        ])
        .status
        .success());
    assert_eq!(once_the_tier_allows(&d, &c).await.status, 200);
    let bad = d
        .call("POST", &c, Some(json!({ "url": "ftp://example.com/x" })))
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("url")),
        "{}",
        bad.body
    );
    let created = d.call("POST", &c, Some(body.clone())).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let secret = created.body["data"]["signingSecret"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"), "the secret, this once");
    assert!(secret.starts_with(
        created.body["data"]["signingSecretPrefix"]
            .as_str()
            .unwrap()
    ));

    let listed = d.call("GET", &c, None).await;
    assert_eq!(listed.body["data"][0]["id"], id.as_str());
    assert_eq!(listed.body["data"][0]["description"], "on-call");
    let one = d.call("GET", &format!("{c}/{id}"), None).await;
    assert_eq!(one.status, 200);
    let v1 = f
        .server
        .api()
        .get(&format!("/v1/project/notification-channels/{id}"), &f.key)
        .await;
    assert_eq!(v1.status, 200, "the same channel, seen through /v1");
    for shown in [&listed.body, &one.body, &v1.body] {
        assert!(
            !shown.to_string().contains(&secret) && !shown.to_string().contains("signingSecret\""),
            "never again: {shown}"
        );
    }
    for (method, path) in [
        ("POST", c.clone()),
        ("GET", format!("{c}/{id}")),
        ("DELETE", format!("{c}/{id}")),
    ] {
        let r = bob
            .call(
                method,
                &path,
                Some(body.clone()).filter(|_| method == "POST"),
            )
            .await;
        assert_eq!(r.status, 403, "members: {method} {path}");
    }

    assert_eq!(
        d.call("DELETE", &format!("{c}/{id}"), None).await.status,
        204
    );
    assert_eq!(
        d.call("DELETE", &format!("{c}/{id}"), None).await.status,
        404
    );
    assert_eq!(d.call("GET", &format!("{c}/{id}"), None).await.status, 404);

    let create = users_entry(
        &f.server,
        &f.project,
        "notification_channel.create",
        &f.email,
    )
    .await;
    assert_eq!(create.target_id, id);
    assert!(
        !create.summary.to_string().contains(&secret[6..]),
        "no secret in the audit log: {}",
        create.summary
    );
    assert_eq!(
        users_entry(
            &f.server,
            &f.project,
            "notification_channel.delete",
            &f.email
        )
        .await
        .target_id,
        id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_created_and_edited_from_the_dashboard_and_audited() {
    let f = fixture(&[]).await;
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let d = signed_in(&f.server, &f.email).await;
    let a = format!("/dashboard/api/projects/{}/applications", f.project);

    let body = json!({ "name": " Globex ", "uid": "globex", "metadata": { "plan": "pro", "seats": 5 },
        "portalFrameAncestors": ["https://App.Globex.example"] });
    let created = d.call("POST", &a, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let app = created.body["data"].clone();
    let id = app["id"].as_str().unwrap().to_string();
    assert_eq!(
        (app["name"].as_str(), app["uid"].as_str()),
        (Some("Globex"), Some("globex"))
    );
    assert_eq!(
        app["portalFrameAncestors"],
        json!(["https://app.globex.example"]),
        "normalized as on /v1"
    );
    let v1 = f.server.api().get("/v1/applications/globex", &f.key).await;
    assert_eq!(
        (v1.status, v1.body["data"]["id"].as_str()),
        (200, Some(id.as_str())),
        "the same application through /v1"
    );

    for (bad, field) in [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "x", "uid": "has space" }), "uid"),
        (json!({ "name": "x", "metadata": [1] }), "metadata"),
        (
            json!({ "name": "x", "portalFrameAncestors": ["javascript:alert(1)"] }),
            "portalFrameAncestors",
        ),
    ] {
        let r = d.call("POST", &a, Some(bad)).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].as_str()),
            (400, Some(field)),
            "{}",
            r.body
        );
    }
    let taken = d
        .call("POST", &a, Some(json!({ "name": "Copy", "uid": "globex" })))
        .await;
    assert_eq!(
        (taken.status, taken.body["error"]["code"].as_str()),
        (409, Some("uid_taken"))
    );

    let edited = d
        .call(
            "PATCH",
            &format!("{a}/{id}"),
            Some(json!({ "name": "Globex Corp", "uid": null, "portalFrameAncestors": null })),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(
        (
            edited.body["data"]["name"].as_str(),
            edited.body["data"]["uid"].as_str()
        ),
        (Some("Globex Corp"), None)
    );
    assert_eq!(edited.body["data"]["portalFrameAncestors"], Value::Null);
    assert_eq!(
        edited.body["data"]["metadata"],
        json!({ "plan": "pro", "seats": 5 }),
        "what the patch leaves out stays"
    );
    let bad = d
        .call(
            "PATCH",
            &format!("{a}/{id}"),
            Some(json!({ "metadata": "plain" })),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["error"]["field"].as_str()),
        (400, Some("metadata"))
    );
    assert_eq!(
        d.call(
            "PATCH",
            &format!("{a}/app_nope"),
            Some(json!({ "name": "x" }))
        )
        .await
        .status,
        404
    );
    let listed = d.call("GET", &a, None).await;
    assert_eq!(listed.body["data"][0]["name"], "Globex Corp");

    // Members manage applications, like a write key on /v1.
    let bob = signed_in(&f.server, "bob@example.com").await;
    assert_eq!(
        bob.call("POST", &a, Some(json!({ "name": "Initech" })))
            .await
            .status,
        201
    );
    let no_csrf = bob
        .send(
            "POST",
            &a,
            Some(json!({ "name": "Hooli" })),
            bob.cookie.as_deref(),
            None,
            &[],
        )
        .await;
    assert_eq!(no_csrf.status, 403);

    let create = users_entry(&f.server, &f.project, "application.create", &f.email).await;
    assert_eq!(create.target_id, id);
    assert_eq!(
        create.summary["metadataKeys"],
        json!(["plan", "seats"]),
        "field names, not the customer's values"
    );
    assert!(
        !create.summary.to_string().contains("pro\""),
        "{}",
        create.summary
    );
    let update = users_entry(&f.server, &f.project, "application.update", &f.email).await;
    assert_eq!(
        update.summary["name"],
        json!({ "from": "Globex", "to": "Globex Corp" })
    );
    assert_eq!(
        update.summary["uid"],
        json!({ "from": "globex", "to": null })
    );
    assert!(
        update.summary.get("metadataKeys").is_none(),
        "only what changed: {}",
        update.summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_is_deleted_from_the_dashboard_with_everything_it_owns() {
    let f = fixture(&[]).await;
    let receiver = Receiver::start().await;
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let d = signed_in(&f.server, &f.email).await;
    let p = format!("/dashboard/api/projects/{}", f.project);
    let created = d
        .call(
            "POST",
            &format!("{p}/webhooks"),
            Some(json!({ "name": "orders", "destinationUrl": receiver.url })),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let ingest_url = created.body["data"]["ingestUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let ingest_secret = created.body["data"]["ingestSecret"]
        .as_str()
        .unwrap()
        .to_string();
    let schedule = d
        .call(
            "POST",
            &format!("{p}/webhooks/{id}/schedules"),
            Some(json!({ "cron": "0 3 * * *", "payload": {} })),
        )
        .await;
    assert_eq!(schedule.status, 201, "{}", schedule.body);
    let sent = d
        .call("POST", &format!("{p}/webhooks/{id}/test-event"), None)
        .await;
    let delivery = sent.body["data"]["id"].as_str().unwrap().to_string();
    f.server
        .api()
        .wait_delivery(&f.key, &delivery, |d| d["status"] == "succeeded")
        .await;

    let no_csrf = d
        .send(
            "DELETE",
            &format!("{p}/webhooks/{id}"),
            None,
            d.cookie.as_deref(),
            None,
            &[],
        )
        .await;
    assert_eq!(no_csrf.status, 403);
    let (other, _) = f.server.create_project("globex");
    assert_eq!(
        d.call(
            "DELETE",
            &format!("/dashboard/api/projects/{other}/webhooks/{id}"),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        d.call("DELETE", &format!("{p}/webhooks/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        d.call("DELETE", &format!("{p}/webhooks/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        d.call("GET", &format!("{p}/webhooks/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        f.server
            .api()
            .get(&format!("/v1/webhooks/{id}"), &f.key)
            .await
            .status,
        404,
        "gone for /v1 too"
    );
    assert_eq!(
        f.server
            .api()
            .get(&format!("/v1/deliveries/{delivery}"), &f.key)
            .await
            .status,
        404,
        "with its history"
    );
    let schedules = f
        .server
        .sql_i64(&format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM schedules WHERE webhook_id = '{id}'"
        ))
        .await;
    assert_eq!(schedules, 0, "and its schedules");
    let ingest = f
        .server
        .api()
        .ingest(&ingest_url, &ingest_secret, b"{}")
        .await;
    assert_eq!(
        ingest.status, 404,
        "its ingest URL stops working: {}",
        ingest.body
    );

    // Members delete webhooks, like a write key on /v1.
    let second = d
        .call(
            "POST",
            &format!("{p}/webhooks"),
            Some(json!({ "name": "refunds", "destinationUrl": receiver.url })),
        )
        .await;
    let second_id = second.body["data"]["id"].as_str().unwrap().to_string();
    let bob = signed_in(&f.server, "bob@example.com").await;
    assert_eq!(
        bob.call("DELETE", &format!("{p}/webhooks/{second_id}"), None)
            .await
            .status,
        204
    );

    let mine = users_entry(&f.server, &f.project, "webhook.delete", &f.email).await;
    assert_eq!(
        (mine.target_id.as_str(), &mine.summary),
        (id.as_str(), &json!({ "name": "orders" }))
    );
    let all = audit_rows(&f.server, &f.project).await;
    assert!(all
        .iter()
        .any(|(t, label, a)| t == "user" && label == "bob@example.com" && a == "webhook.delete"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_webhook_entries_hold_the_change_and_no_secret_like_v1() {
    let f = fixture(&[]).await;
    let d = signed_in(&f.server, &f.email).await;
    let p = format!("/dashboard/api/projects/{}", f.project);
    let body = json!({
        "name": "orders",
        "destinationUrl": "http://user:pw-secret-1@127.0.0.1:9/hook?token=url-secret-123",
        "headers": { "x-api-token": "header-secret-456" },
    });
    let created = d.call("POST", &format!("{p}/webhooks"), Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_string();
    let r = d
        .call(
            "PATCH",
            &format!("{p}/webhooks/{id}"),
            Some(json!({ "destinationUrl": "http://127.0.0.1:9/other?token=url-secret-789" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let create = users_entry(&f.server, &f.project, "webhook.create", &f.email).await;
    assert_eq!(create.summary["destinationUrl"], "http://127.0.0.1:9/hook");
    assert_eq!(create.summary["headerNames"], json!(["x-api-token"]));
    let update = users_entry(&f.server, &f.project, "webhook.update", &f.email).await;
    assert_eq!(
        update.summary,
        json!({ "destinationUrl": { "from": "http://127.0.0.1:9/hook", "to": "http://127.0.0.1:9/other" } })
    );
    let everything: String = audit_entries(&f.server, &f.project)
        .await
        .iter()
        .map(|e| e.summary.to_string())
        .collect();
    for secret in [
        "pw-secret-1",
        "url-secret-123",
        "url-secret-789",
        "header-secret-456",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} is in the audit log: {everything}"
        );
    }
    for secret in ["signingSecret", "ingestSecret"] {
        let raw = created.body["data"][secret].as_str().unwrap();
        assert!(
            !everything.contains(raw),
            "the {secret} is in the audit log"
        );
    }
}

/// Renaming the audit table away makes every audit write fail, on both
/// backends, while the rest of the database works.
async fn audit_writes_fail(server: &Server, failing: bool) {
    let (from, to) = if failing {
        ("audit_log", "audit_log_away")
    } else {
        ("audit_log_away", "audit_log")
    };
    server
        .sql(&format!("ALTER TABLE {from} RENAME TO {to}"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_audit_write_is_logged_and_the_committed_change_still_succeeds() {
    let f = fixture(&[]).await;
    let d = signed_in(&f.server, &f.email).await;
    let p = format!("/dashboard/api/projects/{}", f.project);
    audit_writes_fail(&f.server, true).await;
    let created = d
        .call(
            "POST",
            &format!("{p}/webhooks"),
            Some(json!({ "name": "orders", "destinationUrl": "http://127.0.0.1:9/x" })),
        )
        .await;
    assert_eq!(
        created.status, 201,
        "the webhook exists, so the answer says so: {}",
        created.body
    );
    let via_api = f
        .server
        .api()
        .post(
            "/v1/webhooks",
            &f.key,
            json!({ "name": "refunds", "destinationUrl": "http://127.0.0.1:9/y" }),
        )
        .await;
    assert_eq!(via_api.status, 201, "as on /v1");
    assert_eq!(
        d.call("POST", "/dashboard/api/logout", None).await.status,
        204
    );
    audit_writes_fail(&f.server, false).await;
    assert!(
        f.server.log().contains("recording an audit entry failed"),
        "logged: {}",
        f.server.log()
    );
    let hooks = f.server.api().get("/v1/webhooks", &f.key).await;
    assert_eq!(hooks.body["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        d.call("GET", "/dashboard/api/session", None).await.status,
        401,
        "the logout took effect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivating_or_removing_a_user_ends_their_access_at_once() {
    let f = fixture(&[]).await;
    let (other, _) = f.server.create_project("globex");
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let (mut laptop, mut phone, mut stranger) = (
        f.server.dashboard(),
        f.server.dashboard(),
        f.server.dashboard(),
    );
    assert_eq!(laptop.login("bob@example.com", PASSWORD).await.status, 200);
    assert_eq!(phone.login("bob@example.com", PASSWORD).await.status, 200);

    let out = f
        .server
        .cli(&["user", "deactivate", "--email", "Bob@Example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 session(s) ended"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        laptop
            .call("GET", "/dashboard/api/session", None)
            .await
            .status,
        401
    );
    assert_eq!(
        phone
            .call(
                "GET",
                &format!("/dashboard/api/projects/{}/webhooks", f.project),
                None
            )
            .await
            .status,
        401
    );
    let refused = laptop.login("bob@example.com", PASSWORD).await;
    let unknown = stranger.login("nobody@example.com", PASSWORD).await;
    assert_eq!(
        (refused.status, &refused.body),
        (401, &unknown.body),
        "the same answer as for an unknown email"
    );
    let entry = audit_entries(&f.server, &f.project)
        .await
        .into_iter()
        .find(|e| e.action == "user.deactivate")
        .expect("audited");
    assert_eq!(
        (
            entry.actor_type.as_str(),
            entry.summary["sessionsEnded"].as_i64()
        ),
        ("cli", Some(2))
    );
    assert!(!f
        .server
        .cli(&["user", "deactivate", "--email", "nobody@example.com"])
        .status
        .success());

    // The operator lets the user back in with a new password.
    f.server.create_user(
        "bob@example.com",
        &f.project,
        "member",
        "a brand new passphrase",
    );
    f.server
        .create_user("bob@example.com", &other, "admin", "a brand new passphrase");
    assert_eq!(
        laptop
            .login("bob@example.com", "a brand new passphrase")
            .await
            .status,
        200
    );

    // Out of one project: that project is gone for the user's live session.
    let out = f.server.cli(&[
        "user",
        "remove",
        "--email",
        "bob@example.com",
        "--project",
        &f.project,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        laptop
            .call(
                "GET",
                &format!("/dashboard/api/projects/{}/webhooks", f.project),
                None
            )
            .await
            .status,
        404
    );
    let session = laptop.call("GET", "/dashboard/api/session", None).await;
    assert_eq!(
        session.body["data"]["projects"].as_array().map(Vec::len),
        Some(1),
        "{}",
        session.body
    );
    assert!(audit_rows(&f.server, &f.project)
        .await
        .iter()
        .any(|(t, _, a)| t == "cli" && a == "membership.remove"));
    assert!(
        !f.server
            .cli(&[
                "user",
                "remove",
                "--email",
                "bob@example.com",
                "--project",
                &f.project
            ])
            .status
            .success(),
        "not a member any more"
    );

    // Removed entirely: sessions end, and signing in answers as for anyone unknown.
    let out = f
        .server
        .cli(&["user", "remove", "--email", "bob@example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        laptop
            .call("GET", "/dashboard/api/session", None)
            .await
            .status,
        401
    );
    let refused = laptop
        .login("bob@example.com", "a brand new passphrase")
        .await;
    assert_eq!((refused.status, &refused.body), (401, &unknown.body));
    assert!(audit_rows(&f.server, &other)
        .await
        .iter()
        .any(|(t, _, a)| t == "cli" && a == "user.remove"));
    assert!(!f
        .server
        .cli(&["user", "remove", "--email", "bob@example.com"])
        .status
        .success());
}

/// The counts are in the database: failures on one node count on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_count_across_nodes() {
    let f = fixture(&["--login-max-failures", "2"]).await;
    let b = f.server.another_node(ServerOpts {
        extra: vec!["--login-max-failures".into(), "2".into()],
        ..ServerOpts::default()
    });
    let (mut on_a, mut on_b) = (f.server.dashboard(), b.dashboard());
    assert_eq!(
        on_a.login(&f.email, "wrong password here").await.status,
        401
    );
    assert_eq!(
        on_b.login(&f.email, "wrong password here").await.status,
        401
    );
    assert_eq!(
        on_a.login(&f.email, PASSWORD).await.status,
        429,
        "two failures, one on each node, use up the limit"
    );
    assert_eq!(on_b.login(&f.email, PASSWORD).await.status, 429);
    assert_eq!(
        on_b.login("someone.else@example.com", "wrong password here")
            .await
            .status,
        401,
        "other accounts are not locked"
    );
}

/// A login checks the password (slow on purpose), then creates the session:
/// a deactivation landing in between must win.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_deactivated_while_their_password_is_checked_gets_no_session() {
    let f = fixture(&[]).await;
    f.server
        .create_user("bob@example.com", &f.project, "member", PASSWORD);
    let store = f.server.store().await;
    let user = store
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .expect("user");
    let checked_hash = user.password_hash.clone().expect("a password");

    assert!(f
        .server
        .cli(&["user", "deactivate", "--email", "bob@example.com"])
        .status
        .success());
    let session = |id_hash: &'static str| hookrelay::store::NewSession {
        id_hash,
        user_id: &user.id,
        password_hash: &checked_hash,
        csrf_token: "csrf",
        expires_at: i64::MAX,
        source_ip: None,
    };
    assert!(
        !store.create_session(&session("late")).await.unwrap(),
        "no session once the password is gone"
    );

    f.server.create_user(
        "bob@example.com",
        &f.project,
        "member",
        "a brand new passphrase",
    );
    assert!(
        !store.create_session(&session("stale")).await.unwrap(),
        "nor with the password it replaced"
    );
    assert_eq!(
        f.server
            .sql_i64("SELECT CAST(COUNT(*) AS BIGINT) FROM user_sessions")
            .await,
        0
    );

    let current = store
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .and_then(|u| u.password_hash)
        .expect("new password");
    let fresh = hookrelay::store::NewSession {
        password_hash: &current,
        ..session("fresh")
    };
    assert!(
        store.create_session(&fresh).await.unwrap(),
        "the current password still signs in"
    );
}
