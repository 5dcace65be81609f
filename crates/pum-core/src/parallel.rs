//! Running work on many items on a bounded number of threads, with the
//! items' events handed to the caller's thread in the order they happen.
//! Shared by change management ([`crate::cm`]) and fleet runs
//! ([`crate::fleet`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

/// Hands events from worker threads to the caller's thread.
pub(crate) struct Emitter<E>(mpsc::Sender<E>);

impl<E> Clone for Emitter<E> {
    fn clone(&self) -> Self {
        Emitter(self.0.clone())
    }
}

impl<E> Emitter<E> {
    /// Sends an event (dropped if the caller stopped listening).
    pub(crate) fn send(&self, event: E) {
        let _ = self.0.send(event);
    }
}

/// Runs `work` on every item, on at most `jobs` threads, taking the items
/// in order; `events` is called on the caller's thread. Each thread has a
/// state of its own (`S::default()` to start with: a cached connection,
/// say) that `work` gets with every item. Once `stop(result)` is true for
/// a result (or a signal came), no further item starts: those get `None`.
pub(crate) fn run<T, R, S, E>(
    items: &[T],
    jobs: usize,
    stop: impl Fn(&R) -> bool + Sync,
    work: impl Fn(&T, &Emitter<E>, &mut S) -> R + Sync,
    events: &mut dyn FnMut(E),
) -> Vec<Option<R>>
where
    T: Sync,
    R: Send,
    S: Default,
    E: Send,
{
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let workers = jobs.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..workers {
            let emitter = Emitter(tx.clone());
            let (next, stopped, results, stop, work) = (&next, &stopped, &results, &stop, &work);
            scope.spawn(move || {
                let mut state = S::default();
                loop {
                    if stopped.load(Ordering::SeqCst) || crate::interrupt::requested().is_some() {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let r = work(item, &emitter, &mut state);
                    if stop(&r) {
                        stopped.store(true, Ordering::SeqCst);
                    }
                    *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                }
            });
        }
        drop(tx);
        for event in rx {
            events(event);
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_stop_after_a_failure() {
        let items: Vec<u32> = (0..10).collect();
        let mut events = 0;
        let out = run(
            &items,
            1,
            |r: &bool| !*r,
            |i, e: &Emitter<u32>, _: &mut ()| {
                e.send(*i);
                *i != 3
            },
            &mut |_| events += 1,
        );
        assert_eq!(events, 4);
        let mut want = vec![Some(true), Some(true), Some(true), Some(false)];
        want.resize(10, None);
        assert_eq!(out, want);
        // Four at once: every item runs when nothing fails.
        let out = run(
            &items,
            4,
            |_: &u32| false,
            |i, _: &Emitter<()>, _: &mut ()| i * 2,
            &mut |_| {},
        );
        assert_eq!(out, items.iter().map(|i| Some(i * 2)).collect::<Vec<_>>());
    }

    #[test]
    fn no_more_threads_than_jobs_or_items() {
        use std::sync::atomic::AtomicUsize;
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u32> = (0..12).collect();
        run(
            &items,
            3,
            |_: &()| false,
            |_, _: &Emitter<()>, _: &mut ()| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            },
            &mut |_| {},
        );
        assert!(most.load(Ordering::SeqCst) <= 3);
        assert!(most.load(Ordering::SeqCst) >= 2, "ran in parallel");
    }
}
