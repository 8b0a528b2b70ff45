//! `poll_oneoff(in, out, nsubscriptions, nevents_ptr)`.
//!
//! ```text
//!   subscription (48 bytes)   0: userdata u64   8: tag u8 (0 clock, 1 fd_read, 2 fd_write)
//!     clock:                 16: id u32   24: timeout u64   32: precision u64
//!                            40: flags u16 (1 = timeout is absolute)
//!     fd_read / fd_write:    16: fd u32
//!   event (32 bytes)          0: userdata u64   8: error u16   10: type u8
//!                            16: nbytes u64    24: flags u16
//! ```
//!
//! Fd subscriptions are reported ready at once (files and the host's
//! streams are treated as always ready; `nbytes` is what is left to read
//! in a file, else 0), with `BADF` in the event for an unknown fd. With no
//! fd subscription, the call sleeps until the earliest clock deadline and
//! reports every clock that has expired by then.

use super::clock::{MONOTONIC, now_ns};
use super::fd_table::FdEntry;
use super::memory::GuestMemory;
use super::{Errno, Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::time::Duration;

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;
const TAG_CLOCK: u8 = 0;
const TAG_FD_READ: u8 = 1;
const TAG_FD_WRITE: u8 = 2;
const CLOCK_ABSTIME: u16 = 1;

struct Event {
    userdata: u64,
    error: Errno,
    tag: u8,
    nbytes: u64,
}

enum Subscription {
    /// Deadline on the monotonic clock, in ns.
    Clock {
        userdata: u64,
        deadline: u64,
    },
    Fd {
        userdata: u64,
        tag: u8,
        fd: u32,
    },
}

pub(super) fn poll_oneoff(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (input, output, count, nevents_ptr) = (p.u32(0)?, p.u32(1)?, p.u32(2)?, p.u32(3)?);
    if count == 0 {
        return Err(Errno::INVAL.into());
    }
    let mut mem = GuestMemory::of_caller(caller)?;
    let subscriptions = (0..count)
        .map(|i| {
            let at = i
                .checked_mul(SUBSCRIPTION_SIZE)
                .and_then(|off| input.checked_add(off))
                .ok_or(Errno::FAULT)?;
            read_subscription(ctx, &mem, at)
        })
        .collect::<Result<Vec<_>, Errno>>()?;

    let mut events: Vec<Event> = subscriptions
        .iter()
        .filter_map(|s| match *s {
            Subscription::Fd { userdata, tag, fd } => Some(fd_event(ctx, userdata, tag, fd)),
            Subscription::Clock { .. } => None,
        })
        .collect();
    let earliest = subscriptions
        .iter()
        .filter_map(|s| match *s {
            Subscription::Clock { deadline, .. } => Some(deadline),
            Subscription::Fd { .. } => None,
        })
        .min();
    if events.is_empty()
        && let Some(deadline) = earliest
    {
        let now = now_ns(ctx, MONOTONIC)?;
        std::thread::sleep(Duration::from_nanos(deadline.saturating_sub(now)));
    }
    let now = now_ns(ctx, MONOTONIC)?;
    for s in &subscriptions {
        if let Subscription::Clock { userdata, deadline } = *s
            && deadline <= now
        {
            events.push(Event {
                userdata,
                error: Errno::SUCCESS,
                tag: TAG_CLOCK,
                nbytes: 0,
            });
        }
    }

    for (i, event) in events.iter().enumerate() {
        let at = (i as u32)
            .checked_mul(EVENT_SIZE)
            .and_then(|off| output.checked_add(off))
            .ok_or(Errno::FAULT)?;
        let out = mem.slice_mut(at, EVENT_SIZE)?;
        out.fill(0);
        out[0..8].copy_from_slice(&event.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&event.error.0.to_le_bytes());
        out[10] = event.tag;
        out[16..24].copy_from_slice(&event.nbytes.to_le_bytes());
    }
    mem.write_u32(nevents_ptr, events.len() as u32)?;
    Ok(())
}

fn read_subscription(ctx: &WasiCtx, mem: &GuestMemory<'_>, at: u32) -> Result<Subscription, Errno> {
    let bytes = mem.slice(at, SUBSCRIPTION_SIZE)?;
    let u64_at = |o: usize| {
        let mut b = [0; 8];
        b.copy_from_slice(&bytes[o..o + 8]);
        u64::from_le_bytes(b)
    };
    let userdata = u64_at(0);
    let tag = bytes[8];
    let fd_or_clock = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    match tag {
        TAG_CLOCK => {
            let (timeout, flags) = (u64_at(24), u16::from_le_bytes([bytes[40], bytes[41]]));
            let now = now_ns(ctx, fd_or_clock)?;
            let remaining = if flags & CLOCK_ABSTIME != 0 {
                timeout.saturating_sub(now)
            } else {
                timeout
            };
            let deadline = now_ns(ctx, MONOTONIC)?.saturating_add(remaining);
            Ok(Subscription::Clock { userdata, deadline })
        }
        TAG_FD_READ | TAG_FD_WRITE => Ok(Subscription::Fd {
            userdata,
            tag,
            fd: fd_or_clock,
        }),
        _ => Err(Errno::INVAL),
    }
}

fn fd_event(ctx: &WasiCtx, userdata: u64, tag: u8, fd: u32) -> Event {
    let (error, nbytes) = match ctx.fds.get(fd) {
        Ok(FdEntry::File { file, .. }) if tag == TAG_FD_READ => {
            let left = file
                .metadata()
                .ok()
                .zip(stream_position(file))
                .map_or(0, |(meta, pos)| meta.len().saturating_sub(pos));
            (Errno::SUCCESS, left)
        }
        Ok(_) => (Errno::SUCCESS, 0),
        Err(errno) => (errno, 0),
    };
    Event {
        userdata,
        error,
        tag,
        nbytes,
    }
}

/// A file's position without moving it (`&File` implements `Seek`).
fn stream_position(mut file: &std::fs::File) -> Option<u64> {
    use std::io::Seek;
    file.stream_position().ok()
}
