//! The process's kernel mappings, from /proc/self/maps.

/// How many mappings the process has.
pub fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps")
        .lines()
        .count()
}
