//! FNV-1a: the small, stable, non-cryptographic hash Kubernetes uses for
//! template hashes and name suffixes. Stable across processes (unlike
//! Swift's seeded `Hasher`), so it can be persisted and compared later.

/// The Fowler–Noll–Vo 1a hash over UTF-8 bytes.
public enum FNV1a {
    /// The 32-bit hash.
    public static func hash32(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// The 64-bit hash.
    public static func hash64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// `hash64` as sixteen lower-case hex digits.
    public static func hex64(_ text: String) -> String {
        let hex = String(hash64(text), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
