//! `random_get(buf, len)`: `len` bytes from the host's random source.

use super::memory::GuestMemory;
use super::{Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::io::Read;

/// The kernel's non-blocking cryptographic random source.
const RANDOM_SOURCE: &str = "/dev/urandom";

pub(super) fn random_get(_: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (buf, len) = (p.u32(0)?, p.u32(1)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let target = mem.slice_mut(buf, len)?;
    std::fs::File::open(RANDOM_SOURCE)?.read_exact(target)?;
    Ok(())
}
