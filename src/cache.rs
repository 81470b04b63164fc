//! A small time-bounded cache for values every request needs (API-key and
//! ingest-secret lookups, webhook configs). Entries live `ttl`, so a change
//! made through another node is seen here within `ttl` without any
//! cross-node messaging; changes made through this node invalidate at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((at, v)) if at.elapsed() < self.ttl => Some(v.clone()),
            _ => None,
        }
    }

    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            // Bounded memory whatever keys callers present; expired entries
            // go first, and if all are fresh the cache simply starts over.
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    /// The cached value of `key`, or else what `load` gives, cached for next
    /// time (a failed load is not).
    pub async fn get_or_load<E, F>(&self, key: K, load: impl FnOnce() -> F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let v = load().await?;
        self.insert(key, v.clone());
        Ok(v)
    }

    pub fn remove(&self, key: &K) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_once_and_keeps_no_failure() {
        let c = TtlCache::new(Duration::from_secs(60), 10);
        let failed: Result<&str, &str> = c.get_or_load(1, || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(c.get(&1), None, "a failed load is not cached");
        let v: Result<_, ()> = c.get_or_load(1, || async { Ok("a") }).await;
        assert_eq!(v, Ok("a"));
        let cached: Result<_, ()> = c.get_or_load(1, || async { Ok("b") }).await;
        assert_eq!(cached, Ok("a"), "served from the cache, not loaded again");
    }

    #[test]
    fn expires_and_stays_bounded() {
        let c = TtlCache::new(Duration::ZERO, 2);
        c.insert(1, "a");
        assert_eq!(c.get(&1), None, "a zero ttl never serves");
        let c = TtlCache::new(Duration::from_secs(60), 2);
        c.insert(1, "a");
        c.insert(2, "b");
        c.insert(3, "c");
        assert_eq!(c.get(&3), Some("c"));
        assert!(c.entries.lock().unwrap().len() <= 2);
        c.remove(&3);
        assert_eq!(c.get(&3), None);
    }
}
