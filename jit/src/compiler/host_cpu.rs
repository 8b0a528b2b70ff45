//! The host CPU's features for Cranelift's x86-64 settings, read from the
//! table glibc's loader filled at start-up instead of asked again.
//!
//! Each `cpuid` is a trap to the hypervisor on a virtual machine: 6.8 µs
//! apiece on the 2-CPU VMs this project is measured on (1000 in a loop,
//! hand-run). `std::is_x86_feature_detected!`, which
//! `cranelift_native::builder` asks, runs about fourteen of them at its
//! first use: 95 µs on the program's thread at its first tier-up (perf
//! samples over 200 runs of `examples/fibers/generator.wasm` with
//! `--tier-up-seed 3`), in a program the interpreter runs in 2.8 ms.
//! glibc 2.33 and later keep what the loader read, with the bits the OS
//! makes usable (AVX state enabled), behind `__x86_get_cpuid_feature_leaf`
//! (`<sys/platform/x86.h>`); it is looked up at run time, and where it is
//! missing (another libc, an older glibc) Cranelift asks the CPU itself.
//!
//! ```text
//!   __x86_get_cpuid_feature_leaf(leaf) ─▶ struct cpuid_feature {
//!       cpuid_array[4]   eax ebx ecx edx   as the CPU reported them
//!       active_array[4]  eax ebx ecx edx   the features usable here
//!   }
//!   leaves: 0 = cpuid 1, 1 = cpuid 7, 2 = cpuid 0x8000_0001,
//!           6 = cpuid 7 subleaf 1
//! ```

use cranelift_codegen::settings::Configurable;

/// `struct cpuid_feature` of glibc's `<bits/platform/x86.h>`.
#[repr(C)]
struct CpuidFeature {
    cpuid: [u32; 4],
    active: [u32; 4],
}

type FeatureLeaf = unsafe extern "C" fn(u32) -> *const CpuidFeature;

/// glibc's leaf indices (`CPUID_INDEX_*`).
const LEAF_1: u32 = 0;
const LEAF_7: u32 = 1;
const LEAF_8000_0001: u32 = 2;
const LEAF_7_SUB_1: u32 = 6;

/// Register indices within a leaf.
const EAX: usize = 0;
const EBX: usize = 1;
const ECX: usize = 2;
const EDX: usize = 3;

/// Cranelift's x86-64 setting for each feature: (leaf, register, bit).
const FEATURES: &[(&str, u32, usize, u32)] = &[
    ("has_sse3", LEAF_1, ECX, 0),
    ("has_ssse3", LEAF_1, ECX, 9),
    ("has_fma", LEAF_1, ECX, 12),
    ("has_cmpxchg16b", LEAF_1, ECX, 13),
    ("has_sse41", LEAF_1, ECX, 19),
    ("has_sse42", LEAF_1, ECX, 20),
    ("has_popcnt", LEAF_1, ECX, 23),
    ("has_avx", LEAF_1, ECX, 28),
    ("has_bmi1", LEAF_7, EBX, 3),
    ("has_avx2", LEAF_7, EBX, 5),
    ("has_bmi2", LEAF_7, EBX, 8),
    ("has_avx512f", LEAF_7, EBX, 16),
    ("has_avx512dq", LEAF_7, EBX, 17),
    ("has_avx512vl", LEAF_7, EBX, 31),
    ("has_avx512vbmi", LEAF_7, ECX, 1),
    ("has_avx512vnni", LEAF_7, ECX, 11),
    ("has_avx512bitalg", LEAF_7, ECX, 12),
    ("has_avx_vnni", LEAF_7_SUB_1, EAX, 4),
    ("has_lzcnt", LEAF_8000_0001, ECX, 5),
];

/// SSE2, which Cranelift's x86-64 backend requires: cpuid 1, EDX bit 26.
const SSE2: (u32, usize, u32) = (LEAF_1, EDX, 26);

/// glibc's feature table, if this process's libc has one.
fn feature_leaf() -> Option<FeatureLeaf> {
    // SAFETY: dlsym with RTLD_DEFAULT only searches the loaded objects'
    // symbol tables; the name is a NUL-terminated literal.
    let symbol =
        unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"__x86_get_cpuid_feature_leaf".as_ptr()) };
    // SAFETY: glibc declares the symbol with this signature
    // (`const struct cpuid_feature *__x86_get_cpuid_feature_leaf (unsigned int)`).
    (!symbol.is_null())
        .then(|| unsafe { std::mem::transmute::<*mut libc::c_void, FeatureLeaf>(symbol) })
}

/// Whether `(leaf, register, bit)` is usable, per glibc's table.
fn active(leaf_of: FeatureLeaf, (leaf, register, bit): (u32, usize, u32)) -> bool {
    // SAFETY: glibc returns a pointer to its static table entry (to a
    // zeroed one for leaves it does not know), valid for the process.
    let entry = unsafe { &*leaf_of(leaf) };
    entry.active[register] & (1 << bit) != 0
}

/// Sets `builder`'s feature settings for the host: from glibc's table
/// where there is one, else by Cranelift's own detection.
pub(crate) fn infer_host_features(builder: &mut dyn Configurable) -> Result<(), String> {
    let Some(leaf_of) = feature_leaf() else {
        return cranelift_native::infer_native_flags(builder).map_err(str::to_string);
    };
    if !active(leaf_of, SSE2) {
        return Err("x86 support requires SSE2".into());
    }
    for &(name, leaf, register, bit) in FEATURES {
        if active(leaf_of, (leaf, register, bit)) {
            builder.enable(name).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every feature glibc's table reports matches the standard library's
    /// own detection (the one Cranelift uses) on the machine running the test.
    #[test]
    fn the_table_agrees_with_std_detection() {
        let Some(leaf_of) = feature_leaf() else {
            return;
        };
        let std_detected = |name: &str| match name {
            "has_sse3" => std::is_x86_feature_detected!("sse3"),
            "has_ssse3" => std::is_x86_feature_detected!("ssse3"),
            "has_fma" => std::is_x86_feature_detected!("fma"),
            "has_cmpxchg16b" => std::is_x86_feature_detected!("cmpxchg16b"),
            "has_sse41" => std::is_x86_feature_detected!("sse4.1"),
            "has_sse42" => std::is_x86_feature_detected!("sse4.2"),
            "has_popcnt" => std::is_x86_feature_detected!("popcnt"),
            "has_avx" => std::is_x86_feature_detected!("avx"),
            "has_bmi1" => std::is_x86_feature_detected!("bmi1"),
            "has_avx2" => std::is_x86_feature_detected!("avx2"),
            "has_bmi2" => std::is_x86_feature_detected!("bmi2"),
            "has_avx512f" => std::is_x86_feature_detected!("avx512f"),
            "has_avx512dq" => std::is_x86_feature_detected!("avx512dq"),
            "has_avx512vl" => std::is_x86_feature_detected!("avx512vl"),
            "has_avx512vbmi" => std::is_x86_feature_detected!("avx512vbmi"),
            "has_avx512vnni" => std::is_x86_feature_detected!("avx512vnni"),
            "has_avx512bitalg" => std::is_x86_feature_detected!("avx512bitalg"),
            "has_avx_vnni" => std::is_x86_feature_detected!("avxvnni"),
            "has_lzcnt" => std::is_x86_feature_detected!("lzcnt"),
            other => panic!("no std name for {other}"),
        };
        for &(name, leaf, register, bit) in FEATURES {
            assert_eq!(
                active(leaf_of, (leaf, register, bit)),
                std_detected(name),
                "{name}"
            );
        }
        assert!(active(leaf_of, SSE2));
    }

    /// The settings made from the table are the ones Cranelift's own
    /// detection makes.
    #[test]
    fn settings_match_cranelifts_detection() {
        let mut ours = cranelift_native::builder_with_options(false).unwrap();
        infer_host_features(&mut ours).unwrap();
        let theirs = cranelift_native::builder().unwrap();
        let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
        let (ours, theirs) = (
            ours.finish(flags.clone()).unwrap(),
            theirs.finish(flags).unwrap(),
        );
        let text = |isa: &dyn cranelift_codegen::isa::TargetIsa| {
            isa.isa_flags()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(text(&*ours), text(&*theirs));
    }
}
