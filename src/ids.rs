//! Identifiers. Every id is a type prefix plus a ULID, so ids sort by creation
//! time: cursor pagination orders by id and stays stable under concurrent
//! inserts (new rows only ever appear "above" a cursor).

pub const PROJECT: &str = "proj";
pub const API_KEY: &str = "key";
pub const WEBHOOK: &str = "wh";
pub const SECRET: &str = "sec";
pub const EVENT: &str = "evt";
pub const DELIVERY: &str = "msg";
pub const ATTEMPT: &str = "atm";
pub const APPLICATION: &str = "app";
pub const PORTAL_TOKEN: &str = "ptk";
pub const REPLAY_JOB: &str = "rjob";
pub const SCHEDULE: &str = "sched";
pub const CHANNEL: &str = "nch";
pub const NOTIFICATION: &str = "ntf";
pub const REFUSAL: &str = "rfs";
pub const TRANSFORMATION: &str = "trv";

/// A new id, greater than every id this process made before: FIFO
/// endpoints deliver in id order, so two events in the same millisecond
/// must not swap (a plain ULID's random part would).
pub fn new_id(prefix: &str) -> String {
    static GENERATOR: std::sync::Mutex<Option<ulid::Generator>> = std::sync::Mutex::new(None);
    let mut generator = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    // The random part overflows only after 2^80 ids in one millisecond.
    let id = generator
        .get_or_insert_with(ulid::Generator::new)
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new());
    format!("{prefix}_{id}")
}

/// True when `id` looks like an id of this kind. Used to answer 404 early for
/// obviously foreign ids without a database round trip.
pub fn has_prefix(id: &str, prefix: &str) -> bool {
    id.len() == prefix.len() + 27
        && id.starts_with(prefix)
        && id.as_bytes()[prefix.len()] == b'_'
        && ulid::Ulid::from_string(&id[prefix.len() + 1..]).is_ok()
}

/// The public part of an ingest URL: random, not time-ordered, so that ingest
/// URLs of one project cannot be enumerated from one another.
pub fn new_public_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..24)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_one_process_only_grow() {
        let ids: Vec<String> = (0..10_000).map(|_| new_id(DELIVERY)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ids_carry_prefix_and_sort_by_time() {
        let a = new_id(WEBHOOK);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id(WEBHOOK);
        assert!(has_prefix(&a, WEBHOOK));
        assert!(!has_prefix(&a, DELIVERY));
        assert!(!has_prefix("wh_notaulid", WEBHOOK));
        assert!(a < b);
    }

    #[test]
    fn public_ids_are_random_lowercase() {
        let a = new_public_id();
        assert_eq!(a.len(), 24);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(a, new_public_id());
    }
}
