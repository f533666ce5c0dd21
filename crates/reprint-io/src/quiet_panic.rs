//! Catching a panic inside a dependency that should have returned an error, without the
//! panic message reaching the user's terminal: the caller gets `None` and reports a clear
//! error of its own.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`catch`]: its panics are expected and not printed.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic inside it gives `None` and prints nothing (other threads' panics are
/// printed as before: the previous hook still handles them).
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = CATCHING.with(|c| c.replace(true));
    let out = catch_unwind(AssertUnwindSafe(f)).ok();
    CATCHING.with(|c| c.set(was));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_none_and_a_value_passes() {
        assert_eq!(super::catch(|| 7), Some(7));
        assert_eq!(super::catch(|| -> i32 { panic!("expected") }), None);
        assert_eq!(super::catch(|| 8), Some(8));
    }
}
