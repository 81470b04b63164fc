//! Which deliveries may go out now, free of I/O: per-endpoint caps on
//! requests in flight, round-robin sharing of free capacity among endpoints
//! with work, circuit breaking, `Retry-After` pauses, rate limits and FIFO
//! order. The engine keeps one `Scheduler` per node for the endpoints this
//! node owns; ownership is a lease in the database (one node sends to an
//! endpoint at a time), so every rule here holds across nodes.
//!
//! Capacity is reserved before a delivery is in hand (a claim asks the
//! database for exactly what was granted; the write path leases only what
//! it was granted), so whatever arrives can start at once and nothing waits
//! in a local queue holding a lease.

use std::collections::{HashMap, HashSet};

/// An endpoint's limits, from its webhook's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub max_in_flight: usize,
    /// Deliveries started per second; None is unlimited.
    pub rate_per_second: Option<u32>,
    /// One delivery at a time (per ordering key), in ingest order.
    pub fifo: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    Open,
    /// Open, and its probe may go (or is in flight).
    HalfOpen,
}

impl CircuitState {
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half-open",
        }
    }

    pub fn parse(s: &str) -> Option<CircuitState> {
        match s {
            "closed" => Some(CircuitState::Closed),
            "open" => Some(CircuitState::Open),
            "half-open" => Some(CircuitState::HalfOpen),
            _ => None,
        }
    }
}

/// When circuits open and how long they stay open.
#[derive(Clone, Copy, Debug)]
pub struct CircuitPolicy {
    /// Failures in a row that open a closed circuit.
    pub failures_to_open: u32,
    /// The first open period; each failed probe doubles it, up to `max_open_ms`.
    pub open_ms: i64,
    pub max_open_ms: i64,
}

/// Longest pause a destination's `Retry-After` can ask for.
pub const MAX_RETRY_AFTER_MS: i64 = 10 * 60 * 1000;

/// An endpoint's circuit as stored (and shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Circuit {
    pub state: CircuitState,
    pub since: i64,
    /// While open: when the probe may go.
    pub next_probe_at: Option<i64>,
    /// Failures in a row (closed), or opens in a row (open, for the backoff).
    pub failures: u32,
}

impl Circuit {
    pub fn closed(since: i64) -> Circuit {
        Circuit {
            state: CircuitState::Closed,
            since,
            next_probe_at: None,
            failures: 0,
        }
    }
}

/// What an attempt says about the endpoint's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx.
    Success,
    /// No answer (timeout, connection or TLS error) or a 5xx.
    Failure,
    /// Any other answer: the endpoint is up, the delivery is its problem.
    Neutral,
}

impl Verdict {
    /// The rule: an HTTP answer below 500 means the endpoint is there.
    pub fn of(status_code: Option<i64>) -> Verdict {
        match status_code {
            Some(c) if (200..300).contains(&c) => Verdict::Success,
            Some(c) if c < 500 => Verdict::Neutral,
            _ => Verdict::Failure,
        }
    }
}

/// Deliveries of one endpoint the caller may now claim from the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub webhook_id: String,
    pub n: usize,
    pub fifo: bool,
}

/// Deliveries started per second, with a burst of a tenth of a second's
/// worth (at least one), so any 10 s window holds at most 1 % more.
#[derive(Clone, Copy, Debug)]
struct TokenBucket {
    per_ms: f64,
    capacity: f64,
    tokens: f64,
    at: i64,
}

impl TokenBucket {
    fn new(rate_per_second: u32, now: i64) -> TokenBucket {
        let capacity = (f64::from(rate_per_second) / 10.0).max(1.0);
        TokenBucket {
            per_ms: f64::from(rate_per_second) / 1000.0,
            capacity,
            tokens: capacity,
            at: now,
        }
    }

    fn refill(&mut self, now: i64) {
        if now > self.at {
            self.tokens = (self.tokens + (now - self.at) as f64 * self.per_ms).min(self.capacity);
            self.at = now;
        }
    }

    fn take(&mut self, n: usize, now: i64) -> usize {
        self.refill(now);
        let got = (self.tokens.floor() as usize).min(n);
        self.tokens -= got as f64;
        got
    }

    fn give_back(&mut self, n: usize) {
        self.tokens = (self.tokens + n as f64).min(self.capacity);
    }

    /// When the next whole token is there.
    fn next_token_at(&self) -> i64 {
        if self.tokens >= 1.0 {
            self.at
        } else {
            self.at + ((1.0 - self.tokens) / self.per_ms).ceil() as i64
        }
    }
}

struct Endpoint {
    limits: Limits,
    in_flight: usize,
    /// When its earliest queued delivery in the database is due, as far as
    /// this node knows; None: nothing queued.
    due_at: Option<i64>,
    /// Work was noted while a claim for it was running: its shortfall does
    /// not prove the queue empty.
    noted_during_claim: bool,
    claiming: bool,
    paused_until: i64,
    bucket: Option<TokenBucket>,
    circuit: Circuit,
    /// FIFO: the ordering keys with a delivery in flight.
    keys_in_flight: HashSet<String>,
    /// When it last had nothing due and nothing in flight.
    idle_since: Option<i64>,
}

impl Endpoint {
    fn free(&self) -> usize {
        self.limits.max_in_flight.saturating_sub(self.in_flight)
    }

    /// How many may start now, before the rate limit: none while paused or
    /// open, one probe while half-open.
    fn allowed(&mut self, now: i64) -> usize {
        if now < self.paused_until {
            return 0;
        }
        if self.circuit.state == CircuitState::Open
            && self.circuit.next_probe_at.is_some_and(|t| t <= now)
        {
            self.circuit.state = CircuitState::HalfOpen;
        }
        match self.circuit.state {
            CircuitState::Closed => self.free(),
            CircuitState::HalfOpen if self.in_flight == 0 => 1,
            _ => 0,
        }
    }

    fn take_tokens(&mut self, n: usize, now: i64) -> usize {
        match &mut self.bucket {
            Some(b) => b.take(n, now),
            None => n,
        }
    }

    fn is_due(&self, now: i64) -> bool {
        self.due_at.is_some_and(|t| t <= now)
    }
}

pub struct Scheduler {
    endpoints: HashMap<String, Endpoint>,
    /// Round-robin order of owned endpoints.
    order: Vec<String>,
    next: usize,
    policy: CircuitPolicy,
}

impl Scheduler {
    pub fn new(policy: CircuitPolicy) -> Scheduler {
        Scheduler {
            endpoints: HashMap::new(),
            order: Vec::new(),
            next: 0,
            policy,
        }
    }

    pub fn owns(&self, webhook_id: &str) -> bool {
        self.endpoints.contains_key(webhook_id)
    }

    pub fn owned(&self) -> Vec<String> {
        self.order.clone()
    }

    /// Takes an endpoint on (this node now sends to it), with its stored
    /// circuit; its queue is assumed due until a claim says otherwise.
    pub fn own(&mut self, webhook_id: &str, limits: Limits, circuit: Circuit, now: i64) {
        if self.owns(webhook_id) {
            return;
        }
        let bucket = limits.rate_per_second.map(|r| TokenBucket::new(r, now));
        let circuit = match circuit.state {
            // A probe in flight on a node that lost the endpoint: probe again.
            CircuitState::HalfOpen => Circuit {
                state: CircuitState::Open,
                next_probe_at: Some(now),
                ..circuit
            },
            _ => circuit,
        };
        self.endpoints.insert(
            webhook_id.to_string(),
            Endpoint {
                limits,
                in_flight: 0,
                due_at: Some(now),
                noted_during_claim: false,
                claiming: false,
                paused_until: 0,
                bucket,
                circuit,
                keys_in_flight: HashSet::new(),
                idle_since: None,
            },
        );
        self.order.push(webhook_id.to_string());
    }

    /// Gives an endpoint up (its lease was lost or it stayed idle).
    pub fn disown(&mut self, webhook_id: &str) {
        self.endpoints.remove(webhook_id);
        self.order.retain(|w| w != webhook_id);
    }

    /// Applies changed settings; the rate limit starts over when it changes.
    pub fn set_limits(&mut self, webhook_id: &str, limits: Limits, now: i64) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            if e.limits.rate_per_second != limits.rate_per_second {
                e.bucket = limits.rate_per_second.map(|r| TokenBucket::new(r, now));
            }
            e.limits = limits;
        }
    }

    /// Work for the endpoint is due at `at` (a retry scheduled, a delivery
    /// queued by this node).
    pub fn note_due(&mut self, webhook_id: &str, at: i64) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            e.due_at = Some(e.due_at.map_or(at, |t| t.min(at)));
            if e.claiming {
                e.noted_during_claim = true;
            }
        }
    }

    /// What the database says: its earliest queued delivery is due at `at`.
    pub fn set_due(&mut self, webhook_id: &str, at: Option<i64>, now: i64) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            if !e.claiming {
                e.due_at = at;
            }
            match (e.due_at, e.in_flight) {
                (None, 0) => {
                    e.idle_since.get_or_insert(now);
                }
                _ => e.idle_since = None,
            }
        }
    }

    /// The write path's fast lane: takes up to `n` slots for deliveries of
    /// `webhook_id` it is about to store, leased to this node. Only for an
    /// owned endpoint whose circuit is closed and that is not FIFO (its
    /// order is the database's).
    pub fn reserve(&mut self, webhook_id: &str, n: usize, now: i64) -> usize {
        let Some(e) = self.endpoints.get_mut(webhook_id) else {
            return 0;
        };
        if e.limits.fifo || e.circuit.state != CircuitState::Closed {
            return 0;
        }
        let n = n.min(e.allowed(now));
        let n = e.take_tokens(n, now);
        e.in_flight += n;
        if n > 0 {
            e.idle_since = None;
        }
        n
    }

    /// Gives back slots reserved for deliveries that were not stored.
    pub fn unreserve(&mut self, webhook_id: &str, n: usize) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            e.in_flight = e.in_flight.saturating_sub(n);
            if let Some(b) = &mut e.bucket {
                b.give_back(n);
            }
        }
    }

    /// Shares up to `free` slots (this node's) among owned endpoints with due
    /// work, round-robin, a fair share each first, and reserves them.
    pub fn plan(&mut self, now: i64, free: usize) -> Vec<Grant> {
        let mut wants: Vec<(usize, usize)> = Vec::new();
        let len = self.order.len();
        for i in 0..len {
            let idx = (self.next + i) % len;
            let Some(e) = self.endpoints.get_mut(&self.order[idx]) else {
                continue;
            };
            if e.claiming || !e.is_due(now) {
                continue;
            }
            let allowed = e.allowed(now);
            if allowed > 0 {
                wants.push((idx, allowed));
            }
        }
        if len > 0 {
            self.next = (self.next + 1) % len;
        }
        let mut given = vec![0; wants.len()];
        let mut left = free;
        // A fair share each, then what is left in the same order.
        let share = if wants.is_empty() {
            0
        } else {
            (free / wants.len()).max(1)
        };
        for pass in [Some(share), None] {
            for (k, (_, want)) in wants.iter().enumerate() {
                let more = (*want - given[k]).min(pass.unwrap_or(usize::MAX)).min(left);
                given[k] += more;
                left -= more;
            }
        }
        let mut grants = Vec::new();
        for ((idx, _), n) in wants.into_iter().zip(given) {
            let webhook_id = self.order[idx].clone();
            let Some(e) = self.endpoints.get_mut(&webhook_id) else {
                continue;
            };
            let n = e.take_tokens(n, now);
            if n == 0 {
                continue;
            }
            e.in_flight += n;
            e.claiming = true;
            e.noted_during_claim = false;
            e.idle_since = None;
            grants.push(Grant {
                webhook_id,
                n,
                fifo: e.limits.fifo,
            });
        }
        grants
    }

    /// A claim for a grant of `granted` found `got`: the rest goes back,
    /// and a shortfall means nothing more is due (unless work was noted
    /// meanwhile).
    pub fn claimed(&mut self, webhook_id: &str, granted: usize, got: usize, now: i64) {
        let Some(e) = self.endpoints.get_mut(webhook_id) else {
            return;
        };
        let unused = granted.saturating_sub(got);
        e.in_flight = e.in_flight.saturating_sub(unused);
        if let Some(b) = &mut e.bucket {
            b.give_back(unused);
        }
        e.claiming = false;
        if got < granted && !e.noted_during_claim {
            e.due_at = None;
        }
        if e.in_flight == 0 && e.due_at.is_none() {
            e.idle_since = Some(now);
        }
    }

    /// FIFO: the ordering keys of `webhook_id` with a delivery in flight.
    pub fn keys_in_flight(&self, webhook_id: &str) -> HashSet<String> {
        self.endpoints
            .get(webhook_id)
            .map(|e| e.keys_in_flight.clone())
            .unwrap_or_default()
    }

    /// FIFO: a delivery with this ordering key started.
    pub fn started_key(&mut self, webhook_id: &str, key: &str) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            e.keys_in_flight.insert(key.to_string());
        }
    }

    /// FIFO: the outcome of a delivery with this ordering key is stored, so
    /// the next of its key may go (its order is read from the database).
    pub fn outcome_stored(&mut self, webhook_id: &str, key: &str, now: i64) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            if e.limits.fifo && e.keys_in_flight.remove(key) {
                e.due_at = Some(e.due_at.map_or(now, |t| t.min(now)));
                if e.claiming {
                    e.noted_during_claim = true;
                }
            }
        }
    }

    /// A delivery of `webhook_id` finished: its slot frees, its verdict moves
    /// the circuit, `retry_after_ms` pauses the endpoint, and `due_at` (its
    /// retry, if any) is noted. Returns the circuit when it changed. (A FIFO
    /// key stays busy until the outcome is stored: `outcome_stored`.)
    pub fn finish(
        &mut self,
        webhook_id: &str,
        verdict: Verdict,
        retry_after_ms: Option<i64>,
        due_at: Option<i64>,
        now: i64,
    ) -> Option<Circuit> {
        let policy = self.policy;
        let e = self.endpoints.get_mut(webhook_id)?;
        e.in_flight = e.in_flight.saturating_sub(1);
        if let Some(ms) = retry_after_ms {
            e.paused_until = e.paused_until.max(now + ms.clamp(0, MAX_RETRY_AFTER_MS));
        }
        if let Some(at) = due_at {
            e.due_at = Some(e.due_at.map_or(at, |t| t.min(at)));
            if e.claiming {
                e.noted_during_claim = true;
            }
        }
        if e.in_flight == 0 && e.due_at.is_none() {
            e.idle_since = Some(now);
        }
        let before = e.circuit;
        e.circuit = next_circuit(e.circuit, verdict, now, &policy);
        (e.circuit.state != before.state || e.circuit.next_probe_at != before.next_probe_at)
            .then_some(e.circuit)
    }

    /// When something may next become possible (a token, the end of a
    /// pause, a probe, a due delivery), for the poller's sleep.
    pub fn next_wake(&self, now: i64) -> Option<i64> {
        let mut wake: Option<i64> = None;
        let mut at = |t: i64| wake = Some(wake.map_or(t, |w| w.min(t)));
        for e in self.endpoints.values() {
            let Some(due) = e.due_at else { continue };
            if e.claiming {
                continue;
            }
            let mut t = due.max(e.paused_until);
            if e.circuit.state == CircuitState::Open {
                t = t.max(e.circuit.next_probe_at.unwrap_or(i64::MAX));
            } else if e.free() == 0 {
                continue; // a finishing delivery wakes the poller
            }
            if let Some(b) = &e.bucket {
                t = t.max(b.next_token_at());
            }
            at(t.max(now));
        }
        wake
    }

    /// Endpoints idle (nothing due, nothing in flight) since before `before`.
    pub fn idle_before(&self, before: i64) -> Vec<String> {
        self.endpoints
            .iter()
            .filter(|(_, e)| e.idle_since.is_some_and(|t| t < before))
            .map(|(w, _)| w.clone())
            .collect()
    }

    pub fn circuit(&self, webhook_id: &str) -> Option<Circuit> {
        self.endpoints.get(webhook_id).map(|e| e.circuit)
    }
}

/// The circuit after an attempt with `verdict`. A success closes it from
/// any state; failures open a closed one after `failures_to_open` in a row;
/// a failed probe opens it again for twice as long (capped). Failures of
/// requests started before it opened change nothing more.
pub fn next_circuit(c: Circuit, verdict: Verdict, now: i64, policy: &CircuitPolicy) -> Circuit {
    match (c.state, verdict) {
        (CircuitState::Closed, Verdict::Success) => Circuit { failures: 0, ..c },
        (_, Verdict::Success) => Circuit::closed(now),
        (CircuitState::Closed, Verdict::Failure) if c.failures + 1 >= policy.failures_to_open => {
            open(now, 0, policy)
        }
        (CircuitState::Closed, Verdict::Failure) => Circuit {
            failures: c.failures + 1,
            ..c
        },
        (CircuitState::HalfOpen, Verdict::Failure) => open(now, c.failures + 1, policy),
        (CircuitState::HalfOpen, Verdict::Neutral) => Circuit::closed(now),
        _ => c,
    }
}

/// Open for `open_ms` doubled `reopens` times, capped.
fn open(now: i64, reopens: u32, policy: &CircuitPolicy) -> Circuit {
    let period = policy
        .open_ms
        .saturating_mul(1_i64 << reopens.min(20))
        .min(policy.max_open_ms);
    Circuit {
        state: CircuitState::Open,
        since: now,
        next_probe_at: Some(now + period),
        failures: reopens,
    }
}

/// FIFO: of an endpoint's open deliveries in ingest order (id, ordering key,
/// due now), the ones that may go now: the first of each key, if it is due
/// and no delivery of its key is in flight; at most `n`.
pub fn fifo_heads<'a>(
    rows: &'a [(String, String, bool)],
    in_flight: &HashSet<String>,
    n: usize,
) -> Vec<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut heads = Vec::new();
    for (id, key, due) in rows {
        if heads.len() >= n {
            break;
        }
        if !seen.insert(key.as_str()) {
            continue;
        }
        if *due && !in_flight.contains(key) {
            heads.push(id.as_str());
        }
    }
    heads
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: CircuitPolicy = CircuitPolicy {
        failures_to_open: 3,
        open_ms: 1000,
        max_open_ms: 4000,
    };

    fn limits(max_in_flight: usize) -> Limits {
        Limits {
            max_in_flight,
            rate_per_second: None,
            fifo: false,
        }
    }

    fn scheduler(endpoints: &[(&str, Limits)]) -> Scheduler {
        let mut s = Scheduler::new(POLICY);
        for (w, l) in endpoints {
            s.own(w, *l, Circuit::closed(0), 0);
        }
        s
    }

    #[test]
    fn an_endpoint_never_gets_more_than_its_cap() {
        let mut s = scheduler(&[("a", limits(3))]);
        assert_eq!(s.reserve("a", 2, 0), 2);
        assert_eq!(
            s.plan(0, 100),
            vec![Grant {
                webhook_id: "a".into(),
                n: 1,
                fifo: false
            }]
        );
        s.claimed("a", 1, 1, 0);
        assert_eq!(s.reserve("a", 5, 0), 0);
        assert!(s.plan(0, 100).is_empty());
        s.finish("a", Verdict::Success, None, None, 0);
        assert_eq!(s.reserve("a", 5, 0), 1);
    }

    #[test]
    fn free_capacity_is_shared_round_robin() {
        let mut s = scheduler(&[("a", limits(100)), ("b", limits(100)), ("c", limits(2))]);
        let grants = s.plan(0, 30);
        let n = |w: &str| grants.iter().find(|g| g.webhook_id == w).map_or(0, |g| g.n);
        assert_eq!((n("a") + n("b") + n("c")), 30);
        assert_eq!(n("c"), 2, "capped at its own limit");
        assert!(n("a") >= 10 && n("b") >= 10, "{grants:?}");
        // A backlog's shortfall ends its due state; others keep theirs.
        s.claimed("a", n("a"), n("a"), 0);
        s.claimed("b", n("b"), 0, 0);
        s.claimed("c", n("c"), n("c"), 0);
        assert!(s.plan(0, 100).iter().all(|g| g.webhook_id != "b"));
    }

    #[test]
    fn work_noted_during_a_claim_keeps_the_endpoint_due() {
        let mut s = scheduler(&[("a", limits(10))]);
        let g = s.plan(0, 10);
        s.note_due("a", 0);
        s.claimed("a", g[0].n, 0, 0);
        assert_eq!(s.plan(0, 10).len(), 1);
    }

    #[test]
    fn circuit_opens_after_failures_in_a_row_then_one_probe_decides() {
        let mut s = scheduler(&[("a", limits(10))]);
        let g = s.plan(0, 10);
        s.claimed("a", g[0].n, 3, 0);
        assert_eq!(s.finish("a", Verdict::Failure, None, Some(0), 0), None);
        assert_eq!(
            s.finish("a", Verdict::Neutral, None, None, 0),
            None,
            "a 4xx is not a failure of the endpoint"
        );
        assert_eq!(s.finish("a", Verdict::Failure, None, None, 0), None);
        // The third failure in a row (no success between) opens it.
        let opened = s.finish("a", Verdict::Failure, None, None, 10).unwrap();
        assert_eq!(
            (opened.state, opened.next_probe_at),
            (CircuitState::Open, Some(1010))
        );
        assert_eq!(s.reserve("a", 1, 500), 0);
        assert!(s.plan(500, 10).is_empty(), "no requests while open");
        assert_eq!(s.next_wake(500), Some(1010));
        // Then exactly one probe.
        assert_eq!(
            s.plan(1010, 10),
            vec![Grant {
                webhook_id: "a".into(),
                n: 1,
                fifo: false
            }]
        );
        s.claimed("a", 1, 1, 1010);
        assert!(s.plan(1010, 10).is_empty());
        let reopened = s
            .finish("a", Verdict::Failure, None, Some(5000), 1100)
            .unwrap();
        assert_eq!(reopened.next_probe_at, Some(3100), "twice as long");
        let g = s.plan(3100, 10);
        s.claimed("a", g[0].n, 1, 3100);
        let closed = s.finish("a", Verdict::Success, None, None, 3200).unwrap();
        assert_eq!(closed, Circuit::closed(3200));
        assert_eq!(s.reserve("a", 10, 3200), 10);
    }

    #[test]
    fn open_periods_double_up_to_the_cap() {
        let mut c = next_circuit(
            Circuit {
                failures: 2,
                ..Circuit::closed(0)
            },
            Verdict::Failure,
            0,
            &POLICY,
        );
        let mut periods = Vec::new();
        for _ in 0..4 {
            let half = Circuit {
                state: CircuitState::HalfOpen,
                ..c
            };
            c = next_circuit(half, Verdict::Failure, 0, &POLICY);
            periods.push(c.next_probe_at.unwrap());
        }
        assert_eq!(periods, [2000, 4000, 4000, 4000]);
    }

    #[test]
    fn retry_after_pauses_the_endpoint_capped() {
        let mut s = scheduler(&[("a", limits(10))]);
        assert_eq!(s.reserve("a", 1, 0), 1);
        s.finish("a", Verdict::Neutral, Some(3000), Some(3000), 0);
        assert_eq!(s.reserve("a", 1, 2999), 0);
        assert_eq!(s.next_wake(0), Some(3000));
        assert_eq!(s.reserve("a", 1, 3000), 1);
        s.finish("a", Verdict::Neutral, Some(i64::MAX / 2), None, 4000);
        assert_eq!(
            s.reserve("a", 1, 4000 + MAX_RETRY_AFTER_MS),
            1,
            "a pause is capped"
        );
    }

    #[test]
    fn the_rate_limit_spaces_deliveries_over_time() {
        let mut s = scheduler(&[(
            "a",
            Limits {
                max_in_flight: 1_000_000,
                rate_per_second: Some(50),
                fifo: false,
            },
        )]);
        let mut started = 0;
        let mut now = 0;
        while now < 10_000 {
            started += s.reserve("a", 1000, now);
            now += 7;
        }
        // 500 over 10 s, plus the burst of a tenth of a second.
        assert!((500..=506).contains(&started), "{started} in 10 s at 50/s");
    }

    #[test]
    fn fifo_endpoints_take_the_head_of_each_key_only() {
        let rows: Vec<(String, String, bool)> = [
            ("d1", "k1", true),
            ("d2", "k1", true),
            ("d3", "k2", false),
            ("d4", "k3", true),
            ("d5", "k2", true),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
        assert_eq!(
            fifo_heads(&rows, &HashSet::new(), 10),
            ["d1", "d4"],
            "k2's head is not due: its successors wait"
        );
        let busy: HashSet<String> = ["k1".to_string()].into();
        assert_eq!(fifo_heads(&rows, &busy, 10), ["d4"]);
        assert_eq!(fifo_heads(&rows, &HashSet::new(), 1), ["d1"]);
        let mut s = scheduler(&[(
            "a",
            Limits {
                max_in_flight: 5,
                rate_per_second: None,
                fifo: true,
            },
        )]);
        assert_eq!(
            s.reserve("a", 1, 0),
            0,
            "FIFO order is the database's: no fast lane"
        );
        s.started_key("a", "k1");
        assert!(s.keys_in_flight("a").contains("k1"));
        s.plan(0, 5);
        s.claimed("a", 5, 1, 0);
        s.finish("a", Verdict::Success, None, None, 0);
        assert!(
            s.keys_in_flight("a").contains("k1"),
            "busy until its outcome is stored"
        );
        s.outcome_stored("a", "k1", 0);
        assert!(s.keys_in_flight("a").is_empty());
        assert_eq!(s.plan(0, 5).len(), 1, "the next of k1 may go");
    }

    #[test]
    fn idle_endpoints_are_found_for_release() {
        let mut s = scheduler(&[("a", limits(10)), ("b", limits(10))]);
        let g = s.plan(0, 10);
        for grant in &g {
            s.claimed(&grant.webhook_id, grant.n, 0, 100);
        }
        assert_eq!(s.idle_before(50), Vec::<String>::new());
        let mut idle = s.idle_before(101);
        idle.sort();
        assert_eq!(idle, ["a", "b"]);
        s.disown("a");
        assert!(!s.owns("a") && s.owns("b"));
    }

    #[test]
    fn verdicts() {
        assert_eq!(Verdict::of(Some(204)), Verdict::Success);
        assert_eq!(Verdict::of(Some(429)), Verdict::Neutral);
        assert_eq!(Verdict::of(Some(410)), Verdict::Neutral);
        assert_eq!(Verdict::of(Some(503)), Verdict::Failure);
        assert_eq!(Verdict::of(None), Verdict::Failure);
    }
}
