//! JavaScript transformations: `handler(event)` returns the request to send
//! (`{body, headers, method?, url?}`) or `null` to cancel it.
//!
//! Engine: QuickJS through `rquickjs`. It embeds without a JIT or a system
//! library, has no network or file access unless a host adds it (we add
//! nothing: no `std`/`os` modules, no loader), and enforces what a sandbox
//! needs: a memory limit per runtime, a stack limit, and an interrupt
//! handler polled while scripts run, which ends one that passes its
//! deadline. Runs go to a few script threads of their own ([`run`]), so
//! that a runaway script holds one for at most its time cap and never a
//! thread of the async runtime.
//!
//! Deliveries reuse sandboxes: setting up a runtime and context and
//! evaluating the script cost about 400 µs of CPU per delivery (atoms,
//! the standard library's objects, a GC at teardown), more than the rest
//! of a trivial transformation and enough to halve throughput. So each
//! script thread keeps up to 16 ready sandboxes, each its own runtime
//! and context for one transformation version: never shared between
//! versions, so neither between endpoints nor customers, even when their
//! code is the same. The consequence, as with Cloudflare Workers'
//! isolates: a script's globals may persist between events of the same
//! version on the same thread. A run that fails (an exception, the time or
//! the memory cap) discards its sandbox, whose heap may be half-updated;
//! the next starts fresh. Checks and simulations always get a fresh one.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::allocator::{Allocator, RustAllocator};
use rquickjs::{CatchResultExt, Context, Function, Runtime};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

pub const MAX_CODE_BYTES: usize = 64 * 1024;
/// Transformations running at once on a node; the rest wait their turn.
const SLOTS: usize = 4;
static RUNNING: Semaphore = Semaphore::const_new(SLOTS);
/// Ready sandboxes a thread keeps, the least recently used dropped first.
const WARM_PER_THREAD: usize = 16;

/// What one run may use.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub time: Duration,
    pub memory_bytes: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            time: Duration::from_millis(200),
            memory_bytes: 16 * 1024 * 1024,
        }
    }
}

/// The event as the script sees it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Input {
    /// The body: parsed if it is JSON, else the text.
    pub payload: serde_json::Value,
    pub headers: BTreeMap<String, String>,
    pub method: String,
    pub url: String,
    pub event_type: Option<String>,
}

/// The request a script returned, checked: valid headers (`content-type`
/// among them replaces the event's; the signature headers cannot be set),
/// `POST`, `PUT` or `PATCH`, an http(s) URL. Headers are added to the
/// endpoint's and the event's; an absent method or URL keeps the
/// endpoint's. Stored with the delivery, so its retries and replays resend
/// it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub body: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub method: Option<String>,
    pub url: Option<String>,
}

/// Methods a transformation may send with.
pub const METHODS: &[&str] = &["POST", "PUT", "PATCH"];

impl Request {
    /// The headers sent: `base` (the endpoint's and the event's, with the
    /// event's `content-type`) with the script's over them.
    pub fn headers_over(&self, base: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut all = base.clone();
        all.extend(self.headers.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    fn check(mut self) -> Result<Request, String> {
        self.headers = self
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let mut rest = self.headers.clone();
        if let Some(ct) = rest.remove("content-type") {
            reqwest::header::HeaderValue::from_str(&ct)
                .map_err(|_| "headers: content-type is not a valid header value".to_string())?;
        }
        crate::webhooks::validate_headers(&rest).map_err(|e| format!("headers: {e}"))?;
        if let Some(m) = &mut self.method {
            m.make_ascii_uppercase();
            if !METHODS.contains(&m.as_str()) {
                return Err(format!("method: must be one of {}", METHODS.join(", ")));
            }
        }
        if let Some(url) = &self.url {
            crate::webhooks::validate_destination_url(url).map_err(|e| format!("url: {e}"))?;
        }
        Ok(self)
    }
}

/// A transformation's request as a delivery keeps it: which version made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stored {
    pub version_id: String,
    #[serde(flatten)]
    pub request: Request,
}

/// What a script sees of an event about to go to `url` with `headers`.
pub fn input(
    body: &[u8],
    headers: BTreeMap<String, String>,
    url: String,
    event_type: Option<String>,
) -> Input {
    let payload = serde_json::from_slice(body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()));
    Input {
        payload,
        headers,
        method: "POST".into(),
        url,
        event_type,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Send(Request),
    /// The script returned null: nothing is sent.
    Cancelled,
}

/// Why a run failed; `kind` is what an attempt records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Timeout(Duration),
    Memory(usize),
    /// A syntax error, an exception, no `handler`, or a result of the wrong
    /// shape.
    Script(String),
}

impl Failure {
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Timeout(_) => "transformation_timeout",
            Failure::Memory(_) => "transformation_memory",
            Failure::Script(_) => "transformation_error",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Timeout(t) => format!("the script ran past its {} ms time cap", t.as_millis()),
            Failure::Memory(b) => format!("the script used more than its {} bytes of memory", b),
            Failure::Script(m) => m.clone(),
        }
    }
}

/// QuickJS's allocations, counted and refused past the cap, noting when one
/// was refused. (The runtime's own limit refuses too, but leaves no trace
/// of it: out of memory, QuickJS often cannot build its error and throws
/// null, as a script may itself.)
struct CappedAllocator {
    used: usize,
    cap: usize,
    refused: Rc<Cell<bool>>,
}

impl CappedAllocator {
    fn admits(&mut self, more: usize) -> bool {
        let ok = self.used.saturating_add(more) <= self.cap;
        if !ok {
            self.refused.set(true);
        }
        ok
    }

    fn counted(&mut self, ptr: *mut u8) -> *mut u8 {
        if !ptr.is_null() {
            // SAFETY: `ptr` was just allocated by `RustAllocator`.
            self.used += unsafe { RustAllocator::usable_size(ptr) };
        }
        ptr
    }
}

// SAFETY: every pointer handed out comes from `RustAllocator` and goes back
// to it; this only counts sizes and refuses (null) past the cap.
unsafe impl Allocator for CappedAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.admits(size) {
            return std::ptr::null_mut();
        }
        let ptr = RustAllocator.alloc(size);
        self.counted(ptr)
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        if !self.admits(count.saturating_mul(size)) {
            return std::ptr::null_mut();
        }
        let ptr = RustAllocator.calloc(count, size);
        self.counted(ptr)
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        self.used -= RustAllocator::usable_size(ptr);
        RustAllocator.dealloc(ptr);
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        if ptr.is_null() {
            return self.alloc(new_size);
        }
        let old = RustAllocator::usable_size(ptr);
        if !self.admits(new_size.saturating_sub(old)) {
            return std::ptr::null_mut();
        }
        let moved = RustAllocator.realloc(ptr, new_size);
        if !moved.is_null() {
            self.used = self.used - old + RustAllocator::usable_size(moved);
        }
        moved
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        RustAllocator::usable_size(ptr)
    }
}

/// What the script must return when it does not cancel.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Returned {
    body: serde_json::Value,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    method: Option<String>,
    url: Option<String>,
}

/// Runs `code` on `input` within `caps`, on the node's script threads, at
/// most [`SLOTS`] at once. With an `identity` (the transformation
/// version's id) the run may reuse a sandbox that ran that version before
/// on the same thread, globals and all; without one it gets a fresh one.
pub async fn run(
    code: String,
    input: Input,
    caps: Caps,
    identity: Option<String>,
) -> Result<Outcome, Failure> {
    off_runtime(move || run_now(&code, &input, caps, identity.as_deref())).await
}

/// Code that is neither blank nor past [`MAX_CODE_BYTES`].
pub fn check_size(code: &str) -> Result<(), String> {
    if code.trim().is_empty() || code.len() > MAX_CODE_BYTES {
        return Err(format!("must be 1 to {MAX_CODE_BYTES} bytes of JavaScript"));
    }
    Ok(())
}

/// Checks that `code` is 1 to [`MAX_CODE_BYTES`] bytes, compiles, and
/// defines `handler` as a function, running its top level within `caps`
/// (which may itself loop or allocate without end).
pub async fn check_code(code: String, caps: Caps) -> Result<(), String> {
    check_size(&code)?;
    let defined = off_runtime(move || {
        Sandbox::new(caps)?.run(caps.time, |ctx| {
            ctx.eval::<(), _>(code.as_str())?;
            let handler: rquickjs::Value = ctx.globals().get("handler")?;
            Ok(handler.is_function())
        })
    })
    .await
    .map_err(|f| f.message())?;
    if defined {
        Ok(())
    } else {
        Err("must define function handler(event)".into())
    }
}

/// Runs `f` on a script thread behind one of [`SLOTS`]: a script may spin
/// for its whole time cap, which must never hold a thread of the async
/// runtime, nor more than a few threads however many run away.
async fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let _slot = RUNNING
        .acquire()
        .await
        .map_err(|_| Failure::Script("the transformation pool is closed".into()))?;
    let (done, result) = tokio::sync::oneshot::channel();
    let task: ScriptTask = Box::new(move || {
        let _ = done.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    if script_threads().send(task).is_err() {
        return Err(Failure::Script(
            "no transformation thread could start".into(),
        ));
    }
    match result.await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) | Err(_) => Err(Failure::Script("the transformation stopped".into())),
    }
}

type ScriptTask = Box<dyn FnOnce() + Send>;

/// The node's [`SLOTS`] script threads, started on first use. Each keeps
/// the sandboxes it warmed (`WARM`), so their number bounds the memory
/// kept: on tokio's blocking pool any of its many threads could run a
/// script and keep sandboxes, and peak RSS grew with the pool. With every
/// thread started, a holder of a slot finds one free; tasks queue here only
/// if some could not start.
fn script_threads() -> &'static std::sync::mpsc::Sender<ScriptTask> {
    static THREADS: std::sync::OnceLock<std::sync::mpsc::Sender<ScriptTask>> =
        std::sync::OnceLock::new();
    THREADS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<ScriptTask>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..SLOTS {
            let rx = rx.clone();
            let started = std::thread::Builder::new()
                .name(format!("hookrelay-script-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next task.
                    let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match next {
                        Ok(task) => task(),
                        Err(_) => return,
                    }
                });
            // Fewer threads only means fewer scripts at once; with none,
            // sending fails and the run fails with a clear error.
            if let Err(e) = started {
                tracing::error!(error = %e, "could not start a transformation thread");
            }
        }
        tx
    })
}

/// Runs `code` on `input` on this thread, in a sandbox kept for
/// `identity` if there is one (see [`run`]).
pub fn run_now(
    code: &str,
    input: &Input,
    caps: Caps,
    identity: Option<&str>,
) -> Result<Outcome, Failure> {
    let input = serde_json::to_string(input).expect("the input serializes");
    let (sandbox, kept) = match identity.and_then(|id| Warm::take(id, code, caps)) {
        Some(w) => (w.sandbox, Some((w.identity, w.code))),
        None => (Sandbox::new(caps)?, None),
    };
    let ready = kept.is_some();
    let json = sandbox.run(caps.time, |ctx| {
        if !ready {
            ctx.eval::<(), _>(code)?;
        }
        let handler: Function = ctx.globals().get("handler")?;
        let event = ctx.json_parse(input)?;
        let out: rquickjs::Value = handler.call((event,))?;
        if out.is_null() || out.is_undefined() {
            return Ok(None);
        }
        // An object body becomes JSON here, in the script's key order.
        if let Some(obj) = out.as_object() {
            let body: rquickjs::Value = obj.get("body")?;
            if !body.is_string() && !body.is_undefined() {
                obj.set("body", ctx.json_stringify(body)?)?;
            }
        }
        match ctx.json_stringify(out)? {
            Some(s) => Ok(Some(s.to_string()?)),
            None => Ok(None),
        }
    })?;
    let outcome = match json {
        None => Ok(Outcome::Cancelled),
        Some(json) => requested(&json).map(Outcome::Send),
    };
    // Only a good run's sandbox is kept: a script that returned something
    // unusable may have left its globals half-updated too.
    if let (Some(id), Ok(_)) = (identity, &outcome) {
        let (identity, code) = kept.unwrap_or_else(|| (id.to_string(), code.to_string()));
        Warm {
            identity,
            code,
            sandbox,
        }
        .keep();
    }
    outcome
}

/// The request a handler returned (as JSON), if it can be sent.
fn requested(json: &str) -> Result<Request, Failure> {
    let returned: Returned = serde_json::from_str(json).map_err(|e| {
        Failure::Script(format!(
            "handler must return null or {{body, headers?, method?, url?}} ({e})"
        ))
    })?;
    let request = Request {
        body: match returned.body {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        },
        headers: returned.headers,
        method: returned.method,
        url: returned.url,
    };
    request.check().map_err(|e| {
        Failure::Script(format!(
            "handler returned a request that cannot be sent: {e}"
        ))
    })
}

/// A runtime and a context, with the flags its interrupt handler and
/// allocator leave and the deadline the handler reads, reset at each run.
/// The memory cap holds for the runtime's whole life, so what a kept
/// script's globals hold counts against every later run.
struct Sandbox {
    ctx: Context,
    memory_bytes: usize,
    deadline: Rc<Cell<Instant>>,
    timed_out: Rc<Cell<bool>>,
    out_of_memory: Rc<Cell<bool>>,
}

impl Sandbox {
    fn new(caps: Caps) -> Result<Sandbox, Failure> {
        let setup =
            |e: rquickjs::Error| Failure::Script(format!("the sandbox could not start: {e}"));
        let out_of_memory = Rc::new(Cell::new(false));
        let rt = Runtime::new_with_alloc(CappedAllocator {
            used: 0,
            cap: caps.memory_bytes,
            refused: out_of_memory.clone(),
        })
        .map_err(setup)?;
        // QuickJS measures the stack from where the runtime was made (we
        // have no `parallel` feature to update it): runs of a kept sandbox
        // start from `run_now` on the same kind of thread, so at about the
        // same depth.
        rt.set_max_stack_size(256 * 1024);
        let timed_out = Rc::new(Cell::new(false));
        let deadline = Rc::new(Cell::new(Instant::now() + caps.time));
        let (flag, until) = (timed_out.clone(), deadline.clone());
        rt.set_interrupt_handler(Some(Box::new(move || {
            let over = Instant::now() > until.get();
            flag.set(over);
            over
        })));
        Ok(Sandbox {
            ctx: Context::full(&rt).map_err(setup)?,
            memory_bytes: caps.memory_bytes,
            deadline,
            timed_out,
            out_of_memory,
        })
    }

    /// Runs `f` within `time` from now; an exception, the time cap and the
    /// memory cap come back as a [`Failure`].
    fn run<T>(
        &self,
        time: Duration,
        f: impl for<'js> FnOnce(&rquickjs::Ctx<'js>) -> rquickjs::Result<T>,
    ) -> Result<T, Failure> {
        self.deadline.set(Instant::now() + time);
        self.timed_out.set(false);
        self.out_of_memory.set(false);
        let result = self
            .ctx
            .with(|ctx| f(&ctx).catch(&ctx).map_err(|e| e.to_string()));
        // An interrupted script surfaces as an uncatchable exception; one
        // out of memory often as a bare null (QuickJS cannot build its
        // error), so the allocator's note tells.
        if self.timed_out.get() {
            return Err(Failure::Timeout(time));
        }
        if result.is_err() && self.out_of_memory.get() {
            return Err(Failure::Memory(self.memory_bytes));
        }
        result.map_err(Failure::Script)
    }
}

/// A sandbox kept after a good run of one version, its top level run and
/// `handler` defined.
struct Warm {
    identity: String,
    code: String,
    sandbox: Sandbox,
}

thread_local! {
    /// This thread's kept sandboxes, the most recently used last.
    static WARM: RefCell<Vec<Warm>> = const { RefCell::new(Vec::new()) };
}

impl Warm {
    /// The sandbox kept for `identity`, taken out while it runs (a failed
    /// run does not put it back). One made for other code or another
    /// memory cap is dropped: an identity names one script.
    fn take(identity: &str, code: &str, caps: Caps) -> Option<Warm> {
        WARM.with_borrow_mut(|warm| {
            let i = warm.iter().position(|w| w.identity == identity)?;
            let w = warm.remove(i);
            (w.code == code && w.sandbox.memory_bytes == caps.memory_bytes).then_some(w)
        })
    }

    fn keep(self) {
        WARM.with_borrow_mut(|warm| {
            if warm.len() >= WARM_PER_THREAD {
                warm.remove(0);
            }
            warm.push(self);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input {
            payload: serde_json::json!({ "type": "invoice.paid", "amount": 1200 }),
            headers: BTreeMap::from([("x-team".into(), "billing".into())]),
            method: "POST".into(),
            url: "https://example.com/hook".into(),
            event_type: Some("invoice.paid".into()),
        }
    }

    fn caps() -> Caps {
        Caps {
            time: Duration::from_millis(200),
            memory_bytes: 8 * 1024 * 1024,
        }
    }

    #[test]
    fn the_handler_reshapes_the_request_or_cancels_it() {
        let code = r#"
            function handler(event) {
                if (event.payload.amount < 100) return null;
                return {
                    body: { kind: event.eventType, cents: event.payload.amount, team: event.headers["x-team"] },
                    headers: { "x-kind": event.payload.type },
                    method: "PUT",
                    url: event.url + "?v=2",
                };
            }"#;
        let out = run_now(code, &input(), caps(), None).unwrap();
        assert_eq!(
            out,
            Outcome::Send(Request {
                body: r#"{"kind":"invoice.paid","cents":1200,"team":"billing"}"#.into(),
                headers: BTreeMap::from([("x-kind".into(), "invoice.paid".into())]),
                method: Some("PUT".into()),
                url: Some("https://example.com/hook?v=2".into()),
            })
        );
        let mut small = input();
        small.payload = serde_json::json!({ "amount": 5 });
        assert_eq!(
            run_now(code, &small, caps(), None).unwrap(),
            Outcome::Cancelled
        );
        let text = run_now(
            "function handler(e) { return { body: 'plain' } }",
            &input(),
            caps(),
            None,
        );
        assert!(matches!(text, Ok(Outcome::Send(r)) if r.body == "plain" && r.headers.is_empty()));
    }

    #[test]
    fn scripts_failing_name_their_kind() {
        let kind = |code: &str| run_now(code, &input(), caps(), None).unwrap_err().kind();
        assert_eq!(
            kind("function handler(e) { throw new Error('boom') }"),
            "transformation_error"
        );
        assert_eq!(
            kind("function handler(e) { return 5 }"),
            "transformation_error"
        );
        assert_eq!(
            kind("function handler(e) { return { bdy: 1 } }"),
            "transformation_error"
        );
        assert_eq!(kind("no handler here"), "transformation_error");
        assert_eq!(kind("function f() {}"), "transformation_error");
        assert_eq!(
            kind("function handler(e) { return null "),
            "transformation_error"
        );
        let e = run_now(
            "function handler(e) { throw new Error('boom') }",
            &input(),
            caps(),
            None,
        )
        .unwrap_err();
        assert!(e.message().contains("boom"), "{}", e.message());
    }

    #[test]
    fn only_a_request_that_can_be_sent_comes_back() {
        let run = |ret: &str| {
            run_now(
                &format!("function handler(e) {{ return {ret} }}"),
                &input(),
                caps(),
                None,
            )
        };
        let refused = [
            "{ body: 'x', headers: { 'webhook-signature': 'v1,forged' } }",
            "{ body: 'x', headers: { 'bad name': 'v' } }",
            "{ body: 'x', method: 'DELETE' }",
            "{ body: 'x', url: 'ftp://example.com/' }",
            "{ body: 'x', url: 'not a url' }",
        ];
        for ret in refused {
            assert_eq!(
                run(ret).unwrap_err().kind(),
                "transformation_error",
                "{ret}"
            );
        }
        let ok = run(
            "{ body: 'x', headers: { 'Content-Type': 'text/plain', 'X-A': '1' }, method: 'patch' }",
        );
        assert_eq!(
            ok.unwrap(),
            Outcome::Send(Request {
                body: "x".into(),
                headers: BTreeMap::from([
                    ("content-type".into(), "text/plain".into()),
                    ("x-a".into(), "1".into()),
                ]),
                method: Some("PATCH".into()),
                url: None,
            })
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn code_is_checked_before_it_is_set() {
        assert!(
            check_code("function handler(e) { return null }".into(), caps())
                .await
                .is_ok()
        );
        for bad in [
            "",
            "function handler(e) { return null ",
            "const handler = 5",
            "for (;;) {}",
            "throw new Error('at load')",
        ] {
            assert!(check_code(bad.into(), caps()).await.is_err(), "{bad}");
        }
        let big = format!(
            "function handler(e) {{ return null }} //{}",
            "x".repeat(MAX_CODE_BYTES)
        );
        assert!(check_code(big, caps()).await.is_err());
    }

    #[test]
    fn no_network_or_files_in_the_sandbox() {
        for global in ["fetch", "require", "process", "std", "os", "XMLHttpRequest"] {
            let code = format!("function handler(e) {{ return {{ body: typeof {global} }} }}");
            let out = run_now(&code, &input(), caps(), None).unwrap();
            assert!(
                matches!(out, Outcome::Send(r) if r.body == "undefined"),
                "{global}"
            );
        }
    }

    /// A runaway script and a memory bomb each fail within their caps while
    /// trivial runs beside them go through.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runaway_scripts_fail_within_their_caps_and_others_go_on() {
        let spin = run(
            "function handler(e) { for (;;) {} }".into(),
            input(),
            caps(),
            None,
        );
        let bomb = run(
            "function handler(e) { const a = []; for (;;) a.push('x'.repeat(1 << 20)); }".into(),
            input(),
            caps(),
            None,
        );
        let trivial = async {
            let started = Instant::now();
            for _ in 0..20 {
                let out = run(
                    "function handler(e) { return { body: e.payload } }".into(),
                    input(),
                    caps(),
                    Some("trv_trivial".into()),
                )
                .await;
                assert!(matches!(out, Ok(Outcome::Send(_))));
            }
            started.elapsed()
        };
        let (spin, bomb, _) = tokio::join!(spin, bomb, trivial);
        assert_eq!(spin.unwrap_err().kind(), "transformation_timeout");
        let bomb = bomb.unwrap_err();
        assert_eq!(bomb.kind(), "transformation_memory", "{}", bomb.message());
        // Deep recursion hits the stack cap, an ordinary script error.
        let deep = run_now(
            "function f(n) { return f(n + 1) } function handler(e) { return f(0) }",
            &input(),
            caps(),
            None,
        );
        assert_eq!(deep.unwrap_err().kind(), "transformation_error");
    }

    fn body(out: Result<Outcome, Failure>) -> String {
        match out {
            Ok(Outcome::Send(r)) => r.body,
            other => panic!("{other:?}"),
        }
    }

    const COUNTER: &str =
        "let n = 0; function handler(e) { n += 1; if (e.payload.spin) for (;;) {} return { body: String(n) } }";

    #[test]
    fn a_version_reuses_its_sandbox_and_no_other_version_sees_it() {
        let run = |identity| run_now(COUNTER, &input(), caps(), identity);
        assert_eq!(body(run(Some("trv_a"))), "1");
        assert_eq!(body(run(Some("trv_a"))), "2");
        // Same code, another version (say another customer's): its own globals.
        assert_eq!(body(run(Some("trv_b"))), "1");
        assert_eq!(body(run(None)), "1");
        assert_eq!(body(run(Some("trv_a"))), "3");
        // Each run gets the whole time cap, however long the sandbox lives.
        let started = Instant::now();
        while started.elapsed() < caps().time * 2 {
            run(Some("trv_a")).unwrap();
        }
    }

    #[test]
    fn a_failed_run_discards_its_sandbox() {
        let mut spin = input();
        spin.payload = serde_json::json!({ "spin": true });
        let run = |input: &Input| run_now(COUNTER, input, caps(), Some("trv_spin"));
        assert_eq!(body(run(&input())), "1");
        assert_eq!(body(run(&input())), "2");
        assert_eq!(run(&spin).unwrap_err().kind(), "transformation_timeout");
        assert_eq!(body(run(&input())), "1");
        // So does a run whose request cannot be sent: the next starts fresh.
        let code = "let n = 0; function handler(e) { n += 1; return n == 1 ? { body: 'x', method: 'TRACE' } : { body: String(n) } }";
        let run = || run_now(code, &input(), caps(), Some("trv_unusable"));
        assert_eq!(run().unwrap_err().kind(), "transformation_error");
        assert_eq!(run().unwrap_err().kind(), "transformation_error");
    }

    #[test]
    fn the_memory_cap_holds_across_runs_of_a_kept_sandbox() {
        let code = "const kept = []; function handler(e) { kept.push('x'.repeat(1 << 20)); return { body: String(kept.length) } }";
        let run = || run_now(code, &input(), caps(), Some("trv_grow"));
        let mut runs = 0;
        let failure = loop {
            runs += 1;
            assert!(runs < 20, "8 MiB never ran out");
            match run() {
                Ok(out) => assert_eq!(body(Ok(out)), runs.to_string()),
                Err(f) => break f,
            }
        };
        assert!(runs > 1);
        assert_eq!(
            failure.kind(),
            "transformation_memory",
            "{}",
            failure.message()
        );
        assert_eq!(body(run()), "1");
    }
}
