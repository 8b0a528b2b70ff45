//! [`OsrWatch`]: which hot loops stay interpreted although an OSR entry is
//! ready for them — loops that drive many held, short-lived continuations
//! as heap frames.
//!
//! Compiled code resumes an interpreted continuation in place, as heap
//! frames, when native stacks are dear (many continuations held, none
//! warm: the jit's `HEAP_FRAMES_AFTER`), and each such start or resume is
//! then a crossing into the interpreter and back. A loop that does little
//! besides starting and resuming such continuations gains less from its
//! compiled code than the crossings cost (`cont_held`: 3,232 instructions
//! per continuation against the interpreter's 2,974, `bash
//! benches/callgrind.sh tiers` at 7f5d3ee), so it keeps running in the
//! interpreter's own fast paths.
//! Its function is compiled all the same, for its next call.
//!
//! ```text
//!   hot loop of f, OSR entry ready:
//!     fewer than HELD records live  ─▶ enter it
//!     first time f is watched       ─▶ note `runs`, interpret OSR_RETRY_AFTER
//!                                      more events of f, then ask again
//!     since the note, ≥ 1 run per RUN_SHARE events of f (and still HELD)
//!                                   ─▶ note again, keep interpreting
//!     fewer runs                    ─▶ enter it
//!   runs: young continuations (resumed fewer than LONG_LIVED_AFTER times)
//!         the interpreter started or resumed as heap frames
//!         (`ContTable::runs`); older ones move to native stacks under
//!         compiled code, where resuming them costs no crossing
//! ```

use wasmfx_core::FuncAddr;

/// Live continuation records from which a compiled loop would run new
/// continuations in place (the jit's `HEAP_FRAMES_AFTER` native stacks in
/// use make stacks dear; records are counted here, whichever tier holds
/// them).
const HELD: usize = 256;

/// At least one heap-frame run per this many events of the function (calls
/// and loop headers) makes a loop a driver of continuations.
const RUN_SHARE: u64 = 4;

/// The functions whose hot loops were found driving continuations, with
/// the runs counted when they were last looked at.
#[derive(Debug, Default)]
pub(crate) struct OsrWatch {
    watched: Vec<(FuncAddr, u64)>,
}

impl OsrWatch {
    /// Whether `func`'s hot loop, with an OSR entry ready, should stay
    /// interpreted for `events` more of its events: `live` records exist
    /// and the interpreter has made `runs` heap-frame runs so far.
    pub(crate) fn stays_interpreted(
        &mut self,
        func: FuncAddr,
        live: usize,
        runs: u64,
        events: u32,
    ) -> bool {
        let at = self.watched.iter().position(|&(f, _)| f == func);
        if live < HELD {
            if let Some(at) = at {
                self.watched.swap_remove(at);
            }
            return false;
        }
        let Some(at) = at else {
            self.watched.push((func, runs));
            return true;
        };
        let before = std::mem::replace(&mut self.watched[at].1, runs);
        let drives = (runs - before) * RUN_SHARE >= u64::from(events);
        if !drives {
            self.watched.swap_remove(at);
        }
        drives
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_that_drives_held_continuations_stays_interpreted() {
        let (mut watch, f, g) = (OsrWatch::default(), FuncAddr(1), FuncAddr(2));
        // Few held: enter.
        assert!(!watch.stays_interpreted(f, HELD - 1, 0, 1024));
        // Many held: watch one more round first.
        assert!(watch.stays_interpreted(f, HELD, 10, 1024));
        // A run every event: stays.
        assert!(watch.stays_interpreted(f, HELD, 1034, 1024));
        // Exactly one run per RUN_SHARE events: stays.
        assert!(watch.stays_interpreted(f, HELD, 1034 + 256, 1024));
        // Fewer: enter, and the watch is over.
        assert!(!watch.stays_interpreted(f, HELD, 1034 + 256 + 255, 1024));
        assert!(watch.watched.is_empty());
        // Another function is watched on its own.
        assert!(watch.stays_interpreted(g, HELD, 5000, 1024));
        assert!(!watch.stays_interpreted(f, HELD - 1, 5000, 1024));
        assert_eq!(watch.watched, [(g, 5000)]);
    }
}
