//! Which deliveries may go out now, free of I/O: per-endpoint caps on
//! requests in flight, round-robin sharing of free capacity among endpoints
//! with work, circuit breaking, `Retry-After` pauses, rate limits and FIFO
//! order. The engine keeps one `Scheduler` per node for the endpoints this
//! node owns; ownership is a lease in the database (one node sends to an
//! endpoint at a time), so every rule here holds across nodes.
//!
//! Leasing and starting are separate. An endpoint may have up to its cap in
//! flight plus a look-ahead leased to this node and waiting in the engine's
//! local queue, so that a fast endpoint's next deliveries are in hand when a
//! request finishes (no query between two sends) and the write path and
//! claims lease in large batches. The look-ahead is what the endpoint
//! starts in [`AHEAD_MS`] (or a quarter of a lease, if shorter) at its
//! recent pace, at least its cap and at most [`MAX_AHEAD`], so waiting jobs
//! start long before their lease ends; the engine hands back the rest when
//! a circuit opens. An endpoint claims more only once its waiting queue is
//! down to half its look-ahead, so claims stay large. Rate-limit tokens are
//! taken when a request starts, not when it is leased.

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

/// Most deliveries of one endpoint leased ahead of sending. At 1,000, fan-out
/// to ten endpoints held 10,000 jobs in memory and delivered less (about
/// 18,000/s against 21,000/s at 250, median latency 520 against 120 ms,
/// peak RSS 130-140 against 110-125 MiB); at 100 it delivered less again.
/// One endpoint at 10,000/s keeps the same pace at 250.
pub const MAX_AHEAD: usize = 250;
/// How much of an endpoint's work is leased ahead, in time at its pace.
pub const AHEAD_MS: i64 = 2000;

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

    fn take(&mut self, now: i64) -> bool {
        self.refill(now);
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
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

/// Requests started per second, recently: an average over whole seconds,
/// each second weighing half as much as the next.
#[derive(Clone, Copy, Debug, Default)]
struct Pace {
    second: i64,
    count: u32,
    per_second: f64,
}

impl Pace {
    fn started(&mut self, now: i64) {
        let second = now.div_euclid(1000);
        if second != self.second {
            let gap = (second - self.second).clamp(1, 64) as i32;
            self.per_second = (self.per_second + f64::from(self.count)) * 0.5f64.powi(gap);
            self.second = second;
            self.count = 0;
        }
        self.count += 1;
    }

    fn per_second(&self) -> f64 {
        self.per_second.max(f64::from(self.count))
    }
}

struct Endpoint {
    limits: Limits,
    in_flight: usize,
    /// Leased to this node and waiting to start.
    ahead: usize,
    pace: Pace,
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

    /// How many may wait beyond the cap: what starts in `ahead_ms` at the
    /// recent pace, at least the cap (a cold endpoint) and at most
    /// `MAX_AHEAD`, and no more than the rate limit lets start meanwhile.
    fn lookahead(&self, ahead_ms: i64) -> usize {
        let by_pace = (self.pace.per_second() * ahead_ms as f64 / 1000.0) as usize;
        let n = by_pace
            .min(MAX_AHEAD)
            .max(self.limits.max_in_flight.min(MAX_AHEAD));
        match self.limits.rate_per_second {
            Some(r) => n.min((i64::from(r) * ahead_ms / 1000).max(1) as usize),
            None => n,
        }
    }

    /// How many more may be leased to this node now. Only a closed,
    /// unpaused, unordered endpoint leases ahead; otherwise just what may
    /// start (one probe while half-open).
    fn room(&mut self, now: i64, ahead_ms: i64) -> usize {
        let allowed = self.allowed(now);
        if self.limits.fifo || self.circuit.state != CircuitState::Closed || now < self.paused_until
        {
            return allowed.saturating_sub(self.ahead);
        }
        self.most_ahead(ahead_ms).saturating_sub(self.ahead)
    }

    /// Most deliveries a closed endpoint may have waiting: what may start
    /// at once (free slots, no more than the rate limit's burst) plus the
    /// look-ahead.
    fn most_ahead(&self, ahead_ms: i64) -> usize {
        let startable = match &self.bucket {
            Some(b) => self.free().min(b.capacity as usize),
            None => self.free(),
        };
        startable + self.lookahead(ahead_ms)
    }

    /// Whether its waiting queue is low enough to claim more.
    fn running_low(&self, ahead_ms: i64) -> bool {
        self.ahead <= self.lookahead(ahead_ms) / 2
    }

    fn is_idle(&self) -> bool {
        self.in_flight == 0 && self.ahead == 0 && self.due_at.is_none()
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

    fn take_token(&mut self, now: i64) -> bool {
        match &mut self.bucket {
            Some(b) => b.take(now),
            None => true,
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
    /// How long a delivery leased ahead may expect to wait.
    ahead_ms: i64,
}

impl Scheduler {
    pub fn new(policy: CircuitPolicy, lease_ms: i64) -> Scheduler {
        Scheduler {
            endpoints: HashMap::new(),
            order: Vec::new(),
            next: 0,
            policy,
            ahead_ms: (lease_ms / 4).min(AHEAD_MS),
        }
    }

    /// Whether the endpoint's waiting queue is low enough to claim more.
    pub fn running_low(&self, webhook_id: &str) -> bool {
        self.endpoints
            .get(webhook_id)
            .is_some_and(|e| e.running_low(self.ahead_ms))
    }

    /// Deliveries this node holds (in flight or waiting), all endpoints.
    pub fn held(&self) -> usize {
        self.endpoints.values().map(|e| e.in_flight + e.ahead).sum()
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
                ahead: 0,
                pace: Pace::default(),
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
            if e.is_idle() {
                e.idle_since.get_or_insert(now);
            } else {
                e.idle_since = None;
            }
        }
    }

    /// The write path's fast lane: up to `n` deliveries of `webhook_id` it
    /// is about to store may be leased to this node. Only for an owned
    /// endpoint whose circuit is closed and that is not FIFO (its order is
    /// the database's).
    pub fn reserve(&mut self, webhook_id: &str, n: usize, now: i64) -> usize {
        let ahead_ms = self.ahead_ms;
        let Some(e) = self.endpoints.get_mut(webhook_id) else {
            return 0;
        };
        if e.limits.fifo || e.circuit.state != CircuitState::Closed {
            return 0;
        }
        let n = n.min(e.room(now, ahead_ms));
        e.ahead += n;
        if n > 0 {
            e.idle_since = None;
        }
        n
    }

    /// Gives back `n` leased-ahead places: deliveries that were not stored,
    /// or whose leases the engine handed back.
    pub fn unreserve(&mut self, webhook_id: &str, n: usize) {
        if let Some(e) = self.endpoints.get_mut(webhook_id) {
            e.ahead = e.ahead.saturating_sub(n);
        }
    }

    /// One delivery leased ahead may start now (cap, pause, circuit and
    /// rate limit allowing): it moves from waiting to in flight.
    pub fn start(&mut self, webhook_id: &str, now: i64) -> bool {
        let Some(e) = self.endpoints.get_mut(webhook_id) else {
            return false;
        };
        if e.ahead == 0 || e.allowed(now) == 0 || !e.take_token(now) {
            return false;
        }
        e.ahead -= 1;
        e.in_flight += 1;
        e.pace.started(now);
        true
    }

    /// Shares up to `free` deliveries (what this node may still hold) among
    /// owned endpoints with due work, round-robin, a fair share each first,
    /// and reserves them.
    pub fn plan(&mut self, now: i64, free: usize) -> Vec<Grant> {
        let mut wants: Vec<(usize, usize)> = Vec::new();
        let len = self.order.len();
        let ahead_ms = self.ahead_ms;
        for i in 0..len {
            let idx = (self.next + i) % len;
            let Some(e) = self.endpoints.get_mut(&self.order[idx]) else {
                continue;
            };
            if e.claiming || !e.is_due(now) || !e.running_low(ahead_ms) {
                continue;
            }
            let room = e.room(now, ahead_ms);
            if room > 0 {
                wants.push((idx, room));
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
            if n == 0 {
                continue;
            }
            e.ahead += n;
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
        e.ahead = e.ahead.saturating_sub(granted.saturating_sub(got));
        e.claiming = false;
        if got < granted && !e.noted_during_claim {
            e.due_at = None;
        }
        if e.is_idle() {
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
        if e.is_idle() {
            e.idle_since = Some(now);
        }
        let before = e.circuit;
        e.circuit = next_circuit(e.circuit, verdict, now, &policy);
        (e.circuit.state != before.state || e.circuit.next_probe_at != before.next_probe_at)
            .then_some(e.circuit)
    }

    /// When something may next become possible (a token or the end of a
    /// pause for a waiting delivery, a probe, a due delivery), for the
    /// poller's sleep.
    pub fn next_wake(&self, now: i64) -> Option<i64> {
        let mut wake: Option<i64> = None;
        let mut at = |t: i64| wake = Some(wake.map_or(t, |w| w.min(t)));
        for e in self.endpoints.values() {
            // A finishing delivery wakes the poller when the cap is full.
            if e.ahead > 0 && e.circuit.state == CircuitState::Closed && e.free() > 0 {
                let mut t = e.paused_until;
                if let Some(b) = &e.bucket {
                    t = t.max(b.next_token_at());
                }
                at(t.max(now));
            }
            let Some(due) = e.due_at else { continue };
            if e.claiming {
                continue;
            }
            let mut t = due.max(e.paused_until);
            if e.circuit.state == CircuitState::Open {
                t = t.max(e.circuit.next_probe_at.unwrap_or(i64::MAX));
            } else if !e.running_low(self.ahead_ms) {
                continue;
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

    /// Deliveries leased ahead may wait a second (a quarter of 4 s).
    fn scheduler(endpoints: &[(&str, Limits)]) -> Scheduler {
        let mut s = Scheduler::new(POLICY, 4000);
        for (w, l) in endpoints {
            s.own(w, *l, Circuit::closed(0), 0);
        }
        s
    }

    #[test]
    fn an_endpoint_never_gets_more_than_its_cap_in_flight() {
        let mut s = scheduler(&[("a", limits(3))]);
        // Cold: what may start now, and its cap again leased ahead.
        assert_eq!(s.reserve("a", 1, 0), 1);
        assert_eq!(
            s.plan(0, 100),
            vec![Grant {
                webhook_id: "a".into(),
                n: 5,
                fifo: false
            }]
        );
        s.claimed("a", 5, 5, 0);
        assert_eq!(s.reserve("a", 5, 0), 0);
        assert!(s.plan(0, 100).is_empty());
        assert_eq!((0..6).filter(|_| s.start("a", 0)).count(), 3);
        assert!(
            s.plan(0, 100).is_empty(),
            "three waiting: more than half its look-ahead"
        );
        s.finish("a", Verdict::Success, None, None, 0);
        assert!(s.start("a", 0));
        assert!(!s.start("a", 0), "three in flight again");
        assert_eq!(s.held(), 5);
    }

    #[test]
    fn a_fast_endpoint_leases_further_ahead_up_to_the_maximum() {
        let mut s = scheduler(&[("a", limits(10))]);
        assert_eq!(s.reserve("a", 5000, 0), 20, "cold: twice its cap");
        // 2,000 starts a second for three seconds.
        let mut now = 0;
        while now < 3000 {
            s.reserve("a", 5000, now);
            for _ in 0..2 {
                if s.start("a", now) {
                    s.finish("a", Verdict::Success, None, None, now);
                }
            }
            now += 1;
        }
        assert!(
            (MAX_AHEAD..=MAX_AHEAD + 10).contains(&s.held()),
            "two seconds of its pace (4,000) ahead, but at most the maximum: {}",
            s.held()
        );
    }

    #[test]
    fn free_capacity_is_shared_round_robin() {
        let mut s = scheduler(&[("a", limits(100)), ("b", limits(100)), ("c", limits(2))]);
        let grants = s.plan(0, 30);
        let n = |w: &str| grants.iter().find(|g| g.webhook_id == w).map_or(0, |g| g.n);
        assert_eq!((n("a") + n("b") + n("c")), 30);
        assert_eq!(n("c"), 4, "capped at its own limit and look-ahead");
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
        assert_eq!((0..3).filter(|_| s.start("a", 0)).count(), 3);
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
        assert!(s.start("a", 1010));
        assert!(s.plan(1010, 10).is_empty());
        let reopened = s
            .finish("a", Verdict::Failure, None, Some(5000), 1100)
            .unwrap();
        assert_eq!(reopened.next_probe_at, Some(3100), "twice as long");
        let g = s.plan(3100, 10);
        s.claimed("a", g[0].n, 1, 3100);
        assert!(s.start("a", 3100));
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
        assert!(s.start("a", 0));
        s.finish("a", Verdict::Neutral, Some(3000), Some(3000), 0);
        assert_eq!(s.reserve("a", 1, 2999), 0);
        assert_eq!(s.next_wake(0), Some(3000));
        assert_eq!(s.reserve("a", 1, 3000), 1);
        assert!(s.start("a", 3000));
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
            s.reserve("a", 1000, now);
            assert!(
                s.held() <= 55,
                "leased ahead: a second at 50/s and the burst"
            );
            while s.start("a", now) {
                started += 1;
                s.finish("a", Verdict::Success, None, None, now);
            }
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
        let g = s.plan(0, 5);
        s.claimed("a", g[0].n, 1, 0);
        assert!(s.start("a", 0));
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
